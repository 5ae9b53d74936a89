// hashCallId (SipHash-2-4 via libsodium) vs hashCallIdInline per Call-ID length.
//   build/release/tests/bench/common/common_callid_hash_bench
#include <sipsteer/core/callid_hash.h>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace sipsteer::core;

void BM_HashCallId(benchmark::State& state) {
  const HashKey key = randomHashKey();
  // 8 distinct Call-IDs of the requested length, so no result is reused.
  std::vector<std::string> ids;
  for (char c = 'a'; c < 'i'; ++c) ids.emplace_back(static_cast<size_t>(state.range(0)), c);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(hashCallId(key, ids[i++ & 7]));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HashCallId)->Arg(16)->Arg(40)->Arg(64)->Arg(128);

// The same hash inlined (sipsteer/core/siphash.h), as the fast path calls it.
void BM_HashCallIdInline(benchmark::State& state) {
  const HashKey key = randomHashKey();
  std::vector<std::string> ids;
  for (char c = 'a'; c < 'i'; ++c) ids.emplace_back(static_cast<size_t>(state.range(0)), c);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& id = ids[i++ & 7];
    benchmark::DoNotOptimize(
        hashCallIdInline(key, {reinterpret_cast<const uint8_t*>(id.data()), id.size()}));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HashCallIdInline)->Arg(16)->Arg(40)->Arg(64)->Arg(128);

}  // namespace

BENCHMARK_MAIN();

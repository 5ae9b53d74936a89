// hashCallId (SipHash-2-4 via libsodium) vs hashCallIdInline per Call-ID
// length, and siphash24Batch (a burst's Call-IDs at once) per path.
//   build/release/tests/bench/common/common_callid_hash_bench
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/siphash_batch.h>

#include <benchmark/benchmark.h>

#include <cstdint>
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

// 32 Call-IDs of about `range(0)` bytes (lengths spread over +-7, as a burst
// of real ones would be) hashed by one siphash24Batch call on the path
// range(1) (0 scalar, 1 AVX-512). Time per Call-ID: items_per_second.
void BM_HashCallIdBatch(benchmark::State& state) {
  using sipsteer::core::detail::BatchPath;
  const auto path = state.range(1) == 0 ? BatchPath::kScalar : BatchPath::kAvx512;
  if (!detail::siphash24BatchPathAvailable(path)) {
    state.SkipWithError("this CPU lacks AVX-512");
    return;
  }
  const HashKey key = randomHashKey();
  constexpr uint32_t kCount = 32;
  std::vector<std::string> ids;
  std::vector<const uint8_t*> data;
  std::vector<uint32_t> len;
  for (uint32_t i = 0; i < kCount; ++i) {
    const auto n = static_cast<size_t>(state.range(0)) - 7 + (i * 5) % 15;
    ids.emplace_back(n, static_cast<char>('a' + i % 26));
  }
  for (const auto& id : ids) {
    data.push_back(reinterpret_cast<const uint8_t*>(id.data()));
    len.push_back(static_cast<uint32_t>(id.size()));
  }
  uint64_t out[kCount];
  for (auto _ : state) {
    detail::siphash24BatchWith(path, key.bytes.data(), data.data(), len.data(), kCount, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCount);
}
BENCHMARK(BM_HashCallIdBatch)->ArgNames({"bytes", "avx512"})->ArgsProduct({{16, 40, 64, 128}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();

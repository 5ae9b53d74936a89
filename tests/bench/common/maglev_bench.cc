// Maglev lookup cost on the fast path and ring build cost.
//   build/release/tests/bench/common/common_maglev_bench
#include <sipsteer/abi/table.h>
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/maglev.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace sipsteer::core;

std::vector<MaglevMember> members(uint32_t count) {
  std::vector<MaglevMember> out;
  for (uint32_t i = 0; i < count; ++i) {
    out.push_back({maglevMemberKey("198.18." + std::to_string(i / 250) + "." +
                                   std::to_string(i % 250 + 1) + ":5060"),
                   i % 4 + 1});
  }
  return out;
}

// ~40-byte Call-IDs like real UAs send; a rotating set defeats caching of one
// result while staying in L1/L2 like a busy worker's recent packets.
std::vector<std::string> callIds() {
  std::vector<std::string> ids;
  std::mt19937_64 engine(1);
  for (int i = 0; i < 1024; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%016llx%08x-%04x@198.18.2.%d",
                  static_cast<unsigned long long>(engine()), static_cast<unsigned>(engine()),
                  static_cast<unsigned>(engine() & 0xffff), i % 250 + 1);
    ids.emplace_back(buf);  // 29 + "@198.18.2.x" = 39..41 bytes
  }
  return ids;
}

// hashCallId + ringSlot + slot read: what a worker does for a new dialog.
void BM_MaglevLookup(benchmark::State& state) {
  std::vector<uint16_t> ring;
  buildMaglevRing(members(static_cast<uint32_t>(state.range(0))), SIPSTEER_DEFAULT_RING_SIZE, ring);
  const auto ids = callIds();
  HashKey key = randomHashKey();
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t h = hashCallId(key, ids[i++ & 1023]);
    benchmark::DoNotOptimize(ring[ringSlot(h, SIPSTEER_DEFAULT_RING_SIZE)]);
  }
  state.counters["callid_bytes"] = static_cast<double>(ids[0].size());
}
BENCHMARK(BM_MaglevLookup)->Arg(16)->Arg(1000);

// ringSlot + slot read alone, hashes precomputed.
void BM_MaglevSlotRead(benchmark::State& state) {
  std::vector<uint16_t> ring;
  buildMaglevRing(members(16), SIPSTEER_DEFAULT_RING_SIZE, ring);
  std::vector<uint64_t> hashes(1024);
  std::mt19937_64 engine(2);
  for (auto& h : hashes) h = engine();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring[ringSlot(hashes[i++ & 1023], SIPSTEER_DEFAULT_RING_SIZE)]);
  }
}
BENCHMARK(BM_MaglevSlotRead);

void BM_MaglevBuild(benchmark::State& state) {
  const auto input = members(static_cast<uint32_t>(state.range(0)));
  std::vector<uint16_t> ring;
  for (auto _ : state) {
    buildMaglevRing(input, SIPSTEER_DEFAULT_RING_SIZE, ring);
    benchmark::DoNotOptimize(ring.data());
  }
}
BENCHMARK(BM_MaglevBuild)->Arg(16)->Arg(256)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Whole-table build (validation + tiers + Maglev + blob) and validation cost.
//   build/release/tests/bench/common/common_table_builder_bench
#include <sipsteer/core/table_builder.h>
#include <sipsteer/core/table_view.h>

#include <benchmark/benchmark.h>

namespace {

using namespace sipsteer::core;

// One VIP, one pool of `count` servers at 65537 slots: two tiers (primary
// holds 3/4 of the servers), weights 1..4.
TableSpec spec(uint32_t count) {
  TableSpec spec;
  VipSpec vip;
  vip.addr.bytes[0] = 198, vip.addr.bytes[1] = 18, vip.addr.bytes[3] = 1;
  spec.vips.push_back(vip);
  PoolSpec pool;
  for (uint32_t i = 0; i < count; ++i) {
    ServerSpec server;
    server.addr.bytes[0] = 198, server.addr.bytes[1] = 19;
    server.addr.bytes[2] = static_cast<uint8_t>(i >> 8);
    server.addr.bytes[3] = static_cast<uint8_t>(i);
    server.server_id = i;
    server.weight = i % 4 + 1;
    server.priority = i % 4 == 3 ? 20 : 10;
    pool.servers.push_back(server);
  }
  spec.pools.push_back(pool);
  return spec;
}

void BM_BuildTable(benchmark::State& state) {
  const TableSpec input = spec(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(buildTable(input));
}
BENCHMARK(BM_BuildTable)->Arg(16)->Arg(256)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ValidateTable(benchmark::State& state) {
  const auto blob = buildTable(spec(static_cast<uint32_t>(state.range(0)))).value();
  for (auto _ : state) {
    TableView view;
    benchmark::DoNotOptimize(TableView::validate(blob, view));
  }
}
BENCHMARK(BM_ValidateTable)->Arg(16)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

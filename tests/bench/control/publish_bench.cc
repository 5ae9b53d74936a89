// Publication latency: from "a server changed" to the dataplane's ACK.
//  - BM_BuildTable: assemble the spec from registry + states and build the
//    blob with the core library (weighted Maglev over 65537 slots).
//  - BM_PublishRoundTrip: build, send over the Unix socket to a FAKE
//    dataplane peer (validates the blob with core::TableView and acks), and
//    wait for the ACK. This is what sipsteer_table_publish_latency_seconds
//    measures minus the build; the real dataplane adds its RCU swap.
// Servers: N in one pool, two priority tiers, one server flips each round.
#include <benchmark/benchmark.h>

#include <thread>

#include "publish/dataplane_client.h"
#include "publish/table_assembler.h"
#include "unit/control/fake_dataplane.h"

using namespace sipsteer::control;

namespace {

struct Fixture {
  explicit Fixture(int n) {
    PoolConfig p;
    p.name = "core";
    p.vips = {parseAddressPort("198.18.0.1:5060").value()};
    config.pools = {p};
    for (int i = 0; i < n; ++i) {
      ServerRecord r;
      r.address = parseAddressPort("198.18." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250) +
                                   ":5060").value();
      r.pool = "core";
      r.id = registry.idFor("core", r.address);
      r.priority = i < n / 2 ? 10 : 20;
      r.weight = static_cast<uint16_t>(1 + i % 7);
      registry.upsert(r);
    }
  }
  std::vector<uint8_t> build(uint64_t generation, uint32_t flip) {
    auto spec = assembleTable(config, registry, [flip](uint32_t id) {
      return PublishedServerState{id == flip ? ServerState::kDown : ServerState::kUp, 10};
    }, generation, {});
    return *sipsteer::core::buildTable(spec);
  }
  Config config;
  ServerRegistry registry;
};

void BM_BuildTable(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  uint64_t g = 1;
  for (auto _ : state) {
    auto blob = f.build(g, static_cast<uint32_t>(1 + g % state.range(0)));
    ++g;
    benchmark::DoNotOptimize(blob.data());
  }
  state.counters["servers"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_BuildTable)->Arg(100)->Arg(1000)->Arg(4000)->Unit(benchmark::kMillisecond);

class AckWaiter : public DataplaneListener {
 public:
  void onDataplaneHello(uint64_t, uint32_t) override {}
  void onTableAck(uint64_t g, uint32_t status, uint32_t, Nanos) override {
    acked = g;
    ok = status == 0;
  }
  void onEvents(std::span<const sipsteer_event>) override {}
  void onCounters(std::span<const uint8_t>) override {}
  void onDataplaneError(const std::string&) override {}
  void onDataplaneDisconnect(const std::string&) override {}
  uint64_t acked = 0;
  bool ok = false;
};

void BM_PublishRoundTrip(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  std::string path = "/tmp/sipsteer-bench-dp-" + std::to_string(::getpid()) + ".sock";
  sipsteer::control::testing::FakeDataplane peer(path);
  SteadyClock clock;
  AckWaiter waiter;
  DataplaneClient client(path, clock, waiter);
  if (!client.connect(0)) {
    state.SkipWithError("cannot connect to the fake dataplane");
    return;
  }
  uint64_t g = 1;
  size_t bytes = 0;
  for (auto _ : state) {
    auto blob = f.build(g, static_cast<uint32_t>(1 + g % state.range(0)));
    bytes = blob.size();
    if (!client.publish(blob, g)) {
      state.SkipWithError("publish failed");
      return;
    }
    // The ACK comes from the peer's thread; spin on the socket (bounded).
    for (int i = 0; i < 1'000'000 && waiter.acked != g; ++i) client.onReadable();
    if (waiter.acked != g || !waiter.ok) {
      state.SkipWithError("no ACK");
      return;
    }
    ++g;
  }
  state.counters["servers"] = static_cast<double>(state.range(0));
  state.counters["table_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_PublishRoundTrip)->Arg(100)->Arg(1000)->Arg(4000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

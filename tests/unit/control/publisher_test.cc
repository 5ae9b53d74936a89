// Table assembly and the proto.h client against a FAKE dataplane peer (a
// real Unix socket speaking the protocol; see fake_dataplane.h).
#include <gtest/gtest.h>
#include <sipsteer/core/table_view.h>

#include <thread>

#include "fake_dataplane.h"
#include "metrics/dataplane_counters.h"
#include "publish/dataplane_client.h"
#include "publish/proto_codec.h"
#include "publish/table_assembler.h"

namespace sipsteer::control {
namespace {

class RecordingDataplaneListener : public DataplaneListener {
 public:
  void onDataplaneHello(uint64_t g, uint32_t) override { hello_generation = g; }
  void onTableAck(uint64_t g, uint32_t status, uint32_t, Nanos) override { acks.push_back({g, status}); }
  void onEvents(std::span<const sipsteer_event> e) override { events.insert(events.end(), e.begin(), e.end()); }
  void onCounters(std::span<const uint8_t> blob) override { counters.assign(blob.begin(), blob.end()); }
  void onDataplaneError(const std::string& m) override { errors.push_back(m); }
  void onDataplaneDisconnect(const std::string& why) override { disconnects.push_back(why); }
  std::optional<uint64_t> hello_generation;
  std::vector<std::pair<uint64_t, uint32_t>> acks;
  std::vector<sipsteer_event> events;
  std::vector<uint8_t> counters;
  std::vector<std::string> errors, disconnects;
};

Config twoPools() {
  Config c;
  PoolConfig a;
  a.name = "a";
  a.vips = {parseAddressPort("198.18.0.1:5060").value()};
  PoolConfig b;
  b.name = "b";
  b.vips = {parseAddressPort("[fd00:5eed::1]:5060").value()};
  c.pools = {a, b};
  return c;
}

ServerRecord record(ServerRegistry& reg, const std::string& pool, const char* addr, uint16_t prio, uint16_t w) {
  ServerRecord r;
  r.address = parseAddressPort(addr).value();
  r.pool = pool;
  r.id = reg.idFor(pool, r.address);
  r.priority = prio;
  r.weight = w;
  reg.upsert(r);
  return r;
}

TEST(TableAssemblerTest, StatesWeightsAndTiersReachTheTable) {
  Config c = twoPools();
  ServerRegistry reg;
  auto s1 = record(reg, "a", "198.18.1.1:5060", 10, 10);
  auto s2 = record(reg, "a", "198.18.1.2:5060", 10, 30);
  auto s3 = record(reg, "a", "198.18.1.3:5060", 20, 10);
  auto s4 = record(reg, "b", "[fd00:5eed::10]:5060", 0, 1);
  reg.find(s2.id)->weight_override = 0;  // operator set weight 0
  std::map<uint32_t, PublishedServerState> states = {
      {s1.id, {ServerState::kUp, 5}}, {s2.id, {ServerState::kUp, 10}},
      {s3.id, {ServerState::kUp, 10}}, {s4.id, {ServerState::kDown, 10}}};
  core::HashKey key{};
  auto spec = assembleTable(c, reg, [&](uint32_t id) { return states[id]; }, 7, key);
  auto blob = core::buildTable(spec);
  ASSERT_TRUE(blob) << blob.error();
  core::TableView view;
  ASSERT_EQ(core::TableView::validate(*blob, view), SIPSTEER_TABLE_ERR_OK);
  EXPECT_EQ(view.header().generation, 7u);
  ASSERT_EQ(view.pools().size(), 2u);
  EXPECT_EQ(view.pools()[0].active_priority, 10);
  EXPECT_EQ(view.servers()[0].weight, 5u);  // slow start: half of 10
  EXPECT_EQ(view.servers()[1].weight, 0u);
  EXPECT_EQ(view.servers()[0].server_id, s1.id);
  EXPECT_EQ(view.pools()[1].ring_size, 0u);  // pool b: its only server is down
  ASSERT_EQ(view.vips().size(), 2u);
  EXPECT_EQ(view.vips()[1].family, SIPSTEER_FAMILY_IPV6);
  EXPECT_EQ(view.vips()[1].pool, 1);
  // Every new dialog of pool a lands on s1 (s2 has weight 0, s3 is a lower tier).
  for (uint64_t h = 0; h < 1000; ++h) {
    uint16_t idx = view.select(0, h * 0x9e3779b97f4a7c15ULL);
    ASSERT_NE(idx, SIPSTEER_SLOT_EMPTY);
    EXPECT_EQ(view.servers()[idx].server_id, s1.id);
  }
}

TEST(ServerRegistryTest, IdsAreStableAndRemembered) {
  ServerRegistry reg;
  auto a = parseAddressPort("198.18.1.1:5060").value();
  uint32_t id = reg.idFor("p", a);
  EXPECT_EQ(reg.idFor("p", a), id);
  EXPECT_NE(reg.idFor("q", a), id);  // same address in another pool: another server
  ServerRegistry restarted;
  restarted.rememberId("p", a, 42);
  EXPECT_EQ(restarted.idFor("p", a), 42u);
  EXPECT_EQ(restarted.idFor("p", parseAddressPort("198.18.1.2:5060").value()), 43u);
}

TEST(CountersTest, ParsesAndRefusesShortOrLyingBlobs) {
  sipsteer_counters_header h{};
  h.generation = 9;
  h.drop_reason_count = SIPSTEER_DROP_REASON_COUNT + 2;  // a newer dataplane knows more reasons
  h.sip_error_count = 1;
  h.server_count = 1;
  std::vector<uint8_t> blob(sizeof h);
  std::memcpy(blob.data(), &h, sizeof h);
  for (uint32_t i = 0; i < h.drop_reason_count; ++i) {
    uint64_t v = i + 100;
    blob.insert(blob.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8);
  }
  uint64_t sip = 7;
  blob.insert(blob.end(), reinterpret_cast<uint8_t*>(&sip), reinterpret_cast<uint8_t*>(&sip) + 8);
  sipsteer_server_counters s{};
  s.server_id = 3;
  s.values[SIPSTEER_SERVER_ACTIVE_DIALOGS] = 12;
  auto sb = asBytes(s);
  blob.insert(blob.end(), sb.begin(), sb.end());
  auto c = parseCounters(blob);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->generation, 9u);
  EXPECT_EQ(c->drops[0], 100u);
  EXPECT_EQ(c->sip_errors[0], 7u);
  EXPECT_EQ(c->sip_errors[1], 0u);  // zero-filled: the sender sent one
  ASSERT_EQ(c->servers.size(), 1u);
  EXPECT_EQ(c->servers[0].values[SIPSTEER_SERVER_ACTIVE_DIALOGS], 12u);
  blob.pop_back();
  EXPECT_FALSE(parseCounters(blob));
  EXPECT_FALSE(parseCounters(std::span<const uint8_t>(blob.data(), 10)));
  h.server_count = 0xffffffffu;  // a lying count must not overflow the size check
  std::memcpy(blob.data(), &h, sizeof h);
  EXPECT_FALSE(parseCounters(blob));
}

// The affinity figures at the blob's end: a newer dataplane's extra ones are
// skipped, and a blob that claims more than it carries is refused.
TEST(CountersTest, ReadsTheAffinityFiguresAtTheEnd) {
  sipsteer_counters_header h{};
  h.affinity_count = SIPSTEER_AFFINITY_COUNTER_COUNT + 1;
  std::vector<uint8_t> blob(sizeof h);
  std::memcpy(blob.data(), &h, sizeof h);
  for (uint32_t i = 0; i < h.affinity_count; ++i) {
    uint64_t v = 1000 + i;
    blob.insert(blob.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8);
  }
  auto c = parseCounters(blob);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->affinity[SIPSTEER_AFFINITY_LOOKUPS], 1000u);
  EXPECT_EQ(c->affinity[SIPSTEER_AFFINITY_MEMORY_BYTES], 1000u + SIPSTEER_AFFINITY_MEMORY_BYTES);
  blob.erase(blob.end() - 8, blob.end());  // one figure short
  EXPECT_FALSE(parseCounters(blob));
}

// Waits (bounded) for a condition that depends on the peer thread.
template <typename F>
bool eventually(DataplaneClient& client, F done) {
  for (int i = 0; i < 500 && !done(); ++i) {
    client.onReadable();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

TEST(DataplaneClientTest, HelloTableAckEventsCountersAndResync) {
  std::string path = "/tmp/sipsteer-fake-dp-" + std::to_string(::getpid()) + ".sock";
  testing::FakeDataplane peer(path, 41);  // the dataplane already runs generation 41
  SteadyClock clock;
  RecordingDataplaneListener listener;
  DataplaneClient client(path, clock, listener);
  ASSERT_TRUE(client.connect(0));
  ASSERT_TRUE(eventually(client, [&] { return listener.hello_generation.has_value(); }));
  EXPECT_EQ(*listener.hello_generation, 41u);

  Config c = twoPools();
  ServerRegistry reg;
  auto s1 = record(reg, "a", "198.18.1.1:5060", 0, 1);
  auto up = [](uint32_t) { return PublishedServerState{ServerState::kUp, 10}; };
  auto stale = core::buildTable(assembleTable(c, reg, up, 41, {}));
  ASSERT_TRUE(client.publish(*stale, 41));
  auto fresh = core::buildTable(assembleTable(c, reg, up, 42, {}));
  ASSERT_TRUE(client.publish(*fresh, 42));
  ASSERT_TRUE(eventually(client, [&] { return listener.acks.size() == 2; }));
  EXPECT_EQ(listener.acks[0].second, static_cast<uint32_t>(SIPSTEER_TABLE_ERR_STALE));
  EXPECT_EQ(listener.acks[1], (std::pair<uint64_t, uint32_t>{42, SIPSTEER_TABLE_ERR_OK}));
  ASSERT_EQ(peer.tables().size(), 1u);
  EXPECT_EQ(peer.tables()[0], *fresh);

  sipsteer_event e{};
  e.type = SIPSTEER_EVENT_ICMP_UNREACHABLE;
  e.server_id = s1.id;
  peer.sendEvents({e, e});
  ASSERT_TRUE(eventually(client, [&] { return listener.events.size() == 2; }));
  EXPECT_EQ(listener.events[1].server_id, s1.id);

  peer.setCounters({1, 2, 3});
  ASSERT_TRUE(client.requestCounters());
  ASSERT_TRUE(eventually(client, [&] { return listener.counters.size() == 3; }));

  peer.disconnect();  // the dataplane restarts
  ASSERT_TRUE(eventually(client, [&] { return !listener.disconnects.empty(); }));
  EXPECT_FALSE(client.ready());
  listener.hello_generation.reset();
  ASSERT_TRUE(client.connect(42));
  ASSERT_TRUE(eventually(client, [&] { return listener.hello_generation.has_value(); }));
  EXPECT_EQ(peer.hellos(), 2);
}

}  // namespace
}  // namespace sipsteer::control

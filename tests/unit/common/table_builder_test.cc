// Table builder: blob round trip, tier choice (primary down -> backup,
// draining live but not in the ring, all down -> empty ring), rings identical
// across appliances, and validation errors that name the culprit.
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/maglev.h>
#include <sipsteer/core/table_builder.h>
#include <sipsteer/core/table_view.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sipsteer::core {
namespace {

sipsteer_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  sipsteer_addr addr{};
  addr.bytes[0] = a, addr.bytes[1] = b, addr.bytes[2] = c, addr.bytes[3] = d;
  return addr;
}

sipsteer_addr v6(uint16_t last) {
  sipsteer_addr addr{};
  const uint8_t prefix[] = {0xfd, 0x00, 0x5e, 0xed};
  std::memcpy(addr.bytes, prefix, sizeof prefix);
  addr.bytes[14] = static_cast<uint8_t>(last >> 8);
  addr.bytes[15] = static_cast<uint8_t>(last);
  return addr;
}

ServerSpec server(uint32_t id, uint16_t priority = 10, uint8_t state = SIPSTEER_STATE_UP,
                  uint32_t weight = 1) {
  ServerSpec s;
  s.addr = v4(198, 18, 1, static_cast<uint8_t>(id));
  s.server_id = id;
  s.priority = priority;
  s.state = state;
  s.weight = weight;
  return s;
}

TableSpec oneVip(std::vector<ServerSpec> servers, uint32_t ring_size = 1009) {
  TableSpec spec;
  spec.generation = 42;
  for (uint8_t i = 0; i < 16; ++i) spec.hash_key.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  VipSpec vip;
  vip.addr = v4(198, 18, 0, 1);
  vip.port = 5060;
  spec.vips.push_back(vip);
  PoolSpec pool;
  pool.pool_id = 7;
  pool.ring_size = ring_size;
  pool.retry_after_s = 15;
  pool.servers = std::move(servers);
  spec.pools.push_back(pool);
  return spec;
}

struct Built {
  std::vector<uint8_t> blob;
  TableView view;
};

Built mustBuild(const TableSpec& spec) {
  Built built;
  auto blob = buildTable(spec);
  EXPECT_TRUE(blob.has_value()) << blob.error();
  if (!blob) return built;
  built.blob = std::move(*blob);
  EXPECT_EQ(TableView::validate(built.blob, built.view), SIPSTEER_TABLE_ERR_OK);
  return built;
}

// Slots per server index in the pool's ring.
std::map<uint16_t, uint32_t> ringCounts(const TableView& view, uint32_t pool) {
  std::map<uint16_t, uint32_t> counts;
  const sipsteer_pool& p = view.pools()[pool];
  for (uint32_t i = 0; i < p.ring_size; ++i) ++counts[view.slots()[p.ring_offset + i]];
  return counts;
}

std::string buildError(const TableSpec& spec) {
  auto blob = buildTable(spec);
  EXPECT_FALSE(blob.has_value());
  return blob ? std::string() : blob.error();
}

TEST(TableBuilderTest, FlagsForState) {
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_UP),
            SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING);
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_DRAINING), SIPSTEER_SERVER_F_LIVE);
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_DOWN), 0);
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_DIRTY), 0);
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_DISABLED), 0);
  EXPECT_EQ(serverFlagsForState(SIPSTEER_STATE_COUNT), 0);
}

TEST(TableBuilderTest, RoundTripKeepsEveryField) {
  auto servers = std::vector<ServerSpec>{server(1), server(2, 10, SIPSTEER_STATE_UP, 3)};
  servers[1].port = 5080;
  servers[1].mac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  servers[1].mac_set = true;
  auto spec = oneVip(servers);
  spec.vips[0].mode = SIPSTEER_MODE_DSR;
  const Built built = mustBuild(spec);
  const TableView& view = built.view;

  const sipsteer_table_header& h = view.header();
  EXPECT_EQ(h.magic, SIPSTEER_TABLE_MAGIC);
  EXPECT_EQ(h.abi_version, SIPSTEER_ABI_VERSION);
  EXPECT_EQ(h.header_size, sizeof(sipsteer_table_header));
  EXPECT_EQ(h.generation, 42u);
  EXPECT_EQ(h.total_size, built.blob.size());
  EXPECT_EQ(0, std::memcmp(h.hash_key, spec.hash_key.bytes.data(), 16));
  ASSERT_EQ(view.vips().size(), 1u);
  EXPECT_EQ(view.vips()[0].addr.v4, v4(198, 18, 0, 1).v4);
  EXPECT_EQ(view.vips()[0].port, htons(5060));
  EXPECT_EQ(view.vips()[0].family, SIPSTEER_FAMILY_IPV4);
  EXPECT_EQ(view.vips()[0].mode, SIPSTEER_MODE_DSR);
  EXPECT_EQ(view.vips()[0].pool, 0);

  ASSERT_EQ(view.pools().size(), 1u);
  const sipsteer_pool& pool = view.pools()[0];
  EXPECT_EQ(pool.pool_id, 7u);
  EXPECT_EQ(pool.retry_after_s, 15u);
  EXPECT_EQ(pool.server_first, 0u);
  EXPECT_EQ(pool.server_count, 2);
  EXPECT_EQ(pool.ring_offset, 0u);
  EXPECT_EQ(pool.ring_size, 1009u);
  EXPECT_EQ(pool.active_priority, 10);
  EXPECT_EQ(view.slots().size(), 1009u);

  ASSERT_EQ(view.servers().size(), 2u);
  const sipsteer_server& s = view.servers()[1];
  EXPECT_EQ(0, std::memcmp(s.addr.bytes, servers[1].addr.bytes, 16));
  EXPECT_EQ(s.port, htons(5080));
  EXPECT_EQ(s.family, SIPSTEER_FAMILY_IPV4);
  EXPECT_EQ(s.state, SIPSTEER_STATE_UP);
  EXPECT_EQ(s.pool, 0);
  EXPECT_EQ(s.priority, 10);
  EXPECT_EQ(s.weight, 3u);
  EXPECT_EQ(s.server_id, 2u);
  EXPECT_EQ(0, std::memcmp(s.mac, servers[1].mac.data(), 6));
  EXPECT_EQ(s.flags,
            SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING | SIPSTEER_SERVER_F_MAC_SET);
  EXPECT_EQ(view.servers()[0].flags, SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING);
  EXPECT_EQ(s.reserved0, 0);

  // Weights 1 : 3 -> 1009 slots split 252 : 757 (largest remainder).
  const auto counts = ringCounts(view, 0);
  EXPECT_EQ(counts.at(0), 252u);
  EXPECT_EQ(counts.at(1), 757u);
}

TEST(TableBuilderTest, LayoutIsAlignedOrderedAndZeroPadded) {
  auto spec = oneVip({server(1), server(2), server(3)}, 13);  // 13 slots: 26 bytes, padded
  spec.vips.push_back(spec.vips[0]);
  spec.vips[1].port = 5061;
  const Built built = mustBuild(spec);
  const sipsteer_table_header& h = built.view.header();
  for (uint32_t offset : {h.vips_offset, h.pools_offset, h.servers_offset, h.slots_offset}) {
    EXPECT_EQ(offset % 8, 0u);
  }
  EXPECT_EQ(h.vips_offset, sizeof(sipsteer_table_header));
  EXPECT_EQ(h.pools_offset, h.vips_offset + 2 * sizeof(sipsteer_vip));
  EXPECT_EQ(h.servers_offset, h.pools_offset + sizeof(sipsteer_pool));
  EXPECT_EQ(h.slots_offset, h.servers_offset + 3 * sizeof(sipsteer_server));
  EXPECT_EQ(h.total_size, h.slots_offset + 32u);
  EXPECT_EQ(h.total_size % 8, 0u);
  for (size_t i = h.slots_offset + 26; i < h.total_size; ++i) EXPECT_EQ(built.blob[i], 0) << i;
}

TEST(TableBuilderTest, TwoBuildsAreByteIdentical) {
  const auto spec = oneVip({server(1), server(2, 20), server(3, 10, SIPSTEER_STATE_DRAINING)});
  EXPECT_EQ(buildTable(spec).value(), buildTable(spec).value());
}

TEST(TableBuilderTest, PrimaryTierOnlyWhileItHasAnUpServer) {
  // Primary (10): servers 1, 2. Backup (20): servers 3, 4.
  auto servers = std::vector<ServerSpec>{server(1, 10), server(3, 20), server(2, 10),
                                         server(4, 20)};
  {
    const Built built = mustBuild(oneVip(servers));
    EXPECT_EQ(built.view.pools()[0].active_priority, 10);
    const auto counts = ringCounts(built.view, 0);
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_TRUE(counts.count(0) && counts.count(2));
    // Backup servers stay live (their dialogs continue) but get nothing new.
    EXPECT_EQ(built.view.servers()[1].flags, SIPSTEER_SERVER_F_LIVE);
    EXPECT_EQ(built.view.servers()[3].flags, SIPSTEER_SERVER_F_LIVE);
  }
  servers[0].state = SIPSTEER_STATE_DOWN;
  {
    // One primary left: it takes every new dialog.
    const Built built = mustBuild(oneVip(servers));
    EXPECT_EQ(built.view.pools()[0].active_priority, 10);
    EXPECT_EQ(ringCounts(built.view, 0), (std::map<uint16_t, uint32_t>{{2, 1009}}));
    EXPECT_EQ(built.view.servers()[0].flags, 0);
  }
  servers[2].state = SIPSTEER_STATE_DIRTY;
  {
    // Primary gone: the backup tier takes over.
    const Built built = mustBuild(oneVip(servers));
    EXPECT_EQ(built.view.pools()[0].active_priority, 20);
    const auto counts = ringCounts(built.view, 0);
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_TRUE(counts.count(1) && counts.count(3));
    EXPECT_EQ(built.view.servers()[1].flags, SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING);
    EXPECT_EQ(built.view.servers()[2].flags, 0);
  }
}

TEST(TableBuilderTest, DrainingIsLiveButNotInTheRing) {
  auto servers = std::vector<ServerSpec>{server(1), server(2, 10, SIPSTEER_STATE_DRAINING),
                                         server(3, 20)};
  {
    const Built built = mustBuild(oneVip(servers));
    EXPECT_EQ(built.view.servers()[1].flags, SIPSTEER_SERVER_F_LIVE);
    EXPECT_EQ(ringCounts(built.view, 0), (std::map<uint16_t, uint32_t>{{0, 1009}}));
  }
  // A tier of only draining servers takes no new dialogs: the backup does.
  servers[0].state = SIPSTEER_STATE_DRAINING;
  const Built built = mustBuild(oneVip(servers));
  EXPECT_EQ(built.view.pools()[0].active_priority, 20);
  EXPECT_EQ(ringCounts(built.view, 0), (std::map<uint16_t, uint32_t>{{2, 1009}}));
  EXPECT_EQ(built.view.servers()[0].flags, SIPSTEER_SERVER_F_LIVE);
  EXPECT_EQ(built.view.servers()[1].flags, SIPSTEER_SERVER_F_LIVE);
}

TEST(TableBuilderTest, NothingUpGivesAnEmptyRing) {
  auto spec = oneVip({server(1, 10, SIPSTEER_STATE_DOWN), server(2, 20, SIPSTEER_STATE_DISABLED),
                      server(3, 30, SIPSTEER_STATE_DRAINING)});
  PoolSpec healthy;
  healthy.pool_id = 8;
  healthy.ring_size = 13;
  healthy.servers = {server(4)};
  spec.pools.push_back(healthy);
  spec.vips.push_back(spec.vips[0]);
  spec.vips[1].port = 5070;
  spec.vips[1].pool_index = 1;
  const Built built = mustBuild(spec);
  const sipsteer_pool& down = built.view.pools()[0];
  EXPECT_EQ(down.ring_size, 0u);
  EXPECT_EQ(down.active_priority, 0);
  EXPECT_EQ(built.view.header().slot_count, 13u);  // only the healthy pool's ring
  EXPECT_EQ(built.view.pools()[1].ring_offset, 0u);
  EXPECT_EQ(built.view.servers()[2].flags, SIPSTEER_SERVER_F_LIVE);  // draining keeps dialogs
  for (uint64_t h : {0ull, 1ull << 63, ~0ull}) {
    EXPECT_EQ(built.view.select(0, h), SIPSTEER_SLOT_EMPTY);
    EXPECT_EQ(built.view.select(1, h), 3);
  }
}

TEST(TableBuilderTest, EmptyPoolAndEmptyTable) {
  TableSpec spec;
  Built built = mustBuild(spec);
  EXPECT_EQ(built.view.header().total_size, sizeof(sipsteer_table_header));
  auto with_pool = oneVip({});
  built = mustBuild(with_pool);
  EXPECT_EQ(built.view.pools()[0].ring_size, 0u);
  EXPECT_EQ(built.view.pools()[0].server_count, 0);
}

TEST(TableBuilderTest, ZeroWeightGetsNoNewDialogsUnlessTheWholeTierIsZero) {
  auto servers = std::vector<ServerSpec>{server(1, 10, SIPSTEER_STATE_UP, 0), server(2),
                                         server(3, 10, SIPSTEER_STATE_UP, 2)};
  {
    const Built built = mustBuild(oneVip(servers));
    EXPECT_EQ(built.view.servers()[0].flags, SIPSTEER_SERVER_F_LIVE);
    const auto counts = ringCounts(built.view, 0);
    EXPECT_EQ(counts.count(0), 0u);
    EXPECT_NEAR(counts.at(1), 1009 / 3.0, 1);
    EXPECT_NEAR(counts.at(2), 2 * 1009 / 3.0, 1);
  }
  for (auto& s : servers) s.weight = 0;  // RFC 2782: an all-zero tier is uniform
  const Built built = mustBuild(oneVip(servers));
  const auto counts = ringCounts(built.view, 0);
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [index, count] : counts) {
    EXPECT_NEAR(count, 1009 / 3.0, 1) << index;
    EXPECT_EQ(built.view.servers()[index].flags,
              SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING);
  }
}

TEST(TableBuilderTest, RingIsTheMaglevRingOfAddressKeys) {
  const auto spec = oneVip({server(1, 10, SIPSTEER_STATE_UP, 5), server(2, 20),
                            server(3, 10, SIPSTEER_STATE_UP, 7)});
  const Built built = mustBuild(spec);
  const std::vector<MaglevMember> members = {
      {serverMemberKey(spec.pools[0].servers[0]), 5},
      {serverMemberKey(spec.pools[0].servers[2]), 7}};
  std::vector<uint16_t> ring;
  buildMaglevRing(members, 1009, ring);
  for (uint16_t& slot : ring) slot = slot == 0 ? 0 : 2;  // member -> server index
  EXPECT_TRUE(std::equal(ring.begin(), ring.end(), built.view.slots().begin()));
}

TEST(TableBuilderTest, AppliancesWithDifferentIdsAndOrderPickTheSameServer) {
  std::vector<ServerSpec> servers;
  for (uint32_t i = 1; i <= 20; ++i) servers.push_back(server(i, 10, SIPSTEER_STATE_UP, i % 4 + 1));
  servers[3].addr = v6(4);
  servers[3].family = SIPSTEER_FAMILY_IPV6;
  auto other = servers;
  std::mt19937 engine(3);
  std::shuffle(other.begin(), other.end(), engine);
  for (auto& s : other) s.server_id += 1000;  // numbered differently elsewhere
  const Built a = mustBuild(oneVip(servers, 65537));
  const Built b = mustBuild(oneVip(other, 65537));
  std::mt19937_64 hashes(9);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t h = hashes();
    const auto& sa = a.view.servers()[a.view.select(0, h)];
    const auto& sb = b.view.servers()[b.view.select(0, h)];
    ASSERT_EQ(0, std::memcmp(sa.addr.bytes, sb.addr.bytes, 16));
    ASSERT_EQ(sa.port, sb.port);
  }
  // The port is part of the identity: same address, other port, other key.
  ServerSpec moved = servers[0];
  moved.port = 5062;
  EXPECT_NE(serverMemberKey(moved), serverMemberKey(servers[0]));
}

TEST(TableBuilderTest, PoolsAreContiguousAndSelectStaysInItsPool) {
  TableSpec spec = oneVip({server(1), server(2)}, 13);
  for (uint32_t p = 1; p < 4; ++p) {
    PoolSpec pool;
    pool.pool_id = 100 + p;
    pool.ring_size = p == 2 ? 65537 : 101;
    for (uint32_t s = 0; s < p + 2; ++s) pool.servers.push_back(server(10 * p + s));
    spec.pools.push_back(pool);
  }
  const Built built = mustBuild(spec);
  const TableView& view = built.view;
  uint32_t next_server = 0, next_slot = 0;
  for (uint32_t p = 0; p < view.pools().size(); ++p) {
    const sipsteer_pool& pool = view.pools()[p];
    EXPECT_EQ(pool.server_first, next_server);
    EXPECT_EQ(pool.ring_offset, next_slot);
    next_server += pool.server_count;
    next_slot += pool.ring_size;
    for (uint32_t s = pool.server_first; s < pool.server_first + pool.server_count; ++s) {
      EXPECT_EQ(view.servers()[s].pool, p);
    }
    std::mt19937_64 hashes(p);
    for (int i = 0; i < 1000; ++i) {
      const uint16_t s = view.select(p, hashes());
      ASSERT_GE(s, pool.server_first);
      ASSERT_LT(s, pool.server_first + pool.server_count);
    }
  }
  EXPECT_EQ(view.header().server_count, next_server);
  EXPECT_EQ(view.header().slot_count, next_slot);
}

TEST(TableBuilderTest, SelectAgreesWithTheAbiFormula) {
  const auto spec = oneVip({server(1, 10, SIPSTEER_STATE_UP, 2), server(2), server(3)}, 65537);
  const Built built = mustBuild(spec);
  // Straight from the raw bytes, as BPF does it (abi/table.h).
  sipsteer_table_header h;
  std::memcpy(&h, built.blob.data(), sizeof h);
  sipsteer_pool pool;
  std::memcpy(&pool, built.blob.data() + h.pools_offset, sizeof pool);
  for (int i = 0; i < 5000; ++i) {
    const std::string call_id = "a84b4c76e66710-" + std::to_string(i) + "@pc33.atlanta.example.com";
    const uint64_t hash = hashCallId(spec.hash_key, call_id);
    const uint32_t slot = static_cast<uint32_t>(((hash >> 32) * pool.ring_size) >> 32);
    uint16_t expected;
    std::memcpy(&expected, built.blob.data() + h.slots_offset + 2 * (pool.ring_offset + slot), 2);
    ASSERT_EQ(built.view.select(0, hash), expected) << call_id;
    ASSERT_NE(expected, SIPSTEER_SLOT_EMPTY);
  }
}

TEST(TableBuilderTest, ValidationErrorsNameTheCulprit) {
  const auto base = oneVip({server(1), server(2)});
  auto expectError = [&](TableSpec spec, const std::string& needle) {
    const std::string error = buildError(spec);
    EXPECT_NE(error.find(needle), std::string::npos) << "error: '" << error << "' lacks '"
                                                     << needle << "'";
  };
  {
    auto spec = base;
    spec.pools[0].ring_size = 1000;
    expectError(spec, "pool 0 (id 7): ring size 1000 must be a prime");
  }
  {
    auto spec = base;
    spec.pools[0].ring_size = 16777259;  // prime, above kMaxRingSize
    expectError(spec, "ring size 16777259");
  }
  {
    auto spec = base;
    spec.pools[0].ring_size = 2;
    spec.pools[0].servers.push_back(server(3));
    expectError(spec, "pool 0 (id 7): ring size 2 is smaller than its 3 servers");
  }
  {
    auto spec = base;
    spec.vips[0].pool_index = 1;
    expectError(spec, "vip 0 (198.18.0.1:5060): pool index 1 but there are 1 pools");
  }
  {
    auto spec = base;
    spec.vips[0].mode = 9;
    expectError(spec, "vip 0 (198.18.0.1:5060): unknown mode 9");
  }
  {
    auto spec = base;
    spec.vips.push_back(spec.vips[0]);
    expectError(spec, "vip 1 (198.18.0.1:5060): listed twice");
  }
  {
    auto spec = base;
    spec.vips[0].port = 0;
    expectError(spec, "vip 0 (198.18.0.1:0): port 0");
  }
  {
    auto spec = base;
    spec.vips[0].addr.bytes[8] = 1;
    expectError(spec, "IPv4 address with non-zero bytes 4..15");
  }
  {
    auto spec = base;
    spec.pools[0].servers[1].family = 5;
    expectError(spec, "pool 0 (id 7) server 1 (<family 5>:5060, id 2): unknown address family 5");
  }
  {
    auto spec = base;
    spec.pools[0].servers[1].state = SIPSTEER_STATE_COUNT;
    expectError(spec, "server 1 (198.18.1.2:5060, id 2): unknown state");
  }
  {
    auto spec = base;
    spec.pools[0].servers[1].addr = spec.pools[0].servers[0].addr;
    expectError(spec, "pool 0 (id 7) server 1 (198.18.1.1:5060, id 2): listed twice");
  }
  {
    auto spec = base;
    spec.pools[0].servers[1].server_id = 1;
    expectError(spec, "server 1 (198.18.1.2:5060, id 1): server_id used twice in the pool");
  }
  {
    auto spec = base;
    spec.pools.push_back(spec.pools[0]);
    spec.pools[1].pool_id = 8;
    spec.pools[1].servers[0].addr = v6(1);
    spec.pools[1].servers[0].family = SIPSTEER_FAMILY_IPV6;
    expectError(spec, "pool 1 (id 8) server 0 ([fd00:5eed::1]:5060, id 1): server_id already");
  }
  {
    auto spec = base;
    spec.pools.push_back(spec.pools[0]);
    expectError(spec, "pool 1 (id 7): pool_id used twice");
  }
  {
    auto spec = base;
    spec.vips.resize(SIPSTEER_MAX_VIPS + 1, spec.vips[0]);
    expectError(spec, "65 VIPs, at most 64");
  }
  {
    auto spec = base;
    spec.pools.resize(SIPSTEER_MAX_POOLS + 1, spec.pools[0]);
    expectError(spec, "65 pools, at most 64");
  }
  {
    auto spec = base;
    spec.pools[0].ring_size = 65537;
    spec.pools[0].servers.clear();
    for (uint32_t i = 0; i <= SIPSTEER_MAX_SERVERS; ++i) {
      ServerSpec s = server(i);
      s.addr = v4(198, 18, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i));
      spec.pools[0].servers.push_back(s);
    }
    expectError(spec, "4097 servers, at most 4096");
  }
}

TEST(TableBuilderTest, SameServerInTwoPoolsIsFine) {
  auto spec = oneVip({server(1), server(2)});
  spec.pools.push_back(spec.pools[0]);
  spec.pools[1].pool_id = 8;
  const Built built = mustBuild(spec);
  EXPECT_EQ(built.view.servers().size(), 4u);
}

TEST(TableBuilderTest, MaximalTableBuilds) {
  // 4096 servers over 64 pools, 64 VIPs: the format's limits are reachable.
  TableSpec spec;
  for (uint32_t p = 0; p < SIPSTEER_MAX_POOLS; ++p) {
    PoolSpec pool;
    pool.pool_id = p;
    pool.ring_size = 257;
    for (uint32_t s = 0; s < SIPSTEER_MAX_SERVERS / SIPSTEER_MAX_POOLS; ++s) {
      const uint32_t id = p * 64 + s;
      ServerSpec srv = server(id, static_cast<uint16_t>(s % 3));
      srv.addr = v4(198, 19, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id));
      pool.servers.push_back(srv);
    }
    spec.pools.push_back(pool);
    VipSpec vip;
    vip.addr = v4(198, 18, 0, static_cast<uint8_t>(p + 1));
    vip.pool_index = static_cast<uint16_t>(p);
    spec.vips.push_back(vip);
  }
  const Built built = mustBuild(spec);
  EXPECT_EQ(built.view.servers().size(), SIPSTEER_MAX_SERVERS);
  EXPECT_EQ(built.view.pools()[63].active_priority, 0);
}

}  // namespace
}  // namespace sipsteer::core

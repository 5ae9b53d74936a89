// Per-port mbuf pools: the auto sizing rule, the RLIMIT_MEMLOCK budget of
// net_af_xdp UMEMs, and one pool per port created in the unit EAL.
#include "runtime/mempools.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sys/resource.h>

namespace sipsteer::dp {
namespace {

PortConfig port(const std::string& name, const std::string& device) {
  PortConfig p;
  p.name = name;
  p.device = device;
  return p;
}

DataplaneConfig twoArmed(const std::string& device0, const std::string& device1) {
  DataplaneConfig c;
  c.ports = {port("outside", device0), port("inside", device1)};
  return c;
}

TEST(MbufSizing, AfXdpHoldsItsFillRingPerQueue) {
  DataplaneConfig c = twoArmed("net_af_xdp0,iface=a", "net_af_packet0,iface=b");
  const uint32_t xdp = mbufsForPort(c, c.ports[0]);
  // fill ring 2048 + TX ring (rx_queue_size 1024) + 2 lcore caches + a burst
  EXPECT_EQ(xdp, 2048u + 1024u + 2 * kPortPoolCache * 3 / 2 + 32u);
  // One port's pool stays within an 8 MiB UMEM budget at ~2.4 KB per mbuf.
  EXPECT_LT(uint64_t{xdp} * 2432, 8ull << 20);
  // Other PMDs: an RX and a TX ring per queue.
  EXPECT_EQ(mbufsForPort(c, c.ports[1]), 1024u + 1024u + 2 * kPortPoolCache * 3 / 2 + 32u);
}

TEST(MbufSizing, ScalesWithWorkersAndRings) {
  DataplaneConfig c = twoArmed("net_af_xdp0,iface=a", "0000:01:00.0");
  const uint32_t one = mbufsForPort(c, c.ports[0]);
  c.workers = 2;
  EXPECT_EQ(mbufsForPort(c, c.ports[0]), 2 * (2048u + 1024u) + 3 * kPortPoolCache * 3 / 2 + 64u);
  EXPECT_GT(mbufsForPort(c, c.ports[0]), one);
  c.rx_queue_size = 4096;
  c.tx_queue_size = 512;
  EXPECT_EQ(mbufsForPort(c, c.ports[1]), 2 * (4096u + 512u) + 3 * kPortPoolCache * 3 / 2 + 64u);
}

TEST(MbufSizing, ConfiguredCountWins) {
  DataplaneConfig c = twoArmed("net_af_xdp0,iface=a", "net_ring0");
  c.mbufs = 3000;
  EXPECT_EQ(mbufsForPort(c, c.ports[0]), 3000u);
  EXPECT_EQ(mbufsForPort(c, c.ports[1]), 3000u);
}

TEST(UmemBudget, OnlyAfXdpPortsCountAndOnlyWithoutIpcLock) {
  DataplaneConfig c = twoArmed("net_af_xdp0,iface=a", "net_af_xdp1,iface=b");
  const std::vector<PortPool> pools = {{nullptr, 3000, 7u << 20}, {nullptr, 3000, 7u << 20}};
  const uint64_t limit = 8u << 20;
  auto refused = checkUmemBudget(c, pools, limit, false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("outside 3000 mbufs"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().find("inside 3000 mbufs"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().find("CAP_IPC_LOCK"), std::string::npos) << refused.error();
  EXPECT_TRUE(checkUmemBudget(c, pools, limit, true).has_value());  // kernel does not charge
  EXPECT_TRUE(checkUmemBudget(c, pools, RLIM_INFINITY, false).has_value());
  c.ports[1].device = "net_af_packet0,iface=b";  // af_packet pins nothing
  EXPECT_TRUE(checkUmemBudget(c, pools, limit, false).has_value());
}

TEST(PortPools, OnePoolPerPortOfItsOwnSize) {
  DataplaneConfig c = twoArmed("net_null_absent0", "net_null_absent1");
  c.mbufs = 1024;
  auto pools = createPortPools(c);
  ASSERT_TRUE(pools.has_value()) << pools.error();
  ASSERT_EQ(pools->size(), 2u);
  EXPECT_NE((*pools)[0].pool, (*pools)[1].pool);
  for (const PortPool& p : *pools) {
    EXPECT_EQ(p.mbufs, 1024u);
    EXPECT_EQ(p.pool->size, 1024u);
    EXPECT_GE(p.bytes, uint64_t{1024} * RTE_MBUF_DEFAULT_BUF_SIZE);
  }
  freePortPools(*pools);
  EXPECT_TRUE(pools->empty());
}

// The unit EAL runs without hugepages (4 KiB pages), where a default pool
// keeps each 2368-byte mbuf inside one page; net_af_xdp's UMEM assumes them
// packed. createPortPools packs af_xdp pools and refuses a pool whose mbufs
// would lie outside the UMEM, so success here means every mbuf is inside.
TEST(PortPools, AfXdpPoolLiesWithinItsUmem) {
  DataplaneConfig c;
  c.ports = {port("lan", "net_af_xdp_absent0,iface=x")};
  auto pools = createPortPools(c);
  ASSERT_TRUE(pools.has_value()) << pools.error();
  const PortPool& p = (*pools)[0];
  EXPECT_EQ(p.mbufs, mbufsForPort(c, c.ports[0]));
  EXPECT_EQ(p.bytes, uint64_t{p.pool->populated_size} *
                         rte_mempool_calc_obj_size(p.pool->elt_size, p.pool->flags, nullptr));
  EXPECT_EQ(p.pool->nb_mem_chunks, 1u);
  rte_mbuf* m = rte_pktmbuf_alloc(p.pool);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(rte_pktmbuf_data_room_size(p.pool), RTE_MBUF_DEFAULT_BUF_SIZE);
  EXPECT_EQ(rte_pktmbuf_headroom(m), RTE_PKTMBUF_HEADROOM);
  rte_pktmbuf_free(m);
  freePortPools(*pools);
}

}  // namespace
}  // namespace sipsteer::dp

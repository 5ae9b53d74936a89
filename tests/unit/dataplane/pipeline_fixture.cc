#include "pipeline_fixture.h"

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <string>

#include "eal_environment.h"

namespace sipsteer::dp::testing {

void PipelineFixture::SetUp() {
  static int instance = 0;
  ++instance;
  const size_t qsbr_size = rte_rcu_qsbr_get_memsize(1);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("unit_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
  ASSERT_NE(qsbr_, nullptr);
  ASSERT_EQ(rte_rcu_qsbr_init(qsbr_, 1), 0);
  ASSERT_EQ(rte_rcu_qsbr_thread_register(qsbr_, 0), 0);
  rte_rcu_qsbr_thread_online(qsbr_, 0);
  slot_ = std::make_unique<TableSlot>(qsbr_);
  std::string error;
  flows_ = FlowTable::create("unit_flows" + std::to_string(instance), 4096, qsbr_, SOCKET_ID_ANY, error);
  ASSERT_NE(flows_, nullptr) << error;
  neighbours_ = std::make_unique<NeighbourCache>();
  registry_ = std::make_unique<SlotRegistry>(*neighbours_);
  events_ = rte_ring_create_elem(("unit_events" + std::to_string(instance)).c_str(), sizeof(sipsteer_event),
                                 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
  ASSERT_NE(events_, nullptr);
  counters_ = new WorkerCounters{};
  config_ = PipelineConfig{};
  config_.port_count = 1;
  PortInfo& p0 = config_.ports[0];
  p0.port_id = 0;
  p0.role = PortRole::kBoth;
  std::memcpy(p0.mac, kPort0Mac.data(), 6);
  p0.has_ipv4 = true;
  p0.ipv4 = toAddr(IpAddr::parse("198.18.0.2"));
  p0.has_ipv6 = true;
  p0.ipv6 = toAddr(IpAddr::parse("fd00:5eed::2"));
  config_.unanswered_ticks = 2000;
  config_.frag_max_flows = 64;
  config_.frag_timeout_ticks = 5000;
  pipeline_ = std::make_unique<Pipeline>(config_, PipelineShared{slot_.get(), flows_, neighbours_.get(), events_},
                                         counters_);
}

void PipelineFixture::useTwoArms() {
  config_.port_count = 2;
  config_.ports[0].role = PortRole::kClient;
  PortInfo& p1 = config_.ports[1];
  p1.port_id = 1;
  p1.role = PortRole::kServer;
  std::memcpy(p1.mac, kPort1Mac.data(), 6);
  p1.has_ipv4 = true;
  p1.ipv4 = toAddr(IpAddr::parse("198.18.2.254"));
  config_.client_port = 0;
  config_.server_port = 1;
  pipeline_ = std::make_unique<Pipeline>(config_, PipelineShared{slot_.get(), flows_, neighbours_.get(), events_},
                                         counters_);
}

void PipelineFixture::TearDown() {
  pipeline_.reset();
  slot_.reset();
  delete flows_;
  rte_ring_free(events_);
  delete counters_;
  rte_rcu_qsbr_thread_offline(qsbr_, 0);
  rte_free(qsbr_);
}

core::TableSpec PipelineFixture::defaultSpec(uint8_t family, uint8_t mode) const {
  core::TableSpec spec;
  spec.generation = 1;
  spec.hash_key.bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  core::PoolSpec pool;
  pool.pool_id = 7;
  pool.ring_size = 4099;
  pool.retry_after_s = 17;
  for (int i = 1; i <= 3; ++i) {
    core::ServerSpec s;
    s.family = family;
    s.addr = toAddr(IpAddr::parse(family == 4 ? "198.18.2." + std::to_string(i)
                                              : "fd00:5eed::2:" + std::to_string(i)));
    s.port = 5060;
    s.weight = 1;
    s.server_id = 100 + static_cast<uint32_t>(i);
    pool.servers.push_back(s);
  }
  spec.pools.push_back(pool);
  core::VipSpec vip;
  vip.family = family;
  vip.addr = toAddr(IpAddr::parse(family == 4 ? "198.18.0.10" : "fd00:5eed::10"));
  vip.port = 5060;
  vip.mode = mode;
  vip.pool_index = 0;
  spec.vips.push_back(vip);
  return spec;
}

void PipelineFixture::publish(const core::TableSpec& spec) {
  const auto blob = core::buildTable(spec);
  ASSERT_TRUE(blob.has_value()) << blob.error();
  sipsteer_table_err error;
  auto table = RuntimeTable::build(*blob, *registry_, error);
  ASSERT_NE(table, nullptr) << "table error " << error;
  slot_->publish(std::move(table), 0);
}

void PipelineFixture::learnServerMacs(const core::TableSpec& spec) {
  int i = 1;
  for (const auto& s : spec.pools[0].servers) {
    const Mac mac = serverMac(i++);
    neighbours_->learn(s.family, s.addr, mac.data(), now_);
  }
}

std::vector<Sent> PipelineFixture::send(const Bytes& frame, uint16_t rx_port, uint64_t rx_ol_flags) {
  return sendBurst({frame}, rx_port, rx_ol_flags);
}

std::vector<Sent> PipelineFixture::sendBurst(const std::vector<Bytes>& frames, uint16_t rx_port,
                                             uint64_t rx_ol_flags) {
  std::vector<rte_mbuf*> burst;
  for (const Bytes& frame : frames) {
    rte_mbuf* m = toMbuf(frame);
    EXPECT_NE(m, nullptr) << "frame of " << frame.size() << " bytes does not fit an mbuf";
    if (m == nullptr) continue;
    m->ol_flags |= rx_ol_flags;
    burst.push_back(m);
  }
  auto tx = std::make_unique<TxBatch>();
  for (auto& c : tx->count) c = 0;
  pipeline_->process(burst.data(), static_cast<uint16_t>(burst.size()), rx_port, *tx, now_);
  rte_rcu_qsbr_quiescent(qsbr_, 0);
  std::vector<Sent> out;
  for (uint16_t p = 0; p < kMaxPorts; ++p) {
    for (uint16_t i = 0; i < tx->count[p]; ++i) {
      out.push_back({p, fromMbuf(tx->pkts[p][i])});
      rte_pktmbuf_free(tx->pkts[p][i]);
    }
  }
  return out;
}

sipsteer::testing::UdpFrameSpec PipelineFixture::clientFrame(uint8_t family, uint16_t sport) const {
  sipsteer::testing::UdpFrameSpec s;
  s.src_mac = kClientMac;
  s.dst_mac = kPort0Mac;
  s.src = IpAddr::parse(family == 4 ? "198.18.1.1" : "fd00:5eed::1:1");
  s.dst = IpAddr::parse(family == 4 ? "198.18.0.10" : "fd00:5eed::10");
  s.sport = sport;
  s.dport = 5060;
  return s;
}

uint64_t PipelineFixture::serverCounter(uint32_t server_id, sipsteer_server_counter c) {
  const uint16_t slot = registry_->counterSlot(server_id);
  return counters_->servers[slot][c];
}

int PipelineFixture::serverIndexOf(const IpAddr& addr) const {
  const RuntimeTable* t = slot_->current();
  return t->findServerAddr(addr.family, toAddr(addr));
}

}  // namespace sipsteer::dp::testing

// A Pipeline with its shared state (table slot, flow table, neighbour cache,
// event ring, counters) on the test's EAL, fed with frames from the packet
// builder. Default topology: one-armed (port 0, role both) or two-armed
// (port 0 clients, port 1 servers).
#pragma once

#include <gtest/gtest.h>
#include <sipsteer/core/table_builder.h>

#include <cstring>
#include <memory>
#include <vector>

#include "runtime/pipeline.h"
#include "runtime/slot_registry.h"
#include "support/packet_builder.h"

struct rte_rcu_qsbr;

namespace sipsteer::dp::testing {

using sipsteer::testing::Bytes;
using sipsteer::testing::decodeFrame;
using sipsteer::testing::IpAddr;
using sipsteer::testing::Mac;

struct Sent {
  uint16_t port;
  Bytes frame;
};

inline union sipsteer_addr toAddr(const IpAddr& a) {
  union sipsteer_addr out {};
  std::memcpy(out.bytes, a.bytes.data(), a.family == 4 ? 4 : 16);
  return out;
}

class PipelineFixture : public ::testing::Test {
 protected:
  static constexpr Mac kClientMac{0x02, 0xc1, 0, 0, 0, 0x01};
  static constexpr Mac kPort0Mac{0x02, 0xd0, 0, 0, 0, 0x00};
  static constexpr Mac kPort1Mac{0x02, 0xd0, 0, 0, 0, 0x01};
  static Mac serverMac(int i) { return {0x02, 0x5e, 0, 0, 0, static_cast<uint8_t>(i)}; }

  void SetUp() override;
  void TearDown() override;

  // Rebuilds the pipeline for a two-armed topology.
  void useTwoArms();
  // Three servers 198.18.2.1..3 (v4) or fd00:5eed::2:1..3 (v6), weights 1,
  // MACs learned; VIP 198.18.0.10:5060 / fd00:5eed::10 in `mode`.
  core::TableSpec defaultSpec(uint8_t family, uint8_t mode) const;
  void publish(const core::TableSpec& spec);
  // Learns the MAC of every server of the spec as if they answered ARP/ND.
  void learnServerMacs(const core::TableSpec& spec);

  // `rx_ol_flags` is what the NIC would set on each mbuf (RTE_MBUF_F_RX_*).
  std::vector<Sent> send(const Bytes& frame, uint16_t rx_port = 0, uint64_t rx_ol_flags = 0);
  // One burst of several frames (the pipeline's two-pass path).
  std::vector<Sent> sendBurst(const std::vector<Bytes>& frames, uint16_t rx_port = 0, uint64_t rx_ol_flags = 0);
  sipsteer::testing::UdpFrameSpec clientFrame(uint8_t family, uint16_t sport = 5062) const;
  uint64_t drops(sipsteer_drop_reason r) const { return counters_->drops[r]; }
  uint64_t serverCounter(uint32_t server_id, sipsteer_server_counter c);
  int serverIndexOf(const IpAddr& addr) const;

  uint64_t now_ = 1'000'000;
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::unique_ptr<TableSlot> slot_;
  FlowTable* flows_ = nullptr;
  std::unique_ptr<NeighbourCache> neighbours_;
  std::unique_ptr<SlotRegistry> registry_;
  rte_ring* events_ = nullptr;
  WorkerCounters* counters_ = nullptr;
  PipelineConfig config_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace sipsteer::dp::testing

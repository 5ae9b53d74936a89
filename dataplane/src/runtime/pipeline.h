// The per-packet path of a worker: classify, steer, rewrite, answer.
// One Pipeline per worker lcore; it owns no packets between calls. Nothing
// here allocates, throws or logs; every anomaly is a counter.
//
//   process(burst received on port i) -> frames to transmit per port index
//
// What happens to each kind of frame is documented in docs/dataplane.md.
#pragma once

#include <sipsteer/abi/events.h>
#include <sipsteer/core/sip_scanner.h>

#include <cstdint>
#include <memory>

#include "pkt/packet_parser.h"
#include "runtime/counters.h"
#include "runtime/flow_table.h"
#include "runtime/fragments.h"
#include "runtime/neighbour_cache.h"
#include "runtime/table_slot.h"

struct rte_mbuf;
struct rte_ring;

namespace sipsteer::dp {

constexpr uint16_t kMaxBurst = 64;
// Frames one burst may emit per port: a completed reassembly turns one
// received fragment into up to RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) frames.
constexpr uint16_t kTxRoom = kMaxBurst * 4;

enum class PortRole : uint8_t { kClient = 1, kServer = 2, kBoth = 3 };

struct PortInfo {
  uint16_t port_id = 0;  // DPDK port id
  PortRole role = PortRole::kBoth;
  uint8_t mac[6] = {};
  bool has_ipv4 = false;
  bool has_ipv6 = false;
  union sipsteer_addr ipv4 {};  // own address (ARP answers, ARP requests' sender)
  union sipsteer_addr ipv6 {};
  uint16_t gateway_slot = NeighbourCache::kNone;  // NeighbourCache slot, or kNone
};

struct PipelineConfig {
  PortInfo ports[kMaxPorts];
  uint16_t port_count = 0;
  uint16_t client_port = 0;  // index of the port facing clients
  uint16_t server_port = 0;  // index of the port facing servers
  uint32_t max_sip_size = 8192;  // bytes of UDP payload
  uint64_t unanswered_ticks = 0;  // TSC ticks a request may wait for a response
  bool verify_checksums = true;   // software check when the NIC did not
  bool verify_udp_checksum = true;  // ... of UDP too (with verify_checksums)
  uint32_t frag_max_flows = 0;     // fragment sets reassembled at once; 0 = drop fragments
  uint64_t frag_timeout_ticks = 0;  // TSC ticks a fragment set may take to complete
  // Hash a burst's Call-IDs together where the CPU has AVX-512
  // (core::siphash24Batch); false: one by one, as on CPUs without it. The
  // same hashes either way; false lets tests run the per-packet path here.
  bool batch_call_id_hash = true;
};

struct PipelineShared {
  const TableSlot* table = nullptr;
  FlowTable* flows = nullptr;
  NeighbourCache* neighbours = nullptr;
  rte_ring* events = nullptr;  // sipsteer_event elements, to the control thread
};

struct TxBatch {
  rte_mbuf* pkts[kMaxPorts][kTxRoom];
  uint16_t count[kMaxPorts];
};

class Pipeline {
 public:
  Pipeline(const PipelineConfig& config, const PipelineShared& shared, WorkerCounters* counters);
  ~Pipeline();

  // Handles `n` (<= kMaxBurst) frames received on port index `rx_port`.
  // Frames to send are appended to `tx` (count[] must start at 0); the others
  // are freed. `now_tsc` is the burst's timestamp.
  void process(rte_mbuf** pkts, uint16_t n, uint16_t rx_port, TxBatch& tx, uint64_t now_tsc) noexcept;

 private:
  // What the first pass over a burst learnt about a SIP packet.
  struct SipContext {
    sip::SteeringFields msg;
    uint64_t hash = 0;
    int32_t position = -1;   // flow-table position (bulk lookup), -1 = miss
    int16_t vip = -1;        // destination VIP, or
    int16_t server = -1;     // source server (replies to un-NAT)
    uint8_t drop = 0;        // sipsteer_drop_reason + 1, 0 = none
    uint8_t sip_error = 0;   // scanner's reason with SIP_MALFORMED
  };
  struct Staged {
    ParsedPacket p;
    SipContext sip;
    bool steer = false;  // a SIP packet for the steering path
  };
  // kConsumed: the packet was queued or kept (fragments) by the handler.
  enum class Verdict : uint8_t { kDrop, kToClient, kToServer, kBack, kConsumed };
  // First pass: parse, find the VIP or server, scan the SIP, and hash the
  // Call-ID when `hash_now` (otherwise process() hashes the burst's
  // Call-IDs together, batch_hash_).
  void stage(rte_mbuf* m, Staged& s, const RuntimeTable* table) noexcept;
  bool stageSip(const uint8_t* frame, const ParsedPacket& p, const RuntimeTable& table, SipContext& ctx,
                bool hash_now) noexcept;
  // Second pass.
  Verdict handle(rte_mbuf* m, Staged& s, uint16_t rx_port, const RuntimeTable* table, uint64_t now) noexcept;
  Verdict handleUdp(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, SipContext& ctx,
                    const RuntimeTable* table, uint64_t now) noexcept;
  Verdict toServer(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, const SipContext& ctx,
                   const RuntimeTable& table, uint64_t now) noexcept;
  Verdict fromServer(uint8_t* frame, const ParsedPacket& p, const SipContext& ctx, const RuntimeTable& table,
                     uint64_t now) noexcept;
  Verdict reply503(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, const RuntimeTable& table,
                   int vip, uint64_t hash) noexcept;
  Verdict handleFragment(rte_mbuf* m, const ParsedPacket& p, uint16_t rx_port, const RuntimeTable* table,
                         uint64_t now) noexcept;
  // Inline: it runs for every forwarded packet; the full-queue case is not.
  bool enqueue(uint16_t port, rte_mbuf* m) noexcept {
    if (tx_->count[port] == kTxRoom) [[unlikely]]
      return txFull(m);
    tx_->pkts[port][tx_->count[port]++] = m;
    return true;
  }
  bool txFull(rte_mbuf* m) noexcept;
  Verdict handleIcmp(uint8_t* frame, const ParsedPacket& p, const RuntimeTable* table,
                     uint64_t now) noexcept;
  Verdict handleArp(uint8_t* frame, const ParsedPacket& p, uint16_t rx_port,
                    const RuntimeTable* table, uint64_t now) noexcept;
  Verdict handleNeighbour(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, uint16_t rx_port,
                          const RuntimeTable* table, uint64_t now) noexcept;
  bool isOwnAddress(uint16_t rx_port, uint8_t family, const union sipsteer_addr& addr,
                    const RuntimeTable* table) const noexcept;
  bool serverMac(const RuntimeTable& table, const RtServer& s, uint8_t mac[6]) const noexcept;
  void emitEvent(const sipsteer_event& event) noexcept;
  Verdict dropped(sipsteer_drop_reason reason) noexcept {
    bump(counters_->drops[reason]);
    return Verdict::kDrop;
  }
  // FlowTable::lookupBulk, counted (sipsteer_dataplane_affinity_*).
  void lookUpDialogs(const uint64_t* keys, uint16_t n, int32_t* positions) noexcept {
    const uint32_t misses = shared_.flows->lookupBulk(keys, n, positions);
    bump(counters_->affinity[SIPSTEER_AFFINITY_LOOKUPS], n);
    if (misses != 0) bump(counters_->affinity[SIPSTEER_AFFINITY_HINT_MISSES], misses);
  }

  PipelineConfig config_;
  PipelineShared shared_;
  WorkerCounters* counters_;
  std::unique_ptr<FragmentReassembler> fragments_;
  // The burst's Call-IDs are hashed together by core::siphash24Batch
  // (eight per AVX-512 vector) instead of one by one in stageSip. Only
  // where that runs vectorised: a scalar batch loop would lose the overlap
  // of each hash with the neighbouring packets' work (it measured slower).
  const bool batch_hash_;
  TxBatch* tx_ = nullptr;  // the batch of the process() call in progress
  Staged staged_[kMaxBurst];
  SipContext fragment_sip_;  // the reassembled packet being steered
  // A reassembled packet is copied here (contiguous) to be steered.
  uint8_t scratch_[16384];
  // 503 bodies are built here, then copied into the request's mbuf.
  uint8_t reply_[4096];
};

}  // namespace sipsteer::dp

// IP fragments: per-worker reassembly with rte_ip_frag (bounded table,
// timeout), and the way back out: the reassembled chain's segments *are*
// the original fragments' mbufs (rte_ip_frag strips their headers), so after
// steering on the whole message each segment gets its L2/L3 header back,
// rewritten like the whole packet, and leaves as the fragment it came in as.
// Nothing is allocated and the original fragment sizes, which already fit
// the path, are kept. Worker-local: not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "pkt/packet_parser.h"

struct rte_mbuf;
struct rte_ip_frag_tbl;

namespace sipsteer::dp {

class FragmentReassembler {
 public:
  // nullptr if DPDK memory for the table cannot be had.
  static std::unique_ptr<FragmentReassembler> create(uint32_t max_flows, uint64_t timeout_ticks);
  ~FragmentReassembler();

  // Takes `m` (a kFragment frame, `p` its parse). Returns the reassembled
  // packet as an mbuf chain once complete, else nullptr (held or dropped).
  rte_mbuf* add(rte_mbuf* m, const ParsedPacket& p, uint64_t now_tsc) noexcept;
  // Drops fragment sets older than the timeout; returns how many fragment
  // mbufs were given up (incomplete, duplicates, table full) since last call.
  uint32_t expire(uint64_t now_tsc) noexcept;

 private:
  FragmentReassembler() = default;
  struct DeathRow;
  rte_ip_frag_tbl* table_ = nullptr;
  std::unique_ptr<DeathRow> death_row_;
};

// Re-fragments a reassembled chain along its segment boundaries. `header`
// holds the packet's rewritten headers (L2, IP as after reassembly, UDP) as
// parsed in `p`; `ident` is the IPv6 fragment identification. Writes up to
// `room` single-segment frames to `out` and returns their number, or 0 (and
// leaves `whole` untouched) if the chain cannot be split back.
uint16_t splitReassembled(rte_mbuf* whole, const uint8_t* header, const ParsedPacket& p, uint32_t ident,
                          rte_mbuf** out, uint16_t room) noexcept;

}  // namespace sipsteer::dp

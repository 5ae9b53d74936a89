// In-place header rewrites on a parsed frame: NAT of destination or source
// (with TTL decrement and incremental checksums, RFC 1624), MAC rewrite,
// turning a request around into a locally generated reply, and ARP / IPv6 ND
// answers. DPDK-free; every function touches only bytes the parser checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pkt/checksum.h"
#include "pkt/packet_parser.h"

namespace sipsteer::dp {

// `dst` and `src` must not point into the frame (callers pass copies), so
// that two plain 6-byte moves do it.
inline void setMacs(uint8_t* frame, const uint8_t dst[6], const uint8_t src[6]) noexcept {
  std::memcpy(frame, dst, 6);
  std::memcpy(frame + 6, src, 6);
}

// The folded one's-complement sum of an address's 16-bit words (4 bytes for
// IPv4, 16 for IPv6). A NAT rewrite always replaces an address the table
// knows (the VIP a client sent to, the server a reply comes from) by another
// one it knows, so RuntimeTable computes the sums once per table and a
// packet's checksum update is ~old + new (RFC 1624), not a walk over words.
uint16_t addressSum(uint8_t family, const union sipsteer_addr& addr) noexcept;

// Where a NAT rewrite goes: address (of the packet's family), port (host
// order) and addressSum(family, addr).
struct NatAddress {
  const union sipsteer_addr& addr;
  uint16_t port;
  uint16_t sum;
};

namespace nat_detail {

// Checksum update of a one-byte TTL decrement: the word TTL:protocol loses
// 0x100 (TTL >= 2, no borrow), so ~m + m' = 0xffff - m + m - 0x100 = 0xfeff.
inline constexpr uint32_t kTtlDecrementSum = 0xfeff;

// Replaces the address at `addr_offset` in the IP header and the UDP port at
// `port_offset`, and decrements the TTL / hop limit (false, frame untouched,
// when it expires). The address change enters both the IPv4 header checksum
// and the UDP checksum as ~old + new of the two precomputed address sums.
// One instance per family, so that the address length is a constant.
template <bool kV4>
__attribute__((always_inline)) inline bool natRewriteFamily(uint8_t* frame, const ParsedPacket& p,
                                                            const NatAddress& to, uint16_t from_sum,
                                                            size_t addr_offset,
                                                            size_t port_offset) noexcept {
  constexpr size_t kAddrLen = kV4 ? 4 : 16;
  uint8_t* ip = frame + p.l3_offset;
  uint8_t* udp = frame + p.l4_offset;
  uint8_t& ttl = kV4 ? ip[8] : ip[7];
  if (ttl <= 1) return false;
  --ttl;  // IPv6: not covered by any checksum
  std::memcpy(ip + addr_offset, to.addr.bytes, kAddrLen);
  const uint32_t address_sum = static_cast<uint16_t>(~from_sum) + uint32_t{to.sum};
  if constexpr (kV4)
    store16be(ip + 10, applySmallReplacement(load16be(ip + 10), address_sum + kTtlDecrementSum));
  const uint16_t old_port = load16be(udp + port_offset);
  store16be(udp + port_offset, to.port);
  const uint16_t check = load16be(udp + 6);
  if (check != 0) {  // IPv4 "no checksum" stays so
    const uint16_t updated = applySmallReplacement(
        check, address_sum + static_cast<uint16_t>(~old_port) + uint32_t{to.port});
    store16be(udp + 6, updated == 0 ? 0xffff : updated);
  }
  return true;
}

__attribute__((always_inline)) inline bool natRewrite(uint8_t* frame, const ParsedPacket& p,
                                                      const NatAddress& to, uint16_t from_sum,
                                                      size_t addr_offset_v4, size_t addr_offset_v6,
                                                      size_t port_offset) noexcept {
  return p.family == SIPSTEER_FAMILY_IPV4
             ? natRewriteFamily<true>(frame, p, to, from_sum, addr_offset_v4, port_offset)
             : natRewriteFamily<false>(frame, p, to, from_sum, addr_offset_v6, port_offset);
}

}  // namespace nat_detail

// Rewrites the destination (dst address and UDP port) or the source of a
// kUdp packet to `to`, decrements TTL / hop limit and updates the IPv4
// header and UDP checksums incrementally. `dst_sum` / `src_sum` is the
// addressSum of the address the packet carries now (p.dst / p.src); a wrong
// one leaves wrong checksums. False (frame untouched) if TTL would reach 0.
// Inline: a NAT rewrite is a few loads and stores, and as a call its
// argument set-up was a fifth of its cost (callgrind, OPTIONS 500 B).
__attribute__((always_inline)) inline bool natDestination(uint8_t* frame, const ParsedPacket& p,
                                                          const NatAddress& to,
                                                          uint16_t dst_sum) noexcept {
  return nat_detail::natRewrite(frame, p, to, dst_sum, 16, 24, 2);
}

__attribute__((always_inline)) inline bool natSource(uint8_t* frame, const ParsedPacket& p,
                                                     const NatAddress& to,
                                                     uint16_t src_sum) noexcept {
  return nat_detail::natRewrite(frame, p, to, src_sum, 12, 8, 0);
}

// Turns a kUdp frame around: swaps MACs and addresses, sends from the
// packet's destination port to `dport`, with `payload` (which must not
// alias the frame) as UDP payload; full checksums. Returns the new frame
// length, 0 if it would exceed `capacity` bytes of frame buffer.
size_t turnAroundUdp(uint8_t* frame, size_t capacity, const ParsedPacket& p, uint16_t dport,
                     const uint8_t* payload, size_t payload_length) noexcept;

// ARP: if `frame` is an Ethernet/IPv4 ARP request, the target IP (network
// order) it asks for, else 0. Sender fields out through the pointers.
uint32_t arpRequestTarget(const uint8_t* frame, const ParsedPacket& p, uint32_t* sender_ip,
                          const uint8_t** sender_mac) noexcept;
// ARP reply or request: sender IP and MAC for learning; false if not IPv4/Ethernet.
bool arpSender(const uint8_t* frame, const ParsedPacket& p, uint32_t* sender_ip,
               const uint8_t** sender_mac) noexcept;
// Rewrites the ARP request into the reply "target is at `mac`".
void makeArpReply(uint8_t* frame, const ParsedPacket& p, const uint8_t mac[6]) noexcept;
// Builds an ARP request for `target` from (mac, sender_ip) into `frame`
// (at least 60 bytes); returns 60.
size_t buildArpRequest(uint8_t* frame, const uint8_t mac[6], uint32_t sender_ip,
                       uint32_t target) noexcept;

// Neighbour discovery (kNeighbour packets). The target address, and the
// link-layer address option (source for NS, target for NA) if present.
struct NdInfo {
  uint8_t type = 0;                 // 135 NS, 136 NA
  const uint8_t* target = nullptr;  // 16 bytes
  const uint8_t* lladdr = nullptr;  // 6 bytes or nullptr
};
bool parseNd(const uint8_t* frame, const ParsedPacket& p, NdInfo& out) noexcept;
// Rewrites an NS into the solicited NA for its target with `mac`. Returns the
// new frame length, 0 if the NS cannot be answered (unspecified source: DAD).
size_t makeNeighbourAdvert(uint8_t* frame, const ParsedPacket& p, const uint8_t mac[6]) noexcept;
// Builds an NS for `target` from (mac, source) into `frame` (>= 86 bytes).
size_t buildNeighbourSolicit(uint8_t* frame, const uint8_t mac[6], const uint8_t source[16],
                             const uint8_t target[16]) noexcept;

}  // namespace sipsteer::dp

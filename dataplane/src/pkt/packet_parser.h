// Packet classifier: one bounded pass over a contiguous Ethernet frame that
// says what the frame is (SIP/UDP candidate, ARP, neighbour discovery, ICMP
// error, fragment, other) and where its headers are, or why it is dropped.
//
// Contract: reads only [data, data + length), never trusts a length field
// before checking it against `length`, allocates nothing, never throws.
// DPDK-free (compiled by the fuzz build with clang 14 as C++20).
#pragma once

#include <sipsteer/abi/common.h>
#include <sipsteer/abi/counters.h>

#include <cstdint>

namespace sipsteer::dp {

enum class PacketKind : uint8_t {
  kDrop,         // malformed: see ParsedPacket::drop_reason
  kUdp,          // IPv4/IPv6 UDP, lengths and checksums verified
  kArp,          // ARP over Ethernet/IPv4 (28-byte body present)
  kNeighbour,    // ICMPv6 neighbour solicitation (135) or advertisement (136)
  kIcmpError,    // ICMP dest unreachable (v4 type 3) / ICMPv6 type 1; quoted_* set
  kFragment,     // IPv4 fragment (MF or offset) or IPv6 Fragment header
  kOther,        // well-formed but not for the fast path (TCP, echo, ...)
};

struct ParseOptions {
  bool verify_ipv4_checksum = true;  // false when the NIC verified it
  bool verify_l4_checksum = true;    // UDP and ICMP; false when the NIC verified it
  bool verify_udp_checksum = true;   // UDP only, with verify_l4_checksum (config knob)
};

struct ParsedPacket {
  PacketKind kind = PacketKind::kDrop;
  uint8_t drop_reason = 0;  // enum sipsteer_drop_reason when kind == kDrop
  uint8_t family = 0;       // SIPSTEER_FAMILY_*
  uint8_t vlan_count = 0;
  uint8_t ip_proto = 0;
  uint8_t ttl = 0;           // or hop limit
  uint8_t icmp_type = 0;     // kIcmpError / kNeighbour
  uint8_t icmp_code = 0;
  uint16_t l3_offset = 0;    // first byte of the IP (or ARP) header
  uint16_t l4_offset = 0;    // first byte of the UDP/ICMP header
  uint16_t l3_length = 0;    // IP packet bytes (header + payload), excludes L2 padding
  uint16_t sport = 0;        // host order (UDP)
  uint16_t dport = 0;        // host order (UDP)
  uint16_t payload_offset = 0;  // UDP payload / ICMP body after its 8-byte header
  uint16_t payload_length = 0;
  uint16_t quoted_offset = 0;   // kIcmpError: first byte of the quoted IP header
  uint16_t quoted_length = 0;
  // Network order, zero-padded for IPv4. Initialised through v6, the
  // 16-byte member: `{}` zeroes only the first member (v4), and clang leaves
  // the other 12 bytes as they were (found by the fuzz target comparing the
  // fast path with the general parser).
  union sipsteer_addr src {.v6 = {}};
  union sipsteer_addr dst {.v6 = {}};
};

// Classifies `data[0, length)`.
void parsePacket(const uint8_t* data, uint32_t length, const ParseOptions& options,
                 ParsedPacket& out) noexcept;

namespace detail {
// parsePacket without its fast path for untagged IPv4/UDP: the reference the
// fast path is tested against (same results for every frame).
void parsePacketGeneral(const uint8_t* data, uint32_t length, const ParseOptions& options,
                        ParsedPacket& out) noexcept;
}  // namespace detail

// The 5-tuple an ICMP error quotes (quoted IP header + first 8 bytes of UDP),
// plus the quoted UDP payload that survived truncation.
struct QuotedPacket {
  uint8_t family = 0;
  uint8_t ip_proto = 0;
  union sipsteer_addr src {.v6 = {}};  // zero-padded for IPv4 (see ParsedPacket)
  union sipsteer_addr dst {.v6 = {}};
  uint16_t sport = 0;  // host order
  uint16_t dport = 0;  // host order
  uint16_t payload_offset = 0;  // relative to the quoted IP header
  uint16_t payload_length = 0;  // bytes present (may be less than sent)
};

// Parses the quoted packet of an ICMP error; false (with a drop reason of
// ICMP_MALFORMED implied) if it is not a readable IPv4/IPv6 UDP header.
bool parseQuoted(const uint8_t* data, uint32_t length, uint8_t family, QuotedPacket& out) noexcept;

}  // namespace sipsteer::dp

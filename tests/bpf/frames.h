// The BPF fixtures' vocabulary for frames, spelled on top of the shared test
// packet builder (tests/support/packet_builder.h): the same Ethernet / IPv4 /
// IPv6 / UDP / ICMP frames the DPDK pipeline tests use, plus the few things
// only the fixtures need (a raw IPv4 fragment flag, a raw Call-ID line).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/packet_builder.h"

namespace sipsteer::bpftest {

using Frame = std::vector<uint8_t>;
using Mac = testing::Mac;

using Ip = testing::IpAddr;  // Ip::parse("198.18.0.1"), family 4 or 6

struct UdpSpec {
  Ip src, dst;
  uint16_t sport = 5060, dport = 5060;  // host order
  std::string payload;
  Mac src_mac{0x02, 0, 0, 0, 0, 0x01}, dst_mac{0x02, 0, 0, 0, 0, 0x02};
  int vlan = -1;        // VLAN id, -1 = untagged
  uint8_t ttl = 64;
  uint16_t frag = 0;    // IPv4 frag_off field (host order): MF 0x2000, offset
  size_t ip_options = 0;  // IPv4 option bytes (NOPs), multiple of 4
};

Frame udpFrame(const UdpSpec& spec);
// An ICMP(v6) destination-unreachable from `reporter` to `to`, quoting the
// IP datagram of `quoted` (a frame from udpFrame, Ethernet stripped), cut
// to `quote_bytes` of it.
Frame icmpUnreachable(const Ip& reporter, const Ip& to, uint8_t code, const Frame& quoted,
                      size_t quote_bytes = 48);
// An IPv4 frame of any protocol with a raw L4 payload.
Frame ipv4Frame(const Ip& src, const Ip& dst, uint8_t proto, const std::vector<uint8_t>& l4);
Frame arpRequest();

// Offsets of the layers in a frame made above (no VLAN unless vlan >= 0).
size_t l3Offset(const Frame& frame);
// Checks IPv4 header and UDP checksums of a frame; empty string when right.
std::string checksumErrors(const Frame& frame);
// A SIP request with the given Call-ID header line ("Call-ID: x" or "i: x").
std::string sipRequest(std::string_view call_id_line, std::string_view method = "INVITE");

}  // namespace sipsteer::bpftest

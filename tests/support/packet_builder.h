// Test packet builder: whole Ethernet frames as std::vector<uint8_t>, with
// correct lengths and checksums unless a test asks for a broken one.
// No DPDK dependency, so the DPDK pipeline tests, the BPF fixtures and the
// fuzz seeds all use the same frames. Not for production code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipsteer::testing {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// An IPv4 or IPv6 address; v4 uses the first four bytes.
struct IpAddr {
  uint8_t family = 4;  // 4 or 6
  std::array<uint8_t, 16> bytes{};

  // Parses a literal ("198.18.0.1", "fd00:5eed::1"); aborts the test binary
  // on a typo, because a silently wrong address makes a test meaningless.
  static IpAddr parse(std::string_view text);
  std::string str() const;
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
};

Mac parseMac(std::string_view text);

struct UdpFrameSpec {
  Mac src_mac{0x02, 0, 0, 0, 0, 0x01};
  Mac dst_mac{0x02, 0, 0, 0, 0, 0x02};
  std::vector<uint16_t> vlans;  // outermost first; TPID 0x8100 each
  IpAddr src;
  IpAddr dst;
  uint16_t sport = 5060;
  uint16_t dport = 5060;
  uint8_t ttl = 64;
  uint16_t ip_id = 0x1234;
  Bytes ipv4_options;            // appended to the IPv4 header (multiple of 4)
  bool udp_checksum = true;      // false: IPv4 UDP checksum 0 (none)
  bool corrupt_ip_checksum = false;
  bool corrupt_udp_checksum = false;
};

// Ethernet [VLAN...] IPv4|IPv6 UDP payload.
Bytes udpFrame(const UdpFrameSpec& spec, std::span<const uint8_t> payload);
Bytes udpFrame(const UdpFrameSpec& spec, std::string_view payload);

// Splits an IPv4 or IPv6 UDP frame (as made by udpFrame, no VLAN) into
// fragments whose IP packets are at most `mtu` bytes. IPv6 uses a Fragment
// extension header with identification `ident`.
std::vector<Bytes> fragmentFrame(const Bytes& frame, size_t mtu, uint32_t ident = 0x5eed);

// The inverse of fragmentFrame for checking fragments a program emitted:
// joins fragments (any order, no VLAN) into one unfragmented frame with the
// first fragment's L2 and IP header (lengths and IPv4 checksum recomputed).
// Empty if they do not form one complete packet.
Bytes reassembleFrames(const std::vector<Bytes>& fragments);

// ICMP destination unreachable (v4 type 3 / v6 type 1) sent by `reporter` to
// `to`, quoting the IP packet inside `quoted_frame` (an Ethernet frame, no
// VLAN), truncated so the ICMP packet stays within 576 (v4) / 1280 (v6) bytes
// or `quote_limit` bytes of quoted data, whichever is smaller.
Bytes icmpUnreachableFrame(const Mac& src_mac, const Mac& dst_mac, const IpAddr& reporter,
                           const IpAddr& to, uint8_t code, const Bytes& quoted_frame,
                           size_t quote_limit = 1280);

Bytes arpRequest(const Mac& sender_mac, const IpAddr& sender_ip, const IpAddr& target_ip);
Bytes arpReply(const Mac& sender_mac, const IpAddr& sender_ip, const Mac& target_mac,
               const IpAddr& target_ip);
// ICMPv6 neighbour solicitation for `target`, sent to its solicited-node
// multicast address, with a source link-layer address option.
Bytes neighbourSolicitation(const Mac& sender_mac, const IpAddr& sender_ip, const IpAddr& target);
Bytes neighbourAdvertisement(const Mac& sender_mac, const IpAddr& sender_ip, const Mac& dst_mac,
                             const IpAddr& dst_ip, const IpAddr& target);

struct SipRequestSpec {
  std::string method = "INVITE";
  std::string uri = "sip:service@198.18.0.10:5060";
  std::string call_id = "call-1@198.18.1.1";
  uint32_t cseq = 1;
  std::string via = "SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK-1";
  std::vector<std::string> extra_vias;  // further Via values below the top one
  std::string from = "<sip:alice@198.18.1.1>;tag=from-1";
  std::string to = "<sip:service@198.18.0.10>";
  std::vector<std::string> extra_headers;  // whole lines without CRLF
  std::string body;
  bool compact_call_id = false;  // "i:" instead of "Call-ID:"
  bool omit_call_id = false;
};
std::string sipRequest(const SipRequestSpec& spec);

// A response to `request` (copies Via, From, To (+tag), Call-ID, CSeq).
std::string sipResponse(const SipRequestSpec& request, int code, std::string_view reason,
                        std::string_view to_tag = "uas-1");

// RFC 1071 one's-complement sum folded to 16 bits (not inverted).
uint16_t onesComplementSum(std::span<const uint8_t> data, uint32_t initial = 0);

// Independent decoder for assertions on frames the code under test produced.
struct DecodedFrame {
  bool ok = false;
  std::string error;
  Mac src_mac{}, dst_mac{};
  std::vector<uint16_t> vlans;
  uint16_t ethertype = 0;  // after VLANs
  IpAddr src, dst;
  uint8_t ttl = 0;  // or hop limit
  uint8_t protocol = 0;
  bool ip_checksum_ok = false;  // always true for IPv6
  uint16_t sport = 0, dport = 0;
  bool l4_checksum_ok = false;  // UDP (0 = none counts as ok for IPv4) or ICMP
  uint8_t icmp_type = 0, icmp_code = 0;
  Bytes payload;  // UDP payload or ICMP body after the 8-byte header
};
DecodedFrame decodeFrame(std::span<const uint8_t> frame);

}  // namespace sipsteer::testing

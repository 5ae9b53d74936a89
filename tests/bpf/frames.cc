#include "bpf/frames.h"

#include <algorithm>
#include <span>

namespace sipsteer::bpftest {

namespace {
void set16(Frame& f, size_t off, uint16_t v) {
  f[off] = static_cast<uint8_t>(v >> 8);
  f[off + 1] = static_cast<uint8_t>(v);
}
uint16_t ipv4HeaderChecksum(const Frame& f, size_t l3) {
  const size_t ihl = (f[l3] & 0xf) * 4u;
  return static_cast<uint16_t>(~testing::onesComplementSum(std::span(f).subspan(l3, ihl)));
}
}  // namespace

Frame udpFrame(const UdpSpec& spec) {
  testing::UdpFrameSpec s;
  s.src_mac = spec.src_mac;
  s.dst_mac = spec.dst_mac;
  if (spec.vlan >= 0) s.vlans = {static_cast<uint16_t>(spec.vlan)};
  s.src = spec.src;
  s.dst = spec.dst;
  s.sport = spec.sport;
  s.dport = spec.dport;
  s.ttl = spec.ttl;
  s.ipv4_options.assign(spec.ip_options, 0x01);  // NOP options
  Frame f = testing::udpFrame(s, spec.payload);
  if (spec.frag != 0 && spec.src.family == 4) {
    // A fragment flag on a whole datagram: the programs must treat it as a
    // fragment by the header alone.
    const size_t l3 = l3Offset(f);
    set16(f, l3 + 6, spec.frag);
    set16(f, l3 + 10, 0);
    set16(f, l3 + 10, ipv4HeaderChecksum(f, l3));
  }
  return f;
}

Frame icmpUnreachable(const Ip& reporter, const Ip& to, uint8_t code, const Frame& quoted,
                      size_t quote_bytes) {
  return testing::icmpUnreachableFrame(Mac{0x02, 0, 0, 0, 0, 0x03}, Mac{0x02, 0, 0, 0, 0, 0x02}, reporter, to,
                                       code, quoted, quote_bytes);
}

Frame ipv4Frame(const Ip& src, const Ip& dst, uint8_t proto, const std::vector<uint8_t>& l4) {
  const size_t l3 = 14;
  const size_t total = 20 + l4.size();
  const uint8_t head[] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,  // Ethernet
                          0x45, 0, static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total), 0, 1, 0, 0,
                          64,   proto, 0, 0};
  // push_back, not range insert: gcc 12 -O2 warns falsely (-Warray-bounds)
  // on inserting into a vector built from a short initializer list.
  Frame f;
  f.reserve(l3 + total);
  for (uint8_t b : head) f.push_back(b);
  for (size_t i = 0; i < 4; ++i) f.push_back(src.bytes[i]);
  for (size_t i = 0; i < 4; ++i) f.push_back(dst.bytes[i]);
  set16(f, l3 + 10, ipv4HeaderChecksum(f, l3));
  for (uint8_t b : l4) f.push_back(b);
  return f;
}

Frame arpRequest() {
  return testing::arpRequest(Mac{0x02, 0, 0, 0, 0, 0x01}, Ip::parse("198.18.0.1"), Ip::parse("198.18.0.2"));
}

size_t l3Offset(const Frame& frame) {
  return (frame.size() > 13 && frame[12] == 0x81 && frame[13] == 0x00) ? 18 : 14;
}

std::string checksumErrors(const Frame& f) {
  const testing::DecodedFrame d = testing::decodeFrame(f);
  if (!d.ok) return d.error;
  if (!d.ip_checksum_ok) return "IPv4 header checksum wrong";
  if (!d.l4_checksum_ok) return "UDP checksum wrong";
  return "";
}

std::string sipRequest(std::string_view call_id_line, std::string_view method) {
  std::string m;
  m += std::string(method) + " sip:bob@198.18.0.10 SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK776asdhds\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "To: Bob <sip:bob@198.18.0.10>\r\n";
  m += "From: Alice <sip:alice@198.18.1.1>;tag=1928301774\r\n";
  m += std::string(call_id_line) + "\r\n";
  m += "CSeq: 314159 " + std::string(method) + "\r\n";
  m += "Contact: <sip:alice@198.18.1.1>\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

}  // namespace sipsteer::bpftest

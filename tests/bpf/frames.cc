#include "bpf/frames.h"

#include <arpa/inet.h>

#include <algorithm>

#include <stdexcept>

namespace sipsteer::bpftest {

namespace {
void put16(Frame& f, uint16_t v) {
  f.push_back(static_cast<uint8_t>(v >> 8));
  f.push_back(static_cast<uint8_t>(v));
}
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) acc += static_cast<uint32_t>(p[n - 1] << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}
void set16(Frame& f, size_t off, uint16_t v) {
  f[off] = static_cast<uint8_t>(v >> 8);
  f[off + 1] = static_cast<uint8_t>(v);
}
void ethernet(Frame& f, const Mac& dst, const Mac& src, int vlan, uint16_t type) {
  // push_back, not insert: gcc 12 -O2 warns falsely (-Wstringop-overflow)
  // on range-inserting into an empty vector.
  for (uint8_t b : dst) f.push_back(b);
  for (uint8_t b : src) f.push_back(b);
  if (vlan >= 0) {
    put16(f, 0x8100);
    put16(f, static_cast<uint16_t>(vlan));
  }
  put16(f, type);
}
// Checksum of an L4 segment at `l4` (length n) with the pseudo-header.
uint16_t l4Checksum(const Frame& f, size_t l3, size_t l4, size_t n, uint8_t proto, int family) {
  uint32_t acc = 0;
  if (family == 4) {
    acc = sum16(&f[l3 + 12], 8);
  } else {
    acc = sum16(&f[l3 + 8], 32);
  }
  acc += proto;
  acc += static_cast<uint32_t>(n);
  acc = sum16(&f[l4], n, acc);
  return fold(acc);
}
}  // namespace

Ip Ip::parse(std::string_view text) {
  Ip ip;
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 6;
  } else {
    throw std::invalid_argument("bad address " + s);
  }
  return ip;
}

Frame udpFrame(const UdpSpec& spec) {
  Frame f;
  ethernet(f, spec.dst_mac, spec.src_mac, spec.vlan, spec.src.family == 4 ? 0x0800 : 0x86dd);
  const size_t l3 = f.size();
  const size_t udp_len = 8 + spec.payload.size();
  if (spec.src.family == 4) {
    const size_t ihl = 20 + spec.ip_options;
    f.push_back(static_cast<uint8_t>(0x40 | ihl / 4));
    f.push_back(0);
    put16(f, static_cast<uint16_t>(ihl + udp_len));
    put16(f, 0x1234);
    put16(f, spec.frag);
    f.push_back(spec.ttl);
    f.push_back(17);
    put16(f, 0);
    f.insert(f.end(), spec.src.bytes.begin(), spec.src.bytes.begin() + 4);
    f.insert(f.end(), spec.dst.bytes.begin(), spec.dst.bytes.begin() + 4);
    f.insert(f.end(), spec.ip_options, 0x01);  // NOP options
    set16(f, l3 + 10, fold(sum16(&f[l3], ihl)));
  } else {
    f.push_back(0x60);
    f.push_back(0);
    put16(f, 0);
    put16(f, static_cast<uint16_t>(udp_len));
    f.push_back(17);
    f.push_back(spec.ttl);
    f.insert(f.end(), spec.src.bytes.begin(), spec.src.bytes.end());
    f.insert(f.end(), spec.dst.bytes.begin(), spec.dst.bytes.end());
  }
  const size_t l4 = f.size();
  put16(f, spec.sport);
  put16(f, spec.dport);
  put16(f, static_cast<uint16_t>(udp_len));
  put16(f, 0);
  f.insert(f.end(), spec.payload.begin(), spec.payload.end());
  uint16_t c = l4Checksum(f, l3, l4, udp_len, 17, spec.src.family);
  set16(f, l4 + 6, c == 0 ? 0xffff : c);
  return f;
}

Frame icmpUnreachable(const Ip& reporter, const Ip& to, uint8_t code, const Frame& quoted,
                      size_t quote_bytes) {
  const size_t q3 = l3Offset(quoted);
  const size_t n = std::min(quote_bytes, quoted.size() - q3);
  Frame f;
  ethernet(f, Mac{0x02, 0, 0, 0, 0, 0x02}, Mac{0x02, 0, 0, 0, 0, 0x03}, -1,
           reporter.family == 4 ? 0x0800 : 0x86dd);
  const size_t l3 = f.size();
  const size_t icmp_len = 8 + n;
  if (reporter.family == 4) {
    f.push_back(0x45);
    f.push_back(0);
    put16(f, static_cast<uint16_t>(20 + icmp_len));
    put16(f, 0x4321);
    put16(f, 0);
    f.push_back(64);
    f.push_back(1);
    put16(f, 0);
    f.insert(f.end(), reporter.bytes.begin(), reporter.bytes.begin() + 4);
    f.insert(f.end(), to.bytes.begin(), to.bytes.begin() + 4);
    set16(f, l3 + 10, fold(sum16(&f[l3], 20)));
  } else {
    f.push_back(0x60);
    f.push_back(0);
    put16(f, 0);
    put16(f, static_cast<uint16_t>(icmp_len));
    f.push_back(58);
    f.push_back(64);
    f.insert(f.end(), reporter.bytes.begin(), reporter.bytes.end());
    f.insert(f.end(), to.bytes.begin(), to.bytes.end());
  }
  const size_t l4 = f.size();
  f.push_back(reporter.family == 4 ? 3 : 1);
  f.push_back(code);
  put16(f, 0);
  put16(f, 0);
  put16(f, 0);
  f.insert(f.end(), quoted.begin() + static_cast<long>(q3), quoted.begin() + static_cast<long>(q3 + n));
  const uint16_t c = reporter.family == 4 ? fold(sum16(&f[l4], icmp_len))
                                          : l4Checksum(f, l3, l4, icmp_len, 58, 6);
  set16(f, l4 + 2, c);
  return f;
}

Frame ipv4Frame(const Ip& src, const Ip& dst, uint8_t proto, const std::vector<uint8_t>& l4) {
  Frame f;
  ethernet(f, Mac{0x02, 0, 0, 0, 0, 0x02}, Mac{0x02, 0, 0, 0, 0, 0x01}, -1, 0x0800);
  const size_t l3 = f.size();
  f.push_back(0x45);
  f.push_back(0);
  put16(f, static_cast<uint16_t>(20 + l4.size()));
  put16(f, 1);
  put16(f, 0);
  f.push_back(64);
  f.push_back(proto);
  put16(f, 0);
  f.insert(f.end(), src.bytes.begin(), src.bytes.begin() + 4);
  f.insert(f.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
  set16(f, l3 + 10, fold(sum16(&f[l3], 20)));
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

Frame arpRequest() {
  Frame f;
  ethernet(f, Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Mac{0x02, 0, 0, 0, 0, 0x01}, -1, 0x0806);
  const uint8_t body[28] = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 198, 18, 0, 1,
                            0, 0, 0, 0, 0, 0, 198, 18, 0, 2};
  f.insert(f.end(), body, body + sizeof(body));
  return f;
}

size_t l3Offset(const Frame& frame) {
  return (frame.size() > 13 && frame[12] == 0x81 && frame[13] == 0x00) ? 18 : 14;
}

std::string checksumErrors(const Frame& f) {
  const size_t l3 = l3Offset(f);
  const int family = f[l3] >> 4;
  size_t l4 = 0;
  if (family == 4) {
    const size_t ihl = (f[l3] & 0xf) * 4u;
    if (fold(sum16(&f[l3], ihl)) != 0) return "IPv4 header checksum wrong";
    l4 = l3 + ihl;
  } else {
    l4 = l3 + 40;
  }
  const size_t udp_len = static_cast<size_t>(f[l4 + 4] << 8 | f[l4 + 5]);
  uint32_t acc = family == 4 ? sum16(&f[l3 + 12], 8) : sum16(&f[l3 + 8], 32);
  acc += 17 + static_cast<uint32_t>(udp_len);
  acc = sum16(&f[l4], udp_len, acc);
  if (fold(acc) != 0) return "UDP checksum wrong";
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

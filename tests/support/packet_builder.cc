#include "support/packet_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sipsteer::testing {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherVlan = 0x8100;

void put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
void set16(Bytes& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}
uint16_t get16(std::span<const uint8_t> in, size_t at) {
  return static_cast<uint16_t>(in[at] << 8 | in[at + 1]);
}
void putBytes(Bytes& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
size_t addrLen(const IpAddr& a) { return a.family == 4 ? 4 : 16; }
std::span<const uint8_t> addrBytes(const IpAddr& a) { return {a.bytes.data(), addrLen(a)}; }

void putEthernet(Bytes& out, const Mac& dst, const Mac& src, const std::vector<uint16_t>& vlans,
                 uint16_t ethertype) {
  putBytes(out, dst);
  putBytes(out, src);
  for (uint16_t tci : vlans) {
    put16(out, kEtherVlan);
    put16(out, tci);
  }
  put16(out, ethertype);
}

// Pseudo-header sum for UDP/ICMPv6 checksums.
uint32_t pseudoSum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t length) {
  Bytes p;
  putBytes(p, addrBytes(src));
  putBytes(p, addrBytes(dst));
  if (src.family == 4) {
    p.push_back(0);
    p.push_back(proto);
    put16(p, static_cast<uint16_t>(length));
  } else {
    put32(p, length);
    put32(p, proto);
  }
  return onesComplementSum(p);
}

void putIpv4Header(Bytes& out, const IpAddr& src, const IpAddr& dst, uint8_t proto,
                   size_t l4_len, uint8_t ttl, uint16_t id, const Bytes& options, uint16_t frag,
                   bool corrupt) {
  const size_t start = out.size();
  const size_t ihl = 20 + options.size();
  out.push_back(static_cast<uint8_t>(0x40 | (ihl / 4)));
  out.push_back(0);
  put16(out, static_cast<uint16_t>(ihl + l4_len));
  put16(out, id);
  put16(out, frag);
  out.push_back(ttl);
  out.push_back(proto);
  put16(out, 0);
  putBytes(out, addrBytes(src));
  putBytes(out, addrBytes(dst));
  putBytes(out, options);
  uint16_t sum = static_cast<uint16_t>(~onesComplementSum({out.data() + start, ihl}));
  if (corrupt) sum ^= 0x5a5a;
  set16(out, start + 10, sum);
}

void putIpv6Header(Bytes& out, const IpAddr& src, const IpAddr& dst, uint8_t next,
                   size_t payload_len, uint8_t hop_limit) {
  put32(out, 0x60000000u);
  put16(out, static_cast<uint16_t>(payload_len));
  out.push_back(next);
  out.push_back(hop_limit);
  putBytes(out, addrBytes(src));
  putBytes(out, addrBytes(dst));
}

}  // namespace

IpAddr IpAddr::parse(std::string_view text) {
  IpAddr a;
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
  } else {
    std::fprintf(stderr, "packet_builder: bad address literal '%s'\n", s.c_str());
    std::abort();
  }
  return a;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

Mac parseMac(std::string_view text) {
  Mac m{};
  unsigned v[6];
  std::string s(text);
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
    std::fprintf(stderr, "packet_builder: bad MAC '%s'\n", s.c_str());
    std::abort();
  }
  for (int i = 0; i < 6; ++i) m[i] = static_cast<uint8_t>(v[i]);
  return m;
}

uint16_t onesComplementSum(std::span<const uint8_t> data, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

Bytes udpFrame(const UdpFrameSpec& spec, std::span<const uint8_t> payload) {
  Bytes udp;
  put16(udp, spec.sport);
  put16(udp, spec.dport);
  put16(udp, static_cast<uint16_t>(8 + payload.size()));
  put16(udp, 0);
  putBytes(udp, payload);
  const bool v4 = spec.src.family == 4;
  if (spec.udp_checksum || !v4) {
    uint16_t sum = static_cast<uint16_t>(
        ~onesComplementSum(udp, pseudoSum(spec.src, spec.dst, 17, static_cast<uint32_t>(udp.size()))));
    if (sum == 0) sum = 0xffff;
    if (spec.corrupt_udp_checksum) sum ^= 0x0f0f;
    set16(udp, 6, sum);
  }
  Bytes out;
  putEthernet(out, spec.dst_mac, spec.src_mac, spec.vlans, v4 ? kEtherIpv4 : kEtherIpv6);
  if (v4) {
    putIpv4Header(out, spec.src, spec.dst, 17, udp.size(), spec.ttl, spec.ip_id, spec.ipv4_options,
                  0x4000 /* DF */, spec.corrupt_ip_checksum);
  } else {
    putIpv6Header(out, spec.src, spec.dst, 17, udp.size(), spec.ttl);
  }
  putBytes(out, udp);
  return out;
}

Bytes udpFrame(const UdpFrameSpec& spec, std::string_view payload) {
  return udpFrame(spec, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()),
                                                 payload.size()));
}

std::vector<Bytes> fragmentFrame(const Bytes& frame, size_t mtu, uint32_t ident) {
  std::vector<Bytes> out;
  const uint16_t ethertype = get16(frame, 12);
  const Bytes eth(frame.begin(), frame.begin() + 14);
  if (ethertype == kEtherIpv4) {
    const size_t ihl = (frame[14] & 0x0f) * 4u;
    const Bytes header(frame.begin() + 14, frame.begin() + 14 + static_cast<long>(ihl));
    const Bytes data(frame.begin() + 14 + static_cast<long>(ihl), frame.end());
    const size_t chunk = (mtu - ihl) & ~size_t{7};
    for (size_t off = 0; off < data.size(); off += chunk) {
      const size_t n = std::min(chunk, data.size() - off);
      const bool more = off + n < data.size();
      Bytes f = eth;
      const size_t ip = f.size();
      putBytes(f, header);
      set16(f, ip + 2, static_cast<uint16_t>(ihl + n));
      set16(f, ip + 4, static_cast<uint16_t>(ident));
      set16(f, ip + 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8)));
      set16(f, ip + 10, 0);
      set16(f, ip + 10, static_cast<uint16_t>(~onesComplementSum({f.data() + ip, ihl})));
      f.insert(f.end(), data.begin() + static_cast<long>(off), data.begin() + static_cast<long>(off + n));
      out.push_back(std::move(f));
    }
  } else {
    const Bytes fixed(frame.begin() + 14, frame.begin() + 54);
    const uint8_t next = frame[20];
    const Bytes data(frame.begin() + 54, frame.end());
    const size_t chunk = (mtu - 48) & ~size_t{7};
    for (size_t off = 0; off < data.size(); off += chunk) {
      const size_t n = std::min(chunk, data.size() - off);
      const bool more = off + n < data.size();
      Bytes f = eth;
      const size_t ip = f.size();
      putBytes(f, fixed);
      set16(f, ip + 4, static_cast<uint16_t>(8 + n));
      f[ip + 6] = 44;  // Fragment header
      f.push_back(next);
      f.push_back(0);
      put16(f, static_cast<uint16_t>(off | (more ? 1 : 0)));
      put32(f, ident);
      f.insert(f.end(), data.begin() + static_cast<long>(off), data.begin() + static_cast<long>(off + n));
      out.push_back(std::move(f));
    }
  }
  return out;
}

Bytes reassembleFrames(const std::vector<Bytes>& fragments) {
  if (fragments.empty() || fragments[0].size() < 14) return {};
  const bool v4 = get16(fragments[0], 12) == kEtherIpv4;
  const size_t fixed = 14 + (v4 ? 20 : 40);
  Bytes data;
  std::vector<bool> have;
  Bytes first_header;
  uint8_t next_header = 0;
  size_t total = 0;
  bool saw_last = false;
  for (const Bytes& f : fragments) {
    if (f.size() < fixed + (v4 ? 0 : 8)) return {};
    size_t offset, start, length;
    bool more;
    if (v4) {
      const uint16_t frag = get16(f, 14 + 6);
      offset = (frag & 0x1fff) * 8u;
      more = frag & 0x2000;
      start = fixed;
      length = get16(f, 14 + 2) - 20u;
    } else {
      if (f[20] != 44) return {};
      const uint16_t frag = get16(f, 54 + 2);
      offset = frag & 0xfff8;
      more = frag & 1;
      next_header = f[54];
      start = fixed + 8;
      length = get16(f, 18) - 8u;
    }
    if (start + length > f.size()) return {};
    if (offset == 0) first_header.assign(f.begin(), f.begin() + static_cast<long>(fixed));
    if (!more) {
      saw_last = true;
      total = offset + length;
    }
    if (data.size() < offset + length) {
      data.resize(offset + length);
      have.resize(offset + length, false);
    }
    for (size_t i = 0; i < length; ++i) {
      data[offset + i] = f[start + i];
      have[offset + i] = true;
    }
  }
  if (!saw_last || first_header.empty() || data.size() != total) return {};
  for (bool b : have)
    if (!b) return {};
  Bytes out = first_header;
  if (v4) {
    set16(out, 14 + 2, static_cast<uint16_t>(20 + total));
    set16(out, 14 + 6, 0);
    set16(out, 14 + 10, 0);
    set16(out, 14 + 10, static_cast<uint16_t>(~onesComplementSum({out.data() + 14, 20})));
  } else {
    set16(out, 18, static_cast<uint16_t>(total));
    out[20] = next_header;
  }
  putBytes(out, data);
  return out;
}

Bytes icmpUnreachableFrame(const Mac& src_mac, const Mac& dst_mac, const IpAddr& reporter,
                           const IpAddr& to, uint8_t code, const Bytes& quoted_frame,
                           size_t quote_limit) {
  const bool v4 = reporter.family == 4;
  const size_t ip_header = v4 ? 20 : 40;
  const size_t max_quote = (v4 ? 576 : 1280) - ip_header - 8;
  const size_t quote = std::min({quoted_frame.size() - 14, max_quote, quote_limit});
  Bytes icmp;
  icmp.push_back(v4 ? 3 : 1);
  icmp.push_back(code);
  put16(icmp, 0);
  put32(icmp, 0);
  icmp.insert(icmp.end(), quoted_frame.begin() + 14, quoted_frame.begin() + 14 + static_cast<long>(quote));
  const uint32_t initial = v4 ? 0 : pseudoSum(reporter, to, 58, static_cast<uint32_t>(icmp.size()));
  set16(icmp, 2, static_cast<uint16_t>(~onesComplementSum(icmp, initial)));
  Bytes out;
  putEthernet(out, dst_mac, src_mac, {}, v4 ? kEtherIpv4 : kEtherIpv6);
  if (v4) {
    putIpv4Header(out, reporter, to, 1, icmp.size(), 64, 0x4321, {}, 0, false);
  } else {
    putIpv6Header(out, reporter, to, 58, icmp.size(), 64);
  }
  putBytes(out, icmp);
  return out;
}

static Bytes arpFrame(uint16_t op, const Mac& sender_mac, const IpAddr& sender_ip, const Mac& target_mac,
                      const IpAddr& target_ip, const Mac& dst_mac) {
  Bytes out;
  putEthernet(out, dst_mac, sender_mac, {}, kEtherArp);
  put16(out, 1);
  put16(out, kEtherIpv4);
  out.push_back(6);
  out.push_back(4);
  put16(out, op);
  putBytes(out, sender_mac);
  putBytes(out, addrBytes(sender_ip));
  putBytes(out, target_mac);
  putBytes(out, addrBytes(target_ip));
  out.resize(std::max<size_t>(out.size(), 60), 0);
  return out;
}

Bytes arpRequest(const Mac& sender_mac, const IpAddr& sender_ip, const IpAddr& target_ip) {
  return arpFrame(1, sender_mac, sender_ip, Mac{}, target_ip, Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
}

Bytes arpReply(const Mac& sender_mac, const IpAddr& sender_ip, const Mac& target_mac,
               const IpAddr& target_ip) {
  return arpFrame(2, sender_mac, sender_ip, target_mac, target_ip, target_mac);
}

static Bytes icmp6Frame(const Mac& src_mac, const Mac& dst_mac, const IpAddr& src, const IpAddr& dst,
                        const Bytes& body) {
  Bytes icmp = body;
  set16(icmp, 2, static_cast<uint16_t>(
                     ~onesComplementSum(icmp, pseudoSum(src, dst, 58, static_cast<uint32_t>(icmp.size())))));
  Bytes out;
  putEthernet(out, dst_mac, src_mac, {}, kEtherIpv6);
  putIpv6Header(out, src, dst, 58, icmp.size(), 255);
  putBytes(out, icmp);
  return out;
}

Bytes neighbourSolicitation(const Mac& sender_mac, const IpAddr& sender_ip, const IpAddr& target) {
  IpAddr sn = IpAddr::parse("ff02::1:ff00:0");
  sn.bytes[13] = target.bytes[13];
  sn.bytes[14] = target.bytes[14];
  sn.bytes[15] = target.bytes[15];
  const Mac dst{0x33, 0x33, 0xff, target.bytes[13], target.bytes[14], target.bytes[15]};
  Bytes body{135, 0, 0, 0, 0, 0, 0, 0};
  putBytes(body, addrBytes(target));
  body.push_back(1);  // source link-layer address option
  body.push_back(1);
  putBytes(body, sender_mac);
  return icmp6Frame(sender_mac, dst, sender_ip, sn, body);
}

Bytes neighbourAdvertisement(const Mac& sender_mac, const IpAddr& sender_ip, const Mac& dst_mac,
                             const IpAddr& dst_ip, const IpAddr& target) {
  Bytes body{136, 0, 0, 0, 0x60, 0, 0, 0};  // solicited + override
  putBytes(body, addrBytes(target));
  body.push_back(2);  // target link-layer address option
  body.push_back(1);
  putBytes(body, sender_mac);
  return icmp6Frame(sender_mac, dst_mac, sender_ip, dst_ip, body);
}

std::string sipRequest(const SipRequestSpec& s) {
  std::string m = s.method + " " + s.uri + " SIP/2.0\r\n";
  m += "Via: " + s.via + "\r\n";
  for (const auto& v : s.extra_vias) m += "Via: " + v + "\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: " + s.from + "\r\n";
  m += "To: " + s.to + "\r\n";
  if (!s.omit_call_id) m += (s.compact_call_id ? "i: " : "Call-ID: ") + s.call_id + "\r\n";
  m += "CSeq: " + std::to_string(s.cseq) + " " + s.method + "\r\n";
  for (const auto& h : s.extra_headers) m += h + "\r\n";
  m += "Content-Length: " + std::to_string(s.body.size()) + "\r\n\r\n";
  m += s.body;
  return m;
}

std::string sipResponse(const SipRequestSpec& r, int code, std::string_view reason,
                        std::string_view to_tag) {
  std::string m = "SIP/2.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  m += "Via: " + r.via + "\r\n";
  for (const auto& v : r.extra_vias) m += "Via: " + v + "\r\n";
  m += "From: " + r.from + "\r\n";
  m += "To: " + r.to + (to_tag.empty() ? "" : ";tag=" + std::string(to_tag)) + "\r\n";
  m += "Call-ID: " + r.call_id + "\r\n";
  m += "CSeq: " + std::to_string(r.cseq) + " " + r.method + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

DecodedFrame decodeFrame(std::span<const uint8_t> f) {
  DecodedFrame d;
  auto fail = [&](const char* why) {
    d.error = why;
    return d;
  };
  if (f.size() < 14) return fail("short ethernet");
  std::copy_n(f.begin(), 6, d.dst_mac.begin());
  std::copy_n(f.begin() + 6, 6, d.src_mac.begin());
  size_t off = 12;
  uint16_t type = get16(f, off);
  while (type == kEtherVlan) {
    if (f.size() < off + 6) return fail("short vlan");
    d.vlans.push_back(get16(f, off + 2));
    off += 4;
    type = get16(f, off);
  }
  off += 2;
  d.ethertype = type;
  size_t l4 = 0, l4_len = 0;
  if (type == kEtherIpv4) {
    if (f.size() < off + 20) return fail("short ipv4");
    const size_t ihl = (f[off] & 0x0f) * 4u;
    const size_t total = get16(f, off + 2);
    if (f.size() < off + total || total < ihl) return fail("ipv4 length");
    d.ip_checksum_ok = onesComplementSum(f.subspan(off, ihl)) == 0xffff;
    d.ttl = f[off + 8];
    d.protocol = f[off + 9];
    d.src.family = d.dst.family = 4;
    std::copy_n(f.begin() + static_cast<long>(off) + 12, 4, d.src.bytes.begin());
    std::copy_n(f.begin() + static_cast<long>(off) + 16, 4, d.dst.bytes.begin());
    l4 = off + ihl;
    l4_len = total - ihl;
  } else if (type == kEtherIpv6) {
    if (f.size() < off + 40) return fail("short ipv6");
    const size_t plen = get16(f, off + 4);
    if (f.size() < off + 40 + plen) return fail("ipv6 length");
    d.ip_checksum_ok = true;
    d.protocol = f[off + 6];
    d.ttl = f[off + 7];
    d.src.family = d.dst.family = 6;
    std::copy_n(f.begin() + static_cast<long>(off) + 8, 16, d.src.bytes.begin());
    std::copy_n(f.begin() + static_cast<long>(off) + 24, 16, d.dst.bytes.begin());
    l4 = off + 40;
    l4_len = plen;
  } else {
    d.ok = true;
    return d;
  }
  const auto seg = f.subspan(l4, l4_len);
  if (d.protocol == 17) {
    if (seg.size() < 8) return fail("short udp");
    d.sport = get16(seg, 0);
    d.dport = get16(seg, 2);
    const uint16_t ulen = get16(seg, 4);
    if (ulen != seg.size()) return fail("udp length");
    const bool none = d.src.family == 4 && get16(seg, 6) == 0;
    d.l4_checksum_ok = none || onesComplementSum(seg, pseudoSum(d.src, d.dst, 17, ulen)) == 0xffff;
    d.payload.assign(seg.begin() + 8, seg.end());
  } else if (d.protocol == 1 || d.protocol == 58) {
    if (seg.size() < 8) return fail("short icmp");
    d.icmp_type = seg[0];
    d.icmp_code = seg[1];
    const uint32_t initial =
        d.protocol == 58 ? pseudoSum(d.src, d.dst, 58, static_cast<uint32_t>(seg.size())) : 0;
    d.l4_checksum_ok = onesComplementSum(seg, initial) == 0xffff;
    d.payload.assign(seg.begin() + 8, seg.end());
  }
  d.ok = true;
  return d;
}

}  // namespace sipsteer::testing

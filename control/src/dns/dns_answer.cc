#include "dns/dns_answer.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

namespace sipsteer::control {

uint32_t DnsAnswer::minTtl(int type) const {
  uint32_t m = std::numeric_limits<uint32_t>::max();
  bool any = false;
  for (const auto& r : records) {
    if (r.type == type) {
      m = std::min(m, r.ttl);
      any = true;
    }
  }
  return any ? m : 0;
}

namespace {

class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> m) : m_(m) {}
  bool u8(size_t& pos, uint8_t& v) const {
    if (pos + 1 > m_.size()) return false;
    v = m_[pos++];
    return true;
  }
  bool u16(size_t& pos, uint16_t& v) const {
    if (pos + 2 > m_.size()) return false;
    v = static_cast<uint16_t>(m_[pos] << 8 | m_[pos + 1]);
    pos += 2;
    return true;
  }
  bool u32(size_t& pos, uint32_t& v) const {
    if (pos + 4 > m_.size()) return false;
    v = static_cast<uint32_t>(m_[pos]) << 24 | static_cast<uint32_t>(m_[pos + 1]) << 16 |
        static_cast<uint32_t>(m_[pos + 2]) << 8 | m_[pos + 3];
    pos += 4;
    return true;
  }
  // Reads a (possibly compressed) name at `pos`, advancing `pos` past it.
  bool name(size_t& pos, std::string& out) const {
    out.clear();
    size_t p = pos;
    bool jumped = false;
    int hops = 0;
    size_t total = 0;
    for (;;) {
      if (p >= m_.size()) return false;
      uint8_t len = m_[p];
      if ((len & 0xc0) == 0xc0) {
        if (p + 1 >= m_.size()) return false;
        size_t target = static_cast<size_t>(len & 0x3f) << 8 | m_[p + 1];
        // Only backwards, bounded: no loops, no forward tricks.
        if (target >= p || ++hops > 32) return false;
        if (!jumped) pos = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xc0) != 0) return false;  // extended label types: refused
      if (len == 0) {
        if (!jumped) pos = p + 1;
        return true;
      }
      if (p + 1 + len > m_.size()) return false;
      total += len + 1;
      if (total > 255) return false;
      if (!out.empty()) out += '.';
      for (size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(m_[p + 1 + i]);
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      p += 1 + len;
    }
  }
  bool charString(size_t& pos, size_t end, std::string& out) const {
    if (pos >= end) return false;
    uint8_t len = m_[pos];
    if (pos + 1 + len > end) return false;
    out.assign(reinterpret_cast<const char*>(m_.data() + pos + 1), len);
    pos += 1 + len;
    return true;
  }

 private:
  std::span<const uint8_t> m_;
};

}  // namespace

std::expected<DnsAnswer, std::string> readDnsAnswer(std::span<const uint8_t> message) {
  Cursor c(message);
  size_t pos = 0;
  uint16_t id, flags, qd, an, ns, ar;
  if (!c.u16(pos, id) || !c.u16(pos, flags) || !c.u16(pos, qd) || !c.u16(pos, an) || !c.u16(pos, ns) ||
      !c.u16(pos, ar)) {
    return std::unexpected("DNS message shorter than its header");
  }
  if ((flags & 0x8000) == 0) return std::unexpected("DNS message is a query, not a reply");
  DnsAnswer out;
  out.rcode = flags & 0x000f;
  std::string name;
  for (uint16_t i = 0; i < qd; ++i) {
    uint16_t type, klass;
    if (!c.name(pos, name) || !c.u16(pos, type) || !c.u16(pos, klass)) {
      return std::unexpected("DNS question section unreadable");
    }
  }
  for (uint16_t i = 0; i < an; ++i) {
    DnsRecord r;
    uint16_t type, klass, rdlen;
    uint32_t ttl;
    if (!c.name(pos, r.owner) || !c.u16(pos, type) || !c.u16(pos, klass) || !c.u32(pos, ttl) ||
        !c.u16(pos, rdlen)) {
      return std::unexpected("DNS answer record " + std::to_string(i) + " unreadable");
    }
    size_t end = pos + rdlen;
    if (end > message.size()) return std::unexpected("DNS record data runs past the message");
    r.type = type;
    // RFC 2181 8: a TTL with the top bit set is treated as zero.
    r.ttl = (ttl & 0x80000000u) ? 0 : ttl;
    size_t p = pos;
    bool ok = true;
    if (klass != 1) {
      ok = true;  // not IN: skip
      pos = end;
      continue;
    }
    switch (type) {
      case kDnsTypeA:
        ok = rdlen == 4;
        if (ok) {
          r.address.family = SIPSTEER_FAMILY_IPV4;
          std::memcpy(r.address.addr.bytes, message.data() + p, 4);
        }
        break;
      case kDnsTypeAaaa:
        ok = rdlen == 16;
        if (ok) {
          r.address.family = SIPSTEER_FAMILY_IPV6;
          std::memcpy(r.address.addr.bytes, message.data() + p, 16);
        }
        break;
      case kDnsTypeSrv:
        ok = c.u16(p, r.priority) && c.u16(p, r.weight) && c.u16(p, r.port) && c.name(p, r.target) && p == end;
        break;
      case kDnsTypeNaptr:
        ok = c.u16(p, r.order) && c.u16(p, r.preference) && c.charString(p, end, r.flags) &&
             c.charString(p, end, r.service) && c.charString(p, end, r.regexp) && c.name(p, r.target) &&
             p == end;
        break;
      case kDnsTypeCname:
        ok = c.name(p, r.target) && p == end;
        break;
      default:
        pos = end;
        continue;
    }
    if (!ok) return std::unexpected("DNS record " + std::to_string(i) + " (type " + std::to_string(type) + ") malformed");
    pos = end;
    out.records.push_back(std::move(r));
  }
  return out;
}

}  // namespace sipsteer::control

#include "util/net_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <ctime>

#include "util/clock.h"
#include "util/text.h"

namespace sipsteer::control {

int64_t wallSeconds() { return static_cast<int64_t>(::time(nullptr)); }

bool operator<(const NetAddress& a, const NetAddress& b) {
  if (a.family != b.family) return a.family < b.family;
  int c = std::memcmp(a.addr.bytes, b.addr.bytes, 16);
  if (c != 0) return c < 0;
  return a.port < b.port;
}

std::string NetAddress::hostString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == SIPSTEER_FAMILY_IPV4) {
    ::inet_ntop(AF_INET, addr.bytes, buf, sizeof buf);
  } else if (family == SIPSTEER_FAMILY_IPV6) {
    ::inet_ntop(AF_INET6, addr.bytes, buf, sizeof buf);
  } else {
    return "none";
  }
  return buf;
}

std::string NetAddress::toString() const {
  // Appends, not "[" + string: gcc 12 warns falsely (-Wrestrict) on the latter.
  std::string out;
  if (family == SIPSTEER_FAMILY_IPV6) out = '[';
  out += hostString();
  if (family == SIPSTEER_FAMILY_IPV6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

socklen_t NetAddress::toSockaddr(sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof out);
  if (family == SIPSTEER_FAMILY_IPV6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, addr.bytes, 16);
    return sizeof(sockaddr_in6);
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(&out);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  std::memcpy(&sin->sin_addr, addr.bytes, 4);
  return sizeof(sockaddr_in);
}

std::expected<NetAddress, std::string> NetAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
  NetAddress out;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    out.family = SIPSTEER_FAMILY_IPV4;
    std::memcpy(out.addr.bytes, &sin->sin_addr, 4);
    out.port = ntohs(sin->sin_port);
    return out;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    // A v4-mapped source on a dual-stack socket is the IPv4 peer it stands for.
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      out.family = SIPSTEER_FAMILY_IPV4;
      std::memcpy(out.addr.bytes, sin6->sin6_addr.s6_addr + 12, 4);
    } else {
      out.family = SIPSTEER_FAMILY_IPV6;
      std::memcpy(out.addr.bytes, &sin6->sin6_addr, 16);
    }
    out.port = ntohs(sin6->sin6_port);
    return out;
  }
  return std::unexpected("unsupported socket address family " + std::to_string(sa->sa_family));
}

std::expected<NetAddress, std::string> parseIp(std::string_view text) {
  std::string s(text);
  NetAddress out;
  if (::inet_pton(AF_INET, s.c_str(), out.addr.bytes) == 1) {
    out.family = SIPSTEER_FAMILY_IPV4;
    return out;
  }
  if (::inet_pton(AF_INET6, s.c_str(), out.addr.bytes) == 1) {
    out.family = SIPSTEER_FAMILY_IPV6;
    return out;
  }
  return std::unexpected(inQuotes(s) + " is not an IPv4 or IPv6 address");
}

std::expected<NetAddress, std::string> parseAddressPort(std::string_view text,
                                                         uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::unexpected("missing ']' in '" + std::string(text) + "'");
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::unexpected("expected ':port' after ']' in '" + std::string(text) + "'");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = text.rfind(':');
    // More than one colon without brackets is a bare IPv6 address.
    if (colon != std::string_view::npos && text.find(':') == colon) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
  }
  auto ip = parseIp(host);
  if (!ip) return ip;
  if (port_text.empty()) {
    if (default_port == 0) return std::unexpected(std::string(text).insert(0, 1, '\'') + "' needs a port (host:port)");
    ip->port = default_port;
    return ip;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
    return std::unexpected("port '" + std::string(port_text) + "' is not a number 1-65535");
  }
  ip->port = static_cast<uint16_t>(value);
  return ip;
}

}  // namespace sipsteer::control

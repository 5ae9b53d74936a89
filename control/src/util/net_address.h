// An IPv4/IPv6 address plus UDP port as the control plane handles it, with
// conversion to the ABI's network-order union and to sockaddr.
#pragma once

#include <sipsteer/abi/common.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace sipsteer::control {

struct NetAddress {
  uint8_t family = SIPSTEER_FAMILY_NONE;  // SIPSTEER_FAMILY_*
  sipsteer_addr addr{};                   // network order, zero-padded
  uint16_t port = 0;                      // host order

  friend bool operator==(const NetAddress& a, const NetAddress& b) {
    return a.family == b.family && a.port == b.port &&
           __builtin_memcmp(a.addr.bytes, b.addr.bytes, 16) == 0;
  }
  friend bool operator<(const NetAddress& a, const NetAddress& b);

  // "198.18.1.10:5060" or "[fd00:5eed::1]:5060".
  std::string toString() const;
  // The address alone, no port.
  std::string hostString() const;
  socklen_t toSockaddr(sockaddr_storage& out) const;
  static std::expected<NetAddress, std::string> fromSockaddr(const sockaddr* sa, socklen_t len);
};

// Parses an address literal without port ("198.18.1.10", "fd00:5eed::1").
std::expected<NetAddress, std::string> parseIp(std::string_view text);
// Parses "ip:port" / "[ipv6]:port"; `default_port` (if non-zero) applies when
// the port is omitted ("198.18.1.10", "[fd00:5eed::1]").
std::expected<NetAddress, std::string> parseAddressPort(std::string_view text,
                                                         uint16_t default_port = 0);

}  // namespace sipsteer::control

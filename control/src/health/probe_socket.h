// How probes travel: one UDP socket per address family, bound to the
// configured probe source, with IP_RECVERR/IPV6_RECVERR so an ICMP error
// for a probe is read from the socket's error queue (the kernel has already
// matched it to a datagram this socket sent).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <string>

#include "health/health_checker.h"

namespace sipsteer::control {

class ProbeSocket final : public ProbeSender {
 public:
  struct Handlers {
    std::function<void(std::span<const uint8_t> datagram, const NetAddress& from)> on_datagram;
    // `to`: the destination of the probe that drew the error.
    std::function<void(const NetAddress& to, uint8_t icmp_type, uint8_t icmp_code)> on_icmp;
  };
  ProbeSocket() = default;
  ~ProbeSocket() override;
  ProbeSocket(const ProbeSocket&) = delete;
  ProbeSocket& operator=(const ProbeSocket&) = delete;

  // Opens the sockets; an unset source (family NONE) binds the wildcard.
  std::expected<void, std::string> open(const NetAddress& source_v4, const NetAddress& source_v6);
  int fdV4() const { return fd4_; }
  int fdV6() const { return fd6_; }
  // Drains datagrams and the error queue of `fd`.
  void onReadable(int fd, const Handlers& handlers);

  NetAddress localAddress(uint8_t family) const override;
  std::expected<void, std::string> send(const NetAddress& to, const std::string& bytes) override;

 private:
  int fd4_ = -1;
  int fd6_ = -1;
  NetAddress local4_;
  NetAddress local6_;
};

}  // namespace sipsteer::control

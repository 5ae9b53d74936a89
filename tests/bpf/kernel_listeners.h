// The kernel's side of the XDP front tests: a UDP socket bound to a port
// and a TCP socket listening on another, both on one local address, where
// the non-SIP traffic the front passes must arrive.
#pragma once

#include <cstdint>
#include <string>

namespace sipsteer::bpftest {

class KernelListeners {
 public:
  // Non-blocking sockets on addr:udp_port (UDP) and addr:tcp_port (TCP,
  // listening); error() says which step failed, empty when both are ready.
  KernelListeners(const char* addr, uint16_t udp_port, uint16_t tcp_port);
  ~KernelListeners();
  KernelListeners(const KernelListeners&) = delete;
  KernelListeners& operator=(const KernelListeners&) = delete;

  const std::string& error() const { return error_; }
  int udp() const { return udp_; }
  int tcp() const { return tcp_; }

 private:
  // Makes both sockets; the error text, empty on success.
  std::string openSockets(const char* addr, uint16_t udp_port, uint16_t tcp_port);

  int udp_ = -1;
  int tcp_ = -1;
  std::string error_;
};

}  // namespace sipsteer::bpftest

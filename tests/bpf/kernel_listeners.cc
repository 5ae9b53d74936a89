#include "bpf/kernel_listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipsteer::bpftest {

namespace {

std::string failed(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

KernelListeners::KernelListeners(const char* addr, uint16_t udp_port, uint16_t tcp_port) {
  error_ = openSockets(addr, udp_port, tcp_port);
}

std::string KernelListeners::openSockets(const char* addr, uint16_t udp_port, uint16_t tcp_port) {
  udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (udp_ < 0 || tcp_ < 0) return failed("socket");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sa.sin_addr);
  sa.sin_port = htons(udp_port);
  if (bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
    return failed("bind UDP " + std::string(addr) + ":" + std::to_string(udp_port));
  // A rerun of the test must not wait for the last run's TIME_WAIT.
  const int one = 1;
  setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sa.sin_port = htons(tcp_port);
  if (bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
    return failed("bind TCP " + std::string(addr) + ":" + std::to_string(tcp_port));
  if (listen(tcp_, 4) != 0) return failed("listen TCP");
  return "";
}

KernelListeners::~KernelListeners() {
  if (udp_ >= 0) close(udp_);
  if (tcp_ >= 0) close(tcp_);
}

}  // namespace sipsteer::bpftest

#include "health/probe_socket.h"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipsteer::control {

ProbeSocket::~ProbeSocket() {
  if (fd4_ >= 0) ::close(fd4_);
  if (fd6_ >= 0) ::close(fd6_);
}

namespace {

std::expected<int, std::string> openOne(uint8_t family, const NetAddress& source, NetAddress& local) {
  int af = family == SIPSTEER_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  int fd = ::socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  if (af == AF_INET6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
  } else {
    ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  }
  NetAddress bind_to = source;
  if (bind_to.family == SIPSTEER_FAMILY_NONE) bind_to.family = family;
  sockaddr_storage ss;
  socklen_t len = bind_to.toSockaddr(ss);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    std::string err = "bind probe source " + bind_to.toString() + ": " + std::strerror(errno);
    ::close(fd);
    return std::unexpected(err);
  }
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  auto a = NetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  if (a) local = *a;
  return fd;
}

}  // namespace

std::expected<void, std::string> ProbeSocket::open(const NetAddress& source_v4, const NetAddress& source_v6) {
  auto v4 = openOne(SIPSTEER_FAMILY_IPV4, source_v4, local4_);
  if (!v4) return std::unexpected(v4.error());
  fd4_ = *v4;
  auto v6 = openOne(SIPSTEER_FAMILY_IPV6, source_v6, local6_);
  // IPv6 may be disabled on the host; IPv4-only is a working set-up.
  if (v6) fd6_ = *v6;
  else if (source_v6.family != SIPSTEER_FAMILY_NONE) return std::unexpected(v6.error());
  return {};
}

NetAddress ProbeSocket::localAddress(uint8_t family) const {
  return family == SIPSTEER_FAMILY_IPV6 ? local6_ : local4_;
}

std::expected<void, std::string> ProbeSocket::send(const NetAddress& to, const std::string& bytes) {
  int fd = to.family == SIPSTEER_FAMILY_IPV6 ? fd6_ : fd4_;
  if (fd < 0) return std::unexpected("no probe socket for " + to.toString());
  sockaddr_storage ss;
  socklen_t len = to.toSockaddr(ss);
  if (::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    return std::unexpected("sendto " + to.toString() + ": " + std::strerror(errno));
  }
  return {};
}

void ProbeSocket::onReadable(int fd, const Handlers& handlers) {
  // Bounded per wake-up so a flood cannot starve the loop.
  for (int i = 0; i < 256; ++i) {
    uint8_t buf[65536];
    sockaddr_storage from;
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      // ECONNREFUSED etc. signal a pending error: read the error queue.
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // fall through to the error queue
      } else {
        break;
      }
    } else {
      auto a = NetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&from), len);
      if (a && handlers.on_datagram) handlers.on_datagram({buf, static_cast<size_t>(n)}, *a);
      continue;
    }
  }
  for (int i = 0; i < 256; ++i) {
    uint8_t data[512];
    uint8_t control[512];
    sockaddr_storage dst;
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_name = &dst;
    msg.msg_namelen = sizeof dst;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
      bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err ee;
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) continue;
      auto to = NetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&dst), msg.msg_namelen);
      if (to && handlers.on_icmp) handlers.on_icmp(*to, ee.ee_type, ee.ee_code);
    }
  }
}

}  // namespace sipsteer::control

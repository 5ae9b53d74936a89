// The probe socket on real loopback sockets, IPv4 and IPv6: a probe reaches
// the server, its reply comes back with the server's address, and a probe to
// a closed port comes back as ICMP port unreachable through the socket's
// error queue (IP_RECVERR / IPV6_RECVERR) naming the probed address.
#include "health/probe_socket.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sipsteer::control {
namespace {

struct Peer {
  int fd = -1;
  NetAddress address;
  ~Peer() {
    if (fd >= 0) ::close(fd);
  }
};

// A UDP socket bound to `ip` on a port the kernel picks.
std::optional<NetAddress> bindPeer(Peer& p, const std::string& ip) {
  auto a = parseIp(ip);
  if (!a) return std::nullopt;
  p.fd = ::socket(a->family == SIPSTEER_FAMILY_IPV6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  sockaddr_storage ss;
  socklen_t len = a->toSockaddr(ss);
  if (p.fd < 0 || ::bind(p.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return std::nullopt;
  len = sizeof ss;
  ::getsockname(p.fd, reinterpret_cast<sockaddr*>(&ss), &len);
  auto bound = NetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  if (!bound) return std::nullopt;
  p.address = *bound;
  return *bound;
}

bool readable(int fd, int timeout_ms = 2000) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

class ProbeSocketTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string ip = GetParam();
    Peer probe_check;
    if (!bindPeer(probe_check, ip)) GTEST_SKIP() << ip << " is not usable on this host";
    const auto source = parseIp(ip).value();
    const bool v6 = source.family == SIPSTEER_FAMILY_IPV6;
    ASSERT_TRUE(sock.open(v6 ? NetAddress{} : source, v6 ? source : NetAddress{}).has_value());
    fd = v6 ? sock.fdV6() : sock.fdV4();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(sock.localAddress(source.family).hostString(), source.hostString());
  }
  ProbeSocket sock;
  int fd = -1;
};

TEST_P(ProbeSocketTest, ProbeAndReplyTravelWithTheServersAddress) {
  Peer server;
  ASSERT_TRUE(bindPeer(server, GetParam()));
  ASSERT_TRUE(sock.send(server.address, "OPTIONS probe").has_value());
  ASSERT_TRUE(readable(server.fd));
  char buf[64];
  sockaddr_storage from;
  socklen_t len = sizeof from;
  const ssize_t n = ::recvfrom(server.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
  ASSERT_EQ(std::string(buf, n), "OPTIONS probe");
  ASSERT_EQ(::sendto(server.fd, "SIP/2.0 200 OK", 14, 0, reinterpret_cast<sockaddr*>(&from), len), 14);

  ASSERT_TRUE(readable(fd));
  std::string got;
  NetAddress got_from;
  sock.onReadable(fd, {[&](std::span<const uint8_t> d, const NetAddress& f) {
                         got.assign(d.begin(), d.end());
                         got_from = f;
                       },
                       nullptr});
  EXPECT_EQ(got, "SIP/2.0 200 OK");
  EXPECT_EQ(got_from, server.address);
}

TEST_P(ProbeSocketTest, ClosedPortComesBackAsIcmpNamingTheProbedAddress) {
  NetAddress closed;
  {
    Peer gone;
    ASSERT_TRUE(bindPeer(gone, GetParam()));
    closed = gone.address;
  }  // closed: nothing listens there now
  ASSERT_TRUE(sock.send(closed, "OPTIONS probe").has_value());
  ASSERT_TRUE(readable(fd)) << "the error queue makes the socket readable";
  std::optional<NetAddress> to;
  uint8_t type = 0, code = 0;
  sock.onReadable(fd, {nullptr, [&](const NetAddress& t, uint8_t ty, uint8_t co) {
                         to = t;
                         type = ty;
                         code = co;
                       }});
  ASSERT_TRUE(to) << "no ICMP error read from the error queue";
  EXPECT_EQ(*to, closed);
  if (closed.family == SIPSTEER_FAMILY_IPV6) {
    EXPECT_EQ(type, 1);  // ICMPv6 destination unreachable
    EXPECT_EQ(code, 4);  // port unreachable
  } else {
    EXPECT_EQ(type, 3);  // ICMP destination unreachable
    EXPECT_EQ(code, 3);  // port unreachable
  }
}

TEST(ProbeSocketOpenTest, UnbindableSourceIsNamedInTheError) {
  ProbeSocket sock;
  // 198.18.0.0/15 is on no interface of the test host's root namespace.
  auto r = sock.open(parseIp("198.18.255.254").value(), NetAddress{});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("bind probe source 198.18.255.254"), std::string::npos) << r.error();
}

INSTANTIATE_TEST_SUITE_P(Families, ProbeSocketTest, ::testing::Values("127.0.0.1", "::1"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return std::string(param.index == 0 ? "IPv4" : "IPv6");
                         });

}  // namespace
}  // namespace sipsteer::control

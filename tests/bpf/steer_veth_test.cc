// The pure-XDP mode on real veths, not BPF_PROG_TEST_RUN: a client and a
// SIP server in their own namespaces, the test process as the appliance
// with xdp_steer (native) on both of its veths. A request to the VIP is
// NATed to the server, the server's reply is un-NATed back from the VIP.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sipsteer/core/table_builder.h>
#include <sipsteer_bpf/steer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "bpf/bpf_env.h"
#include "bpf/steer_table.h"

namespace sipsteer::bpftest {
namespace {

sockaddr_in ipv4(const char* addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, addr, &sa.sin_addr);
  return sa;
}

// A non-blocking UDP socket bound to addr:port in the current namespace;
// -1 when it cannot be made or bound.
int boundUdpSocket(const char* addr, uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const sockaddr_in sa = ipv4(addr, port);
  if (fd >= 0 && bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A UDP socket bound in namespace `ns` (it stays there after we return).
int udpSocketIn(const std::string& ns, const char* addr, uint16_t port) {
  const int self = open("/proc/self/ns/net", O_RDONLY);
  const int target = open(("/run/netns/" + ns).c_str(), O_RDONLY);
  int fd = -1;
  if (self >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0) {
    fd = boundUdpSocket(addr, port);
    setns(self, CLONE_NEWNET);
  }
  if (self >= 0) close(self);
  if (target >= 0) close(target);
  return fd;
}

struct Datagram {
  std::string data;
  std::string from;
  uint16_t port = 0;
};

bool receive(int fd, Datagram& out, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) != 1) return false;
  char buf[2048];
  sockaddr_in from{};
  socklen_t len = sizeof(from);
  const ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return false;
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text));
  out = {std::string(buf, static_cast<size_t>(n)), text, ntohs(from.sin_port)};
  return true;
}

bool sendTo(int fd, const std::string& data, const char* addr, uint16_t port) {
  const sockaddr_in to = ipv4(addr, port);
  return sendto(fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                sizeof(to)) == static_cast<ssize_t>(data.size());
}

struct Endpoint {
  const char* addr;
  uint16_t port;
};

// Sends `payload` on `sender` to `to` and expects `receiver` to get it
// unchanged within 2 s, from `seen_from`. `leg` names the hop in failures.
// Call through ASSERT_NO_FATAL_FAILURE: a datagram that never arrives ends
// the test.
void expectDelivered(int sender, int receiver, const std::string& payload, Endpoint to,
                     Endpoint seen_from, const std::string& leg) {
  ASSERT_TRUE(sendTo(sender, payload, to.addr, to.port)) << leg;
  Datagram got;
  ASSERT_TRUE(receive(receiver, got, 2000)) << leg << ": never arrived";
  EXPECT_EQ(got.data, payload) << leg;
  EXPECT_EQ(got.from, seen_from.addr) << leg;
  EXPECT_EQ(got.port, seen_from.port) << leg;
}

class SteerVethTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    ASSERT_TRUE(pins_.ok());
    const std::string id = std::to_string(getpid());
    client_ = "sscli" + id;
    server_ = "sssrv" + id;
    const std::string pass = SIPSTEER_TEST_BPF_DIR "/xdp_pass.bpf.o";
    ASSERT_TRUE(sh("ip netns add " + client_ + " && ip netns add " + server_));
    ASSERT_TRUE(sh("sysctl -qw net.ipv4.ip_forward=1"));
    ASSERT_TRUE(sh("ip link add sav0 type veth peer name scv1 && ip link set scv1 netns " + client_));
    ASSERT_TRUE(sh("ip link add sav1 type veth peer name ssv1 && ip link set ssv1 netns " + server_));
    ASSERT_TRUE(sh("ip addr add 198.18.1.254/24 dev sav0 && ip link set sav0 up && "
                   "ip addr add 198.18.2.254/24 dev sav1 && ip link set sav1 up"));
    for (const auto& [ns, dev, addr, gw] :
         {std::tuple{client_, "scv1", "198.18.1.1/24", "198.18.1.254"},
          std::tuple{server_, "ssv1", "198.18.2.1/24", "198.18.2.254"}}) {
      ASSERT_TRUE(sh("ip -n " + ns + " addr add " + addr + " dev " + dev + " && ip -n " + ns +
                     " link set " + dev + " up && ip -n " + ns + " link set lo up && ip -n " + ns +
                     " route add default via " + gw));
      // Veth hands checksums on as CHECKSUM_PARTIAL (offloaded), which an
      // XDP program never sees completed: senders must fill them in, as a
      // real NIC's peer would have.
      ASSERT_TRUE(sh("ip netns exec " + ns + " ethtool -K " + dev + " tx off"));
      ASSERT_TRUE(sh("ip -n " + ns + " link set dev " + dev + " xdpdrv obj " + pass + " sec xdp"))
          << "XDP on the far end (NAPI for redirected frames)";
    }

    bpf::SteerOptions options;
    options.pin_root = pins_.path();
    options.table_bytes = 16 * 1024;
    auto steer = bpf::SteerProgram::load(options);
    ASSERT_TRUE(steer.has_value()) << steer.error().message;
    steer_ = std::move(*steer);
    core::TableSpec spec;
    spec.generation = 1;
    core::PoolSpec pool;
    pool.ring_size = 251;
    pool.servers = {server("198.18.2.1", 1, 1, /*mac_set=*/false)};
    spec.pools = {pool};
    spec.vips = {vip("198.18.0.10", SIPSTEER_MODE_NAT, 0)};
    auto blob = core::buildTable(spec);
    ASSERT_TRUE(blob.has_value()) << blob.error();
    ASSERT_TRUE(steer_->publish(*blob).has_value());
    ASSERT_TRUE(steer_->attach("sav0", bpf::AttachMode::kNative).has_value());
    auto second = bpf::XdpAttachment::attach(steer_->programFd(), "xdp_steer", "sav1",
                                             bpf::AttachMode::kNative);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    server_side_ = std::move(*second);
    // Neighbours resolved (through the XDP program, which passes ARP), so
    // bpf_fib_lookup finds next hops from the first datagram on.
    ASSERT_TRUE(sh("ping -c1 -W2 198.18.1.1 && ping -c1 -W2 198.18.2.1"));
  }

  void TearDown() override {
    (void)server_side_.detach();
    steer_.reset();
    sh("ip link del sav0");
    sh("ip link del sav1");
    sh("ip netns del " + client_);
    sh("ip netns del " + server_);
  }

  TempBpffs pins_;
  std::string client_, server_;
  std::unique_ptr<bpf::SteerProgram> steer_;
  bpf::XdpAttachment server_side_;
};

TEST_F(SteerVethTest, NatDialogThroughTheVip) {
  const int cli = udpSocketIn(client_, "198.18.1.1", 5062);
  const int srv = udpSocketIn(server_, "198.18.2.1", 5060);
  ASSERT_GE(cli, 0);
  ASSERT_GE(srv, 0);
  ASSERT_NO_FATAL_FAILURE(expectDelivered(cli, srv, sipRequest("Call-ID: veth-dialog-1"),
                                          {"198.18.0.10", 5060}, {"198.18.1.1", 5062},
                                          "request to the VIP (nat keeps the client as source)"));
  ASSERT_NO_FATAL_FAILURE(expectDelivered(
      srv, cli, "SIP/2.0 200 OK\r\nCall-ID: veth-dialog-1\r\n\r\n", {"198.18.1.1", 5062},
      {"198.18.0.10", 5060}, "reply to the client (un-NATed: from the VIP)"));
  close(cli);
  close(srv);

  auto counters = steer_->counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ((*counters)[SIPSTEER_XDP_STEERED_NAT], 1u);
  EXPECT_EQ((*counters)[SIPSTEER_XDP_UNNATED], 1u);
  auto drops = steer_->drops();
  ASSERT_TRUE(drops.has_value());
  for (uint64_t d : *drops) EXPECT_EQ(d, 0u);
}

// sipsteerd's OPTIONS probes leave the appliance from its own address and
// come back from the server's address:port, which is in the un-NAT map: the
// reply must reach the appliance unchanged (not from the VIP), or every
// probe of a nat server would be refused as "from another address".
TEST_F(SteerVethTest, ReplyToTheApplianceItselfIsNotUnnated) {
  const int probe = boundUdpSocket("198.18.2.254", 5099);
  ASSERT_GE(probe, 0);
  const int srv = udpSocketIn(server_, "198.18.2.1", 5060);
  ASSERT_GE(srv, 0);
  ASSERT_NO_FATAL_FAILURE(
      expectDelivered(srv, probe, "SIP/2.0 200 OK\r\nCall-ID: probe-1\r\nCSeq: 1 OPTIONS\r\n\r\n",
                      {"198.18.2.254", 5099}, {"198.18.2.1", 5060},
                      "probe reply to the appliance (not rewritten to the VIP)"));
  close(probe);
  close(srv);
  auto counters = steer_->counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ((*counters)[SIPSTEER_XDP_UNNATED], 0u);
}

}  // namespace
}  // namespace sipsteer::bpftest

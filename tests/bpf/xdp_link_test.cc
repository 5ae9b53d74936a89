// sipsteerd's XDP link (control/src/xdp) on a veth in the test's private
// namespaces: the steer publisher hands tables to SteerProgram::publish
// (and refuses what it refuses), an ICMP error arriving on the interface
// comes out of drainEvents() as the event the ICMP policy judges, counters
// are summed, detach() leaves the interface clean, and refusals name the
// program and the interface. The front mode syncs its maps from the table.
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sipsteer/core/table_builder.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "bpf/bpf_env.h"
#include "bpf/steer_table.h"
#include "xdp/xdp_link.h"

namespace sipsteer::control {
namespace {

using bpftest::Ip;
using bpftest::sh;

// Sends a raw Ethernet frame out of `ifname` (it arrives on the veth peer).
bool sendFrame(const std::string& ifname, const bpftest::Frame& frame) {
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return false;
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  to.sll_halen = ETH_ALEN;
  const bool ok = sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) ==
                  static_cast<ssize_t>(frame.size());
  close(fd);
  return ok;
}

bool xdpAttached(const std::string& ifname) { return sh("ip link show dev " + ifname + " | grep -q ' prog/xdp'"); }

class XdpLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(bpftest::enterPrivateNamespaces(), "");
    ASSERT_TRUE(pins_.ok());
    ASSERT_TRUE(sh("ip link add xl0 type veth peer name xl1 && ip link set xl0 up && ip link set xl1 up"));
    config_.mode = XdpMode::kSteer;
    config_.interfaces = {"xl0"};
    config_.attach = XdpAttach::kNative;
    config_.pin_root = pins_.path();
    config_.table_bytes = 64 * 1024;  // memlock is small here
    config_.max_dialogs = 1024;
    config_.max_servers = 64;
  }
  void TearDown() override { sh("ip link del xl0"); }

  std::vector<uint8_t> table(uint64_t generation) {
    auto blob = core::buildTable(bpftest::testTableSpec(generation));
    EXPECT_TRUE(blob.has_value());
    return blob.value_or(std::vector<uint8_t>{});
  }

  bpftest::TempBpffs pins_;
  XdpConfig config_;
};

TEST_F(XdpLinkTest, SteerPublisherAppliesNewerTablesAndRefusesStaleOnes) {
  auto link = openXdpLink(config_);
  ASSERT_TRUE(link.has_value()) << link.error();
  EXPECT_TRUE(xdpAttached("xl0"));
  EXPECT_NE((*link)->describe().find("xdp_steer on xl0 (native)"), std::string::npos) << (*link)->describe();
  TablePublisher& publisher = (*link)->publisher();
  EXPECT_EQ(publisher.name(), "xdp_steer");
  ASSERT_TRUE(publisher.ready());
  auto first = publisher.publish(table(5), 5);
  ASSERT_TRUE(first.has_value()) << first.error();
  auto again = publisher.publish(table(5), 5);
  ASSERT_FALSE(again.has_value()) << "SteerProgram::publish refuses a generation not newer";
  EXPECT_NE(again.error().find("not newer than 5"), std::string::npos) << again.error();
  auto mislabelled = publisher.publish(table(7), 6);
  ASSERT_FALSE(mislabelled.has_value());
  EXPECT_NE(mislabelled.error().find("carries generation 7"), std::string::npos) << mislabelled.error();
  std::vector<uint8_t> corrupt = table(8);
  corrupt.resize(corrupt.size() / 2);
  EXPECT_FALSE(publisher.publish(corrupt, 8).has_value());

  ASSERT_TRUE((*link)->detach().has_value());
  EXPECT_FALSE(xdpAttached("xl0")) << "detach() leaves the interface without XDP";
}

TEST_F(XdpLinkTest, IcmpErrorOnTheWireBecomesAnEventAndACounter) {
  auto link = openXdpLink(config_);
  ASSERT_TRUE(link.has_value()) << link.error();
  ASSERT_TRUE((*link)->publisher().publish(table(1), 1).has_value());
  // Server 198.18.2.2 (id 2, nat pool 0) says port unreachable about a
  // datagram the appliance forwarded to it from a client.
  bpftest::UdpSpec fwd;
  fwd.src = Ip::parse("198.18.1.1");
  fwd.dst = Ip::parse("198.18.2.2");
  fwd.sport = 5062;
  fwd.payload = bpftest::sipRequest("Call-ID: gone");
  const auto icmp = bpftest::icmpUnreachable(Ip::parse("198.18.2.2"), fwd.src, 3, bpftest::udpFrame(fwd));
  ASSERT_TRUE(sendFrame("xl1", icmp));

  pollfd pfd{(*link)->eventFd(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1) << "the event fd becomes readable (what the event loop waits on)";
  std::vector<sipsteer_event> events;
  auto n = (*link)->drainEvents([&](const sipsteer_event& e) { events.push_back(e); });
  ASSERT_TRUE(n.has_value()) << n.error();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, SIPSTEER_EVENT_ICMP_UNREACHABLE);
  EXPECT_EQ(events[0].source, SIPSTEER_EVENT_SOURCE_XDP);
  EXPECT_EQ(events[0].server_id, 2u);

  auto counters = (*link)->counters();
  ASSERT_TRUE(counters.has_value()) << counters.error();
  EXPECT_EQ(counters->program, "steer");
  EXPECT_TRUE(counters->has_drops);
  EXPECT_EQ(counters->counters[SIPSTEER_XDP_ICMP_EVENTS], 1u);
}

TEST_F(XdpLinkTest, RefusalsNameProgramAndInterface) {
  config_.interfaces = {"xl0", "nosuch9"};
  auto link = openXdpLink(config_);
  ASSERT_FALSE(link.has_value());
  EXPECT_NE(link.error().find("xdp_steer"), std::string::npos) << link.error();
  EXPECT_NE(link.error().find("nosuch9"), std::string::npos) << link.error();
  EXPECT_FALSE(xdpAttached("xl0")) << "what was attached before the failure is detached again";

  // Someone else's program is never replaced.
  config_.interfaces = {"xl0"};
  auto first = openXdpLink(config_);
  ASSERT_TRUE(first.has_value()) << first.error();
  auto second = openXdpLink(config_);
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().find("xl0"), std::string::npos) << second.error();

  XdpConfig bad = config_;
  bad.pin_root = "/tmp";
  auto not_bpffs = openXdpLink(bad);
  ASSERT_FALSE(not_bpffs.has_value());
  EXPECT_NE(not_bpffs.error().find("bpffs"), std::string::npos) << not_bpffs.error();
}

TEST_F(XdpLinkTest, FrontSyncsFromTheTableAndAttachesOnlyWhenAsked) {
  config_.mode = XdpMode::kFront;
  config_.interfaces = {};
  config_.front_attach = false;
  {
    auto link = openXdpLink(config_);
    ASSERT_TRUE(link.has_value()) << link.error();
    EXPECT_FALSE(xdpAttached("xl0")) << "DPDK attaches the front itself (xdp_prog=)";
    EXPECT_EQ((*link)->publisher().name(), "xdp_front");
    ASSERT_TRUE((*link)->publisher().publish(table(1), 1).has_value());
    auto counters = (*link)->counters();
    ASSERT_TRUE(counters.has_value()) << counters.error();
    EXPECT_EQ(counters->program, "front");
    EXPECT_FALSE(counters->has_drops);
    EXPECT_NE((*link)->describe().find("xdp_front.bpf.o"), std::string::npos) << (*link)->describe();
  }
  config_.front_attach = true;
  config_.interfaces = {"xl0"};
  auto link = openXdpLink(config_);
  ASSERT_TRUE(link.has_value()) << link.error();
  EXPECT_TRUE(xdpAttached("xl0"));
  ASSERT_TRUE((*link)->publisher().publish(table(2), 2).has_value());
  link->reset();
  EXPECT_FALSE(xdpAttached("xl0")) << "destruction detaches";
}

}  // namespace
}  // namespace sipsteer::control

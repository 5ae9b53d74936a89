// The XDP front under BPF_PROG_TEST_RUN: table-driven fixtures {name, input
// frame, expected verdict, expected counter} including malformed frames, and
// the ICMP watcher's events. An AF_XDP socket on a veth (in the test's own
// network namespace) sits in xsks_map so redirects really resolve.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sipsteer_bpf/front.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/steer_table.h"
#include "bpf/xsk_socket.h"

namespace sipsteer::bpftest {
namespace {

using bpf::FrontOptions;
using bpf::FrontProgram;

constexpr uint32_t kPass = 2, kRedirect = 4;
const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01}, kHostMac{0x02, 0, 0, 0, 0, 0x02},
    kServerMac{0x02, 0, 0, 0, 0, 0x05};

struct FrontFixture {
  const char* name;
  Frame frame;
  uint32_t verdict;
  uint32_t counter;        // enum sipsteer_xdp_counter expected to grow by one
  uint32_t rx_queue = 0;
  bool event = false;      // an ICMP event is expected
};

// A UDP datagram src:5060 -> dst:5060; the frames below bend one field.
UdpSpec datagram(const char* src, const char* dst, std::string payload) {
  UdpSpec s;
  s.src = Ip::parse(src);
  s.dst = Ip::parse(dst);
  s.payload = std::move(payload);
  return s;
}

Frame sipTo(const char* src, const char* dst, uint16_t dport = 5060) {
  UdpSpec s = datagram(src, dst, sipRequest("Call-ID: a84b4c76e66710@pc33.atlanta.example.com"));
  s.dport = dport;
  return udpFrame(s);
}

// A SIP reply from server:sport to dst (nat: the server answers the client
// itself, from its own address).
Frame replyFrom(const char* server, uint16_t sport, const char* dst) {
  UdpSpec s =
      datagram(server, dst, "SIP/2.0 200 OK\r\nCall-ID: nat-reply\r\nCSeq: 1 INVITE\r\n\r\n");
  s.sport = sport;
  return udpFrame(s);
}

// A client's SIP request to the IPv4 VIP with a VLAN tag (-1: none) and
// `ip_options` bytes of IPv4 options: what the front must still recognise.
Frame bentRequestToVip(const char* call_id_line, int vlan, size_t ip_options) {
  UdpSpec s = datagram("198.18.1.1", "198.18.0.10", sipRequest(call_id_line));
  s.vlan = vlan;
  s.ip_options = ip_options;
  return udpFrame(s);
}

Frame truncate(Frame f, size_t n) {
  f.resize(n);
  return f;
}

Frame patched(Frame f, size_t off, uint8_t value) {
  f[off] = value;
  return f;
}

Frame fragment(const char* dst, uint16_t frag) {
  UdpSpec s = datagram("198.18.1.1", dst, "rest of a SIP message");
  s.frag = frag;
  return udpFrame(s);
}

// What a server (198.18.2.1:5060) or the router in front of it says about a
// datagram we forwarded to it.
Frame icmpAbout(const char* reporter, const char* server, uint16_t port, int family = 4) {
  UdpSpec fwd = datagram(family == 4 ? "198.18.0.10" : "fd00:5eed::10", server,
                         sipRequest("Call-ID: forwarded"));
  fwd.dport = port;
  return icmpUnreachable(Ip::parse(reporter), fwd.src, 3, udpFrame(fwd));
}

class FrontTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    ASSERT_TRUE(pins_.ok());
    sh("ip link del sfx0");
    ASSERT_TRUE(sh("ip link add sfx0 numrxqueues 2 numtxqueues 2 type veth peer name sfx1 "
                   "numrxqueues 2 numtxqueues 2 && ip link set sfx0 up && ip link set sfx1 up"));
    ifindex_ = if_nametoindex("sfx0");
    FrontOptions options;
    options.pin_root = pins_.path();
    options.event_ring_bytes = 16 * 1024;
    auto front = FrontProgram::load(options);
    ASSERT_TRUE(front.has_value()) << front.error().message;
    front_ = std::move(*front);
    for (auto ep : {endpoint("198.18.0.10", 5060), endpoint("fd00:5eed::10", 5060),
                    endpoint("198.18.0.10", 0)})
      ASSERT_TRUE(front_->addVip(ep).has_value());
    sipsteer_bpf_server_info info{};
    info.server_id = 7;
    info.generation = 3;
    info.vip = endpoint("198.18.0.10", 5060);  // a nat server: un-NAT by DPDK
    ASSERT_TRUE(front_->addServer(endpoint("198.18.2.1", 5060), info).has_value());
    info.server_id = 8;
    info.vip = endpoint("fd00:5eed::10", 5060);
    ASSERT_TRUE(front_->addServer(endpoint("fd00:5eed::2:1", 5060), info).has_value());
    info.server_id = 9;
    info.vip = {};  // a dsr server: its replies never pass through us
    ASSERT_TRUE(front_->addServer(endpoint("198.18.2.5", 5060), info).has_value());
    // The host: its own address 198.18.0.99 (sipsteerd's probe source) and a
    // route to the clients; forwarding on, so the FIB answers the front.
    ASSERT_TRUE(sh("ip addr add 198.18.0.99/24 dev sfx0 && ip route add 198.18.1.0/24 dev sfx0 && "
                   "ip -6 addr add fd00:5eed::99/64 dev sfx0 nodad && "
                   "ip -6 route add fd00:5eed::1:0/112 dev sfx0 && "
                   "echo 1 > /proc/sys/net/ipv4/conf/sfx0/forwarding && "
                   "echo 1 > /proc/sys/net/ipv6/conf/sfx0/forwarding && "
                   // The IPv6 FIB helper checks the namespace-wide switch
                   // (devconf_all), not the device's: FWD_DISABLED without it.
                   "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding"));
    xsk_ = std::make_unique<XskSocket>("sfx0", 0);
    ASSERT_TRUE(xsk_->ok()) << xsk_->error();
    ASSERT_TRUE(front_->setXsk(0, xsk_->fd()).has_value());
  }
  void TearDown() override {
    front_.reset();
    xsk_.reset();
    sh("ip link del sfx0");
  }

  std::vector<sipsteer_event> drainEvents() {
    std::vector<sipsteer_event> events;
    auto n = front_->pollEvents(0, [&](const sipsteer_event& ev) { events.push_back(ev); });
    EXPECT_TRUE(n.has_value());
    return events;
  }

  TempBpffs pins_;
  uint32_t ifindex_ = 0;
  std::unique_ptr<FrontProgram> front_;
  std::unique_ptr<XskSocket> xsk_;
};

TEST_F(FrontTest, FixturesGiveTheirVerdicts) {
  const Frame sip4 = sipTo("198.18.1.1", "198.18.0.10");
  const std::vector<FrontFixture> fixtures = {
      {"sip_ipv4_to_vip", sip4, kRedirect, SIPSTEER_XDP_REDIRECTED_SIP},
      {"sip_ipv6_to_vip", sipTo("fd00:5eed::1:1", "fd00:5eed::10"), kRedirect,
       SIPSTEER_XDP_REDIRECTED_SIP},
      {"sip_vlan_to_vip", bentRequestToVip("i: vlan-call", /*vlan=*/42, /*ip_options=*/0),
       kRedirect, SIPSTEER_XDP_REDIRECTED_SIP},
      {"sip_ip_options_to_vip_dpdk_counts_it",
       bentRequestToVip("Call-ID: opt", /*vlan=*/-1, /*ip_options=*/8), kRedirect,
       SIPSTEER_XDP_REDIRECTED_SIP},
      {"sip_to_vip_on_queue_without_socket", sip4, kPass, SIPSTEER_XDP_NO_XSK, 1},
      {"udp_to_other_port_of_vip", sipTo("198.18.1.1", "198.18.0.10", 5070), kPass,
       SIPSTEER_XDP_PASSED},
      {"sip_to_host_address", sipTo("198.18.1.1", "198.18.0.99"), kPass, SIPSTEER_XDP_PASSED},
      {"ssh_tcp_to_vip_address",
       ipv4Frame(Ip::parse("198.18.1.1"), Ip::parse("198.18.0.10"), 6, std::vector<uint8_t>(20, 0)),
       kPass, SIPSTEER_XDP_PASSED},
      {"arp_request", arpRequest(), kPass, SIPSTEER_XDP_PASSED},
      // Neighbour resolution stays the kernel's: it answers the clients'
      // solicitations for its own address (their next hop to the VIPs), and
      // a server's ARP reply or advertisement to the host's address is the
      // kernel's answer too (sipsteer-dp's resolver cannot get it; servers
      // need table MACs behind the front, docs/bpf.md "ND behind the front").
      {"ns_for_host_address", testing::neighbourSolicitation(kClientMac, Ip::parse("fd00:5eed::1:1"),
                                                             Ip::parse("fd00:5eed::99")),
       kPass, SIPSTEER_XDP_PASSED},
      {"ns_for_vip_address", testing::neighbourSolicitation(kClientMac, Ip::parse("fd00:5eed::1:1"),
                                                            Ip::parse("fd00:5eed::10")),
       kPass, SIPSTEER_XDP_PASSED},
      {"na_from_nat_server_to_host",
       testing::neighbourAdvertisement(kServerMac, Ip::parse("fd00:5eed::2:1"), kHostMac,
                                       Ip::parse("fd00:5eed::99"), Ip::parse("fd00:5eed::2:1")),
       kPass, SIPSTEER_XDP_PASSED},
      {"arp_reply_from_nat_server_to_host",
       testing::arpReply(kServerMac, Ip::parse("198.18.2.1"), kHostMac, Ip::parse("198.18.0.99")),
       kPass, SIPSTEER_XDP_PASSED},
      {"later_fragment_to_vip_address", fragment("198.18.0.10", 185), kRedirect,
       SIPSTEER_XDP_REDIRECTED_FRAG},
      {"first_fragment_to_vip", fragment("198.18.0.10", 0x2000), kRedirect,
       SIPSTEER_XDP_REDIRECTED_FRAG},
      {"later_fragment_to_host", fragment("198.18.0.99", 185), kPass, SIPSTEER_XDP_PASSED},
      {"truncated_in_ip_header", truncate(sip4, 30), kPass, SIPSTEER_XDP_PASSED},
      {"truncated_in_udp_header", truncate(sip4, 38), kPass, SIPSTEER_XDP_PASSED},
      {"ip_total_length_beyond_frame", patched(sip4, 16, 0xff), kPass, SIPSTEER_XDP_PASSED},
      {"ip_header_length_below_20", patched(sip4, 14, 0x44), kPass, SIPSTEER_XDP_PASSED},
      {"udp_length_beyond_ip", patched(sip4, 38, 0xff), kPass, SIPSTEER_XDP_PASSED},
      {"udp_length_below_8", patched(patched(sip4, 38, 0), 39, 4), kPass, SIPSTEER_XDP_PASSED},
      {"ethernet_runt", truncate(sip4, 14), kPass, SIPSTEER_XDP_PASSED},
      {"icmp_unreachable_about_server", icmpAbout("198.18.2.1", "198.18.2.1", 5060), kRedirect,
       SIPSTEER_XDP_REDIRECTED_SIP, 0, true},
      {"icmp_unreachable_from_router_about_server", icmpAbout("198.18.3.254", "198.18.2.1", 5060),
       kRedirect, SIPSTEER_XDP_REDIRECTED_SIP, 0, true},
      {"icmpv6_unreachable_about_server", icmpAbout("fd00:5eed::2:1", "fd00:5eed::2:1", 5060, 6),
       kRedirect, SIPSTEER_XDP_REDIRECTED_SIP, 0, true},
      {"icmp_unreachable_about_unknown_host", icmpAbout("198.18.2.9", "198.18.2.9", 5060), kPass,
       SIPSTEER_XDP_PASSED},
      {"icmp_unreachable_about_other_port", icmpAbout("198.18.2.1", "198.18.2.1", 22), kPass,
       SIPSTEER_XDP_PASSED},
      {"icmp_unreachable_quote_cut_short",
       truncate(icmpAbout("198.18.2.1", "198.18.2.1", 5060), 14 + 20 + 8 + 20 + 4), kPass,
       SIPSTEER_XDP_PASSED},
      {"icmp_echo_reply_probe",
       ipv4Frame(Ip::parse("198.18.2.1"), Ip::parse("198.18.0.10"), 1,
                 {0, 0, 0xff, 0xff, 0, 1, 0, 1}),
       kPass, SIPSTEER_XDP_PASSED},
      {"nat_server_reply_to_client", replyFrom("198.18.2.1", 5060, "198.18.1.1"), kRedirect,
       SIPSTEER_XDP_REDIRECTED_SIP},
      {"nat_server_probe_reply_to_appliance", replyFrom("198.18.2.1", 5060, "198.18.0.99"), kPass,
       SIPSTEER_XDP_PASSED},
      {"nat_server_reply_to_client_ipv6", replyFrom("fd00:5eed::2:1", 5060, "fd00:5eed::1:1"), kRedirect,
       SIPSTEER_XDP_REDIRECTED_SIP},
      // No route (outside sfx0's fd00:5eed::/64): the FIB is really asked.
      {"nat_server_reply_to_unrouted_ipv6", replyFrom("fd00:5eed::2:1", 5060, "fd00:5eed:1::1"), kPass,
       SIPSTEER_XDP_PASSED},
      {"nat_server_probe_reply_to_appliance_ipv6",
       replyFrom("fd00:5eed::2:1", 5060, "fd00:5eed::99"), kPass, SIPSTEER_XDP_PASSED},
      {"nat_server_other_port_to_client", replyFrom("198.18.2.1", 5070, "198.18.1.1"), kPass,
       SIPSTEER_XDP_PASSED},
      {"dsr_server_reply_to_client", replyFrom("198.18.2.5", 5060, "198.18.1.1"), kPass,
       SIPSTEER_XDP_PASSED},
      {"unknown_source_to_client", replyFrom("198.18.2.9", 5060, "198.18.1.1"), kPass,
       SIPSTEER_XDP_PASSED},
      {"garbage_after_ethernet_ipv4", patched(truncate(sip4, 60), 14, 0x00), kPass,
       SIPSTEER_XDP_PASSED},
  };
  for (const auto& fx : fixtures) {
    SCOPED_TRACE(fx.name);
    auto before = front_->counters();
    ASSERT_TRUE(before.has_value());
    XdpRun run = runXdp(front_->programFd(), fx.frame, ifindex_, fx.rx_queue);
    ASSERT_EQ(run.err, 0);
    EXPECT_EQ(run.verdict, fx.verdict);
    EXPECT_EQ(run.out, fx.frame) << "the front never rewrites a frame";
    auto after = front_->counters();
    ASSERT_TRUE(after.has_value());
    for (uint32_t c = 0; c < SIPSTEER_XDP_COUNTER_COUNT; ++c) {
      const uint64_t want = (c == fx.counter ? 1 : 0) + (fx.event && c == SIPSTEER_XDP_ICMP_EVENTS ? 1 : 0);
      EXPECT_EQ((*after)[c] - (*before)[c], want) << "counter " << c;
    }
    EXPECT_EQ(drainEvents().size(), fx.event ? 1u : 0u);
  }
}

TEST_F(FrontTest, IcmpEventNamesServerReporterAndQuotedDatagram) {
  const Frame icmp = icmpAbout("198.18.3.254", "198.18.2.1", 5060);
  XdpRun run = runXdp(front_->programFd(), icmp, ifindex_, 0);
  ASSERT_EQ(run.err, 0);
  auto events = drainEvents();
  ASSERT_EQ(events.size(), 1u);
  const sipsteer_event& ev = events[0];
  EXPECT_EQ(ev.type, SIPSTEER_EVENT_ICMP_UNREACHABLE);
  EXPECT_EQ(ev.source, SIPSTEER_EVENT_SOURCE_XDP);
  EXPECT_EQ(ev.family, SIPSTEER_FAMILY_IPV4);
  EXPECT_EQ(ev.icmp_type, 3);
  EXPECT_EQ(ev.icmp_code, 3);
  EXPECT_EQ(ev.quoted_proto, 17);
  EXPECT_EQ(ev.server_id, 7u);
  EXPECT_EQ(ev.generation, 3u);
  EXPECT_NE(ev.timestamp_ns, 0u);
  EXPECT_EQ(ev.reporter.v4, endpoint("198.18.3.254", 0).addr.v4);
  EXPECT_EQ(ev.quoted_src.v4, endpoint("198.18.0.10", 0).addr.v4);
  EXPECT_EQ(ev.quoted_dst.v4, endpoint("198.18.2.1", 0).addr.v4);
  EXPECT_EQ(ntohs(ev.quoted_sport), 5060);
  EXPECT_EQ(ntohs(ev.quoted_dport), 5060);
}

TEST_F(FrontTest, RemovedVipIsPassedAgain) {
  const Frame sip4 = sipTo("198.18.1.1", "198.18.0.10");
  EXPECT_EQ(runXdp(front_->programFd(), sip4, ifindex_, 0).verdict, kRedirect);
  ASSERT_TRUE(front_->removeVip(endpoint("198.18.0.10", 5060)).has_value());
  EXPECT_EQ(runXdp(front_->programFd(), sip4, ifindex_, 0).verdict, kPass);
}

TEST_F(FrontTest, SyncFromTableFollowsVipsAndServers) {
  core::TableSpec spec;
  spec.generation = 9;
  core::PoolSpec pool;
  pool.ring_size = 251;
  pool.servers = {server("198.18.6.1", 61, 1), server("198.18.6.2", 62, 2)};
  spec.pools = {pool};
  spec.vips = {vip("198.18.0.20", SIPSTEER_MODE_NAT, 0)};
  auto blob = core::buildTable(spec);
  ASSERT_TRUE(blob.has_value()) << blob.error();
  ASSERT_TRUE(front_->syncFromTable(*blob).has_value());
  EXPECT_EQ(runXdp(front_->programFd(), sipTo("198.18.1.1", "198.18.0.20"), ifindex_, 0).verdict,
            kRedirect);
  EXPECT_EQ(runXdp(front_->programFd(), sipTo("198.18.1.1", "198.18.0.10"), ifindex_, 0).verdict,
            kPass) << "VIPs not in the table are removed";
  EXPECT_EQ(runXdp(front_->programFd(), fragment("198.18.0.20", 185), ifindex_, 0).verdict,
            kRedirect) << "fragments of a table VIP";
  XdpRun run = runXdp(front_->programFd(), icmpAbout("198.18.6.2", "198.18.6.2", 5060), ifindex_, 0);
  EXPECT_EQ(run.verdict, kRedirect);
  auto events = drainEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].server_id, 62u);
  EXPECT_EQ(events[0].generation, 9u);
  EXPECT_EQ(runXdp(front_->programFd(), replyFrom("198.18.6.1", 5060, "198.18.1.1"), ifindex_, 0).verdict,
            kRedirect) << "servers of a nat VIP's pool carry the VIP";
  EXPECT_EQ(runXdp(front_->programFd(), replyFrom("198.18.6.1", 5060, "198.18.0.99"), ifindex_, 0).verdict,
            kPass) << "probe replies to the host";
  EXPECT_EQ(runXdp(front_->programFd(), icmpAbout("198.18.2.1", "198.18.2.1", 5060), ifindex_, 0).verdict,
            kPass) << "servers not in the table are removed";
  EXPECT_TRUE(drainEvents().empty());
}

TEST_F(FrontTest, MapsArePinnedWithTheVersionSuffix) {
  for (const char* name : {SIPSTEER_MAP_NAME(front_vips), SIPSTEER_MAP_NAME(front_servers),
                           SIPSTEER_MAP_NAME(front_events), SIPSTEER_MAP_NAME(front_counters)}) {
    const std::string path = bpf::pinPath(pins_.path(), name);
    EXPECT_TRUE(std::string(name).ends_with(SIPSTEER_PIN_SUFFIX)) << name;
    EXPECT_EQ(access(path.c_str(), F_OK), 0) << path;
  }
}

}  // namespace
}  // namespace sipsteer::bpftest

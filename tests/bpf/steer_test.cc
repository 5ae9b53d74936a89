// The pure-XDP steering program under BPF_PROG_TEST_RUN: fixtures {name,
// input frame, expected output frame, verdict, counted reason}; agreement
// with core::TableView::select (what the DPDK path uses) on many Call-IDs;
// atomic table switches through the publisher.
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gtest/gtest.h>
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/sip_scanner.h>
#include <bpf/bpf.h>
#include <sipsteer_bpf/steer.h>

#include <memory>
#include <random>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/steer_table.h"

namespace sipsteer::bpftest {
namespace {

using bpf::SteerOptions;
using bpf::SteerProgram;

constexpr uint32_t kDrop = 1, kPass = 2, kTx = 3;

struct SteerFixture {
  std::string name;
  Frame in;
  uint32_t verdict;
  Frame out;             // expected frame after the program; empty: unchanged
  int drop_reason = -1;  // SIPSTEER_DROP_* counted once, or none
  int counter = -1;      // SIPSTEER_XDP_* counted once, or none
};

UdpSpec sipSpec(const char* src, const char* dst, const std::string& call_id_line) {
  UdpSpec s;
  s.src = Ip::parse(src);
  s.dst = Ip::parse(dst);
  s.sport = 5062;
  s.payload = sipRequest(call_id_line);
  return s;
}

Ip ipOf(const sipsteer_server& server) {
  Ip ip;
  ip.family = server.family == SIPSTEER_FAMILY_IPV4 ? 4 : 6;
  std::memcpy(ip.bytes.data(), server.addr.bytes, 16);
  return ip;
}

Frame natOut(UdpSpec spec, const sipsteer_server& server) {
  spec.src_mac = spec.dst_mac;
  std::memcpy(spec.dst_mac.data(), server.mac, 6);
  spec.dst = ipOf(server);
  spec.dport = ntohs(server.port);
  spec.ttl -= 1;
  return udpFrame(spec);
}

Frame dsrOut(UdpSpec spec, const sipsteer_server& server) {
  spec.src_mac = spec.dst_mac;
  std::memcpy(spec.dst_mac.data(), server.mac, 6);
  return udpFrame(spec);
}

class SteerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    ASSERT_TRUE(pins_.ok());
    load(SteerOptions{});
    ASSERT_FALSE(HasFatalFailure());
    auto blob = core::buildTable(testTableSpec(1));
    ASSERT_TRUE(blob.has_value()) << blob.error();
    blob_ = std::move(*blob);
    ASSERT_EQ(core::TableView::validate(blob_, view_), SIPSTEER_TABLE_ERR_OK);
    auto published = steer_->publish(blob_);
    ASSERT_TRUE(published.has_value()) << published.error().message;
  }

  void load(SteerOptions options) {
    steer_.reset();
    options.pin_root = pins_.path();
    options.table_bytes = 64 * 1024;
    auto steer = SteerProgram::load(options);
    ASSERT_TRUE(steer.has_value()) << steer.error().message;
    steer_ = std::move(*steer);
  }

  const core::HashKey& key() const {
    return *reinterpret_cast<const core::HashKey*>(view_.header().hash_key);
  }

  const sipsteer_server& expected(uint32_t pool, uint64_t hash) const {
    const uint16_t index = view_.select(pool, hash);
    EXPECT_NE(index, SIPSTEER_SLOT_EMPTY);
    return view_.servers()[index];
  }

  const sipsteer_server& byCallId(uint32_t pool, std::string_view call_id) const {
    return expected(pool, core::hashCallId(key(), call_id));
  }

  // The fallback key: source address (16 bytes) and port (network order).
  const sipsteer_server& bySource(uint32_t pool, const UdpSpec& spec) const {
    std::vector<uint8_t> id(spec.src.bytes.begin(), spec.src.bytes.end());
    if (spec.src.family == 4) std::fill(id.begin() + 4, id.end(), 0);
    id.push_back(static_cast<uint8_t>(spec.sport >> 8));
    id.push_back(static_cast<uint8_t>(spec.sport));
    return expected(pool, core::hashCallId(key(), id));
  }

  void runFixtures(const std::vector<SteerFixture>& fixtures) {
    for (const auto& fx : fixtures) {
      SCOPED_TRACE(fx.name);
      auto drops0 = steer_->drops();
      auto counters0 = steer_->counters();
      ASSERT_TRUE(drops0 && counters0);
      XdpRun run = runXdp(steer_->programFd(), fx.in, 1 /* lo */, 0);
      ASSERT_EQ(run.err, 0);
      EXPECT_EQ(run.verdict, fx.verdict);
      const Frame& want = fx.out.empty() ? fx.in : fx.out;
      if (fx.verdict != kDrop) {  // a dropped frame's bytes go nowhere
        EXPECT_EQ(run.out, want);
      }
      if (run.out.size() > 40 && fx.verdict != kDrop && fx.verdict != kPass) {
        EXPECT_EQ(checksumErrors(run.out), "");
      }
      auto drops1 = steer_->drops();
      auto counters1 = steer_->counters();
      ASSERT_TRUE(drops1 && counters1);
      for (uint32_t r = 0; r < SIPSTEER_DROP_REASON_COUNT; ++r) {
        EXPECT_EQ((*drops1)[r] - (*drops0)[r], static_cast<int>(r) == fx.drop_reason ? 1u : 0u)
            << "drop reason " << r;
      }
      if (fx.counter >= 0) {
        EXPECT_EQ((*counters1)[static_cast<size_t>(fx.counter)] -
                      (*counters0)[static_cast<size_t>(fx.counter)], 1u);
      }
    }
  }

  TempBpffs pins_;
  std::unique_ptr<SteerProgram> steer_;
  std::vector<uint8_t> blob_;
  core::TableView view_;
};

TEST_F(SteerTest, FixturesGiveTheirVerdictsAndFrames) {
  const std::string cid = "a84b4c76e66710@pc33.atlanta.example.com";
  const UdpSpec nat4 = sipSpec("198.18.1.1", "198.18.0.10", "Call-ID: " + cid);
  const UdpSpec dsr4 = sipSpec("198.18.1.1", "198.18.0.11", "Call-ID: " + cid);
  const UdpSpec nat6 = sipSpec("fd00:5eed::1:1", "fd00:5eed::10", "Call-ID: " + cid);
  const UdpSpec compact = sipSpec("198.18.1.1", "198.18.0.10", "i: compact-77");
  const UdpSpec spaced = sipSpec("198.18.1.1", "198.18.0.10", "call-id \t:  spaced-88 \t");
  const UdpSpec nocid = sipSpec("198.18.1.7", "198.18.0.10", "Subject: no call id here");
  const UdpSpec longcid =
      sipSpec("198.18.1.8", "198.18.0.10", "Call-ID: " + std::string(300, 'x'));
  UdpSpec beyond = sipSpec("198.18.1.9", "198.18.0.10", "Call-ID: late");
  beyond.payload = "INVITE sip:b@x SIP/2.0\r\nSubject: " + std::string(2100, 's') +
                   "\r\nCall-ID: late\r\n\r\n";
  UdpSpec garbage = sipSpec("198.18.1.10", "198.18.0.10", "");
  static const char kGarbage[] = "\x00\xff\x13\x37garbage\r\n\r\nCall-ID: after-end\r\n";
  garbage.payload = std::string(kGarbage, sizeof(kGarbage) - 1);
  UdpSpec empty = sipSpec("198.18.1.1", "198.18.0.10", "");
  empty.payload.clear();
  UdpSpec ttl1 = nat4;
  ttl1.ttl = 1;
  UdpSpec opts = nat4;
  opts.ip_options = 4;
  UdpSpec frag = nat4;
  frag.frag = 0x2000;
  UdpSpec later = nat4;
  later.frag = 100;
  const UdpSpec down = sipSpec("198.18.1.1", "198.18.0.12", "Call-ID: " + cid);
  const UdpSpec nomac = sipSpec("198.18.1.1", "198.18.0.13", "Call-ID: " + cid);
  const UdpSpec other = sipSpec("198.18.1.1", "198.18.0.99", "Call-ID: " + cid);
  UdpSpec reply = sipSpec("198.18.2.2", "198.18.1.1", "Call-ID: " + cid);
  reply.sport = 5060;
  reply.dport = 5062;
  UdpSpec unnated = reply;
  unnated.src = Ip::parse("198.18.0.10");
  const Frame nat4_frame = udpFrame(nat4);

  runFixtures({
      {"nat_ipv4_call_id", nat4_frame, kTx, natOut(nat4, byCallId(0, cid)), -1, SIPSTEER_XDP_STEERED_NAT},
      {"dsr_ipv4_call_id", udpFrame(dsr4), kTx, dsrOut(dsr4, byCallId(0, cid)), -1, SIPSTEER_XDP_STEERED_DSR},
      {"nat_ipv6_call_id", udpFrame(nat6), kTx, natOut(nat6, byCallId(1, cid)), -1, SIPSTEER_XDP_STEERED_NAT},
      {"compact_form_i", udpFrame(compact), kTx, natOut(compact, byCallId(0, "compact-77")), -1, SIPSTEER_XDP_STEERED_NAT},
      {"lowercase_name_and_blanks_trimmed", udpFrame(spaced), kTx, natOut(spaced, byCallId(0, "spaced-88")), -1, SIPSTEER_XDP_STEERED_NAT},
      {"no_call_id_falls_back_to_source", udpFrame(nocid), kTx, natOut(nocid, bySource(0, nocid)), -1, SIPSTEER_XDP_CALLID_FALLBACK},
      {"call_id_longer_than_hash_bound", udpFrame(longcid), kTx, natOut(longcid, bySource(0, longcid)), -1, SIPSTEER_XDP_CALLID_FALLBACK},
      {"call_id_beyond_scan_bound", udpFrame(beyond), kTx, natOut(beyond, bySource(0, beyond)), -1, SIPSTEER_XDP_CALLID_FALLBACK},
      {"garbage_sip_call_id_after_header_end", udpFrame(garbage), kTx, natOut(garbage, bySource(0, garbage)), -1, SIPSTEER_XDP_CALLID_FALLBACK},
      {"empty_udp_payload", udpFrame(empty), kDrop, {}, SIPSTEER_DROP_SIP_MALFORMED},
      {"ttl_expires", udpFrame(ttl1), kDrop, {}, SIPSTEER_DROP_IP_TTL_EXPIRED},
      {"ip_options", udpFrame(opts), kDrop, {}, SIPSTEER_DROP_IP_OPTIONS},
      {"first_fragment", udpFrame(frag), kDrop, {}, SIPSTEER_DROP_FRAG_INCOMPLETE},
      {"later_fragment", udpFrame(later), kDrop, {}, SIPSTEER_DROP_FRAG_INCOMPLETE},
      {"pool_without_live_server", udpFrame(down), kDrop, {}, SIPSTEER_DROP_NO_SERVER},
      {"server_mac_unknown_no_route", udpFrame(nomac), kDrop, {}, SIPSTEER_DROP_NO_NEIGHBOUR},
      {"not_a_vip", udpFrame(other), kPass, {}, -1, SIPSTEER_XDP_PASSED},
      {"arp", arpRequest(), kPass, {}, -1, SIPSTEER_XDP_PASSED},
      {"reply_from_nat_server_unnated_then_kernel_routes", udpFrame(reply), kPass, udpFrame(unnated), -1, SIPSTEER_XDP_UNNATED},
      {"truncated_ip_header", Frame(nat4_frame.begin(), nat4_frame.begin() + 30), kDrop, {}, SIPSTEER_DROP_TRUNCATED},
      {"frame_shorter_than_ip_length", Frame(nat4_frame.begin(), nat4_frame.begin() + 38), kDrop, {}, SIPSTEER_DROP_IP_BAD_LENGTH},
      {"udp_header_cut_by_ip_length", [&] { Frame f(nat4_frame.begin(), nat4_frame.begin() + 38); f[16] = 0; f[17] = 24; return f; }(), kDrop, {}, SIPSTEER_DROP_TRUNCATED},
      {"ip_version_garbage", [&] { Frame f = nat4_frame; f[14] = 0x75; return f; }(), kDrop, {}, SIPSTEER_DROP_IP_BAD_HEADER},
      {"ip_length_beyond_frame", [&] { Frame f = nat4_frame; f[16] = 0xff; return f; }(), kDrop, {}, SIPSTEER_DROP_IP_BAD_LENGTH},
      {"udp_length_beyond_ip", [&] { Frame f = nat4_frame; f[38] = 0xff; return f; }(), kDrop, {}, SIPSTEER_DROP_UDP_BAD_LENGTH},
  });
}

TEST_F(SteerTest, IcmpUnreachableAboutANatServerBecomesAnEvent) {
  // The server 198.18.2.2 answers a datagram we forwarded (client ->
  // server) with port unreachable, sent back towards the client.
  UdpSpec fwd = sipSpec("198.18.1.1", "198.18.2.2", "Call-ID: dead");
  fwd.dport = 5060;
  const Frame icmp = icmpUnreachable(Ip::parse("198.18.2.2"), fwd.src, 3, udpFrame(fwd));
  runFixtures({{"icmp_about_nat_server_passes_on", icmp, kPass, {}, -1, SIPSTEER_XDP_ICMP_EVENTS}});
  std::vector<sipsteer_event> events;
  auto n = steer_->pollEvents(0, [&](const sipsteer_event& ev) { events.push_back(ev); });
  ASSERT_TRUE(n.has_value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].server_id, 2u);
  EXPECT_EQ(events[0].icmp_code, 3);
  EXPECT_EQ(events[0].quoted_dst.v4, endpoint("198.18.2.2", 0).addr.v4);
  EXPECT_EQ(events[0].generation, 1u);

  // About an address that is no server of ours: nothing.
  fwd.dst = Ip::parse("198.18.9.9");
  runFixtures({{"icmp_about_stranger", icmpUnreachable(Ip::parse("198.18.9.9"), fwd.src, 3, udpFrame(fwd)),
                kPass, {}, -1, SIPSTEER_XDP_PASSED}});
  events.clear();
  ASSERT_TRUE(steer_->pollEvents(0, [&](const sipsteer_event& ev) { events.push_back(ev); }));
  EXPECT_TRUE(events.empty());
}

// With a route and a neighbour in the kernel, frames without a table MAC
// (un-NATed replies, servers without MAC_SET) go out by bpf_fib_lookup,
// as routed frames: TTL minus one, MACs from the FIB, XDP_REDIRECT.
TEST_F(SteerTest, FibLookupGivesTheNextHopWhenTheTableHasNoMac) {
  constexpr uint32_t kRedirect = 4;
  sh("ip link del sfib0");
  ASSERT_TRUE(sh("sysctl -qw net.ipv4.ip_forward=1"));
  ASSERT_TRUE(sh("ip link add sfib0 type veth peer name sfib1 && ip link set sfib0 up && "
                 "ip link set sfib1 up && ip addr add 198.18.1.254/24 dev sfib0 && "
                 "ip addr add 198.18.5.254/24 dev sfib0 && "
                 "ip neigh replace 198.18.1.1 lladdr 02:00:00:00:00:01 dev sfib0 nud permanent && "
                 "ip neigh replace 198.18.5.1 lladdr 02:00:00:00:05:01 dev sfib0 nud permanent"));
  // The MAC by ioctl: /sys shows the interfaces of the namespace that
  // mounted it, not ours.
  Mac own{};
  {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "sfib0", IFNAMSIZ - 1);
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
    close(fd);
    std::memcpy(own.data(), ifr.ifr_hwaddr.sa_data, 6);
  }
  // A reply from nat server 198.18.2.2 to the client 198.18.1.1.
  UdpSpec reply = sipSpec("198.18.2.2", "198.18.1.1", "Call-ID: fib");
  reply.sport = 5060;
  reply.dport = 5062;
  UdpSpec unnated = reply;
  unnated.src = Ip::parse("198.18.0.10");
  unnated.ttl = 63;
  unnated.src_mac = own;
  unnated.dst_mac = Mac{0x02, 0, 0, 0, 0, 0x01};
  // A request to the VIP whose pool's only server has no MAC in the table.
  const UdpSpec nomac = sipSpec("198.18.1.1", "198.18.0.13", "Call-ID: fib");
  UdpSpec forwarded = nomac;
  forwarded.dst = Ip::parse("198.18.5.1");
  forwarded.dport = 5060;
  forwarded.ttl = 63;
  forwarded.src_mac = own;
  forwarded.dst_mac = Mac{0x02, 0, 0, 0, 5, 0x01};
  runFixtures({
      {"unnat_routed_by_fib", udpFrame(reply), kRedirect, udpFrame(unnated), -1, SIPSTEER_XDP_UNNATED},
      {"server_without_mac_routed_by_fib", udpFrame(nomac), kRedirect, udpFrame(forwarded), -1,
       SIPSTEER_XDP_STEERED_NAT},
  });
  sh("ip link del sfib0");
}

TEST_F(SteerTest, NoCallIdDropsWhenConfiguredTo) {
  SteerOptions options;
  options.no_callid_drop = true;
  load(options);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(steer_->publish(blob_).has_value());
  const UdpSpec nocid = sipSpec("198.18.1.7", "198.18.0.10", "Subject: none");
  runFixtures({{"no_call_id_dropped", udpFrame(nocid), kDrop, {}, SIPSTEER_DROP_SIP_MALFORMED}});
}

TEST_F(SteerTest, NothingIsSteeredBeforeATableIsPublished) {
  load(SteerOptions{});  // fresh maps? no: pinned maps are reused, so unpin first
  steer_->unpin();
  load(SteerOptions{});
  const UdpSpec nat4 = sipSpec("198.18.1.1", "198.18.0.10", "Call-ID: x");
  runFixtures({{"no_table_pass", udpFrame(nat4), kPass, {}, -1, SIPSTEER_XDP_PASSED}});
}

// The same table and Call-IDs give the same server in BPF and in
// core::TableView::select, the function the DPDK path uses.
TEST_F(SteerTest, AgreesWithTableViewSelectOnManyCallIds) {
  std::mt19937_64 rng(5060);
  const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-.@";
  std::array<int, 3> hits{};
  for (int i = 0; i < 1000; ++i) {
    std::string cid;
    const size_t n = 8 + rng() % 120;
    for (size_t k = 0; k < n; ++k) cid.push_back(alphabet[rng() % (sizeof(alphabet) - 1)]);
    const bool six = i % 4 == 3;
    UdpSpec spec = sipSpec(six ? "fd00:5eed::1:1" : "198.18.1.1", six ? "fd00:5eed::10" : "198.18.0.10",
                           (i % 2 ? "i: " : "Call-ID: ") + cid);
    XdpRun run = runXdp(steer_->programFd(), udpFrame(spec), 1, 0);
    ASSERT_EQ(run.verdict, kTx) << cid;
    const sipsteer_server& want = byCallId(six ? 1 : 0, cid);
    const size_t dst = six ? 14 + 24 : 14 + 16;
    ASSERT_EQ(std::memcmp(&run.out[dst], want.addr.bytes, six ? 16 : 4), 0) << cid;
    if (!six) ++hits[static_cast<size_t>(want.server_id - 1)];
  }
  for (int h : hits) EXPECT_GT(h, 100) << "every server of the pool takes dialogs";
}

// End to end against the DPDK path's own parsing: the C++ SIP scanner finds
// the Call-ID, core hashes it and TableView::select picks; BPF must agree on
// every message the scanner accepts.
TEST_F(SteerTest, AgreesWithTheDpdkScannerOnHeaderVariants) {
  const std::vector<std::string> messages = {
      sipRequest("Call-ID: plain-1@host"),
      sipRequest("i: compact-2"),
      sipRequest("call-id: lower-3"),
      sipRequest("CALL-ID:upper-no-space-4"),
      sipRequest("Call-ID:   \tpadded-5@h \t "),
      sipRequest("Call-ID\t: name-blank-6"),
      sipRequest("I: compact-upper-7"),
      "\r\n" + sipRequest("Call-ID: after-keepalive-8"),
      "BYE sip:b@x SIP/2.0\nCall-ID: lf-only-9\nCSeq: 2 BYE\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>;tag=2\nMax-Forwards: 70\n\n",
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:b@x>;tag=2\r\nCall-ID: response-10\r\nCSeq: 1 INVITE\r\n\r\n",
      sipRequest("Call-Info: <http://x>\r\nCall-ID: prefix-trap-11"),
      sipRequest("Call-IDX: not-it\r\nCall-ID: suffix-trap-12"),
  };
  int compared = 0;
  for (const std::string& m : messages) {
    SCOPED_TRACE(m);
    sip::SipMessage parsed;
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(m.data()), m.size());
    sip::ScanOptions options;
    options.want = sip::kWantCallId;
    if (sip::scan(bytes, parsed, options) != sip::ScanError::kOK) continue;
    ++compared;
    UdpSpec spec = sipSpec("198.18.1.1", "198.18.0.11", "");
    spec.payload = m;
    XdpRun run = runXdp(steer_->programFd(), udpFrame(spec), 1, 0);
    ASSERT_EQ(run.verdict, kTx);
    const sipsteer_server& want = byCallId(0, parsed.call_id.in(bytes));
    EXPECT_EQ(0, std::memcmp(&run.out[0], want.mac, 6)) << "Call-ID " << parsed.call_id.in(bytes);
  }
  EXPECT_EQ(compared, static_cast<int>(messages.size())) << "the scanner accepts all of them";
}

TEST_F(SteerTest, PublishSwitchesTablesAndRefusesBadOnes) {
  const std::string cid = "switch-me";
  const UdpSpec nat4 = sipSpec("198.18.1.1", "198.18.0.10", "Call-ID: " + cid);
  const sipsteer_server& first = byCallId(0, cid);
  XdpRun run = runXdp(steer_->programFd(), udpFrame(nat4), 1, 0);
  ASSERT_EQ(run.out, natOut(nat4, first));

  // Generation 2: the server that had this Call-ID goes down.
  core::TableSpec spec = testTableSpec(2);
  for (auto& s : spec.pools[0].servers)
    if (s.server_id == first.server_id) s.state = SIPSTEER_STATE_DOWN;
  auto blob2 = core::buildTable(spec);
  ASSERT_TRUE(blob2.has_value());
  auto stale = core::buildTable(testTableSpec(1));
  EXPECT_FALSE(steer_->publish(*stale).has_value()) << "generation 1 again is stale";
  std::vector<uint8_t> broken = *blob2;
  broken[0] ^= 0xff;
  EXPECT_FALSE(steer_->publish(broken).has_value()) << "bad magic";
  ASSERT_TRUE(steer_->publish(*blob2).has_value());
  EXPECT_EQ(steer_->generation(), 2u);

  core::TableView view2;
  ASSERT_EQ(core::TableView::validate(*blob2, view2), SIPSTEER_TABLE_ERR_OK);
  const sipsteer_server& second =
      view2.servers()[view2.select(0, core::hashCallId(key(), cid))];
  EXPECT_NE(second.server_id, first.server_id);
  run = runXdp(steer_->programFd(), udpFrame(nat4), 1, 0);
  EXPECT_EQ(run.out, natOut(nat4, second));
}

// Dialog affinity, the DPDK path's rule: a known dialog stays on its server
// while that server is LIVE (up or draining), whatever the new ring says; a
// new dialog goes where TableView::select says; a dead server's dialogs move.
TEST_F(SteerTest, DialogsStayOnTheirServerWhileItLives) {
  auto dstServer = [&](const std::string& cid) {
    UdpSpec spec = sipSpec("198.18.1.1", "198.18.0.11", "Call-ID: " + cid);
    XdpRun run = runXdp(steer_->programFd(), udpFrame(spec), 1, 0);
    EXPECT_EQ(run.verdict, kTx);
    return run.out.size() > 6 ? run.out[5] : 0;  // dsr: last MAC byte = server id
  };
  auto publish = [&](core::TableSpec spec, core::TableView& view, std::vector<uint8_t>& blob) {
    auto built = core::buildTable(spec);
    ASSERT_TRUE(built.has_value()) << built.error();
    blob = std::move(*built);
    ASSERT_EQ(core::TableView::validate(blob, view), SIPSTEER_TABLE_ERR_OK);
    ASSERT_TRUE(steer_->publish(blob).has_value());
  };
  auto choice = [&](const core::TableView& view, const std::string& cid) {
    return view.servers()[view.select(0, core::hashCallId(key(), cid))].server_id;
  };

  // Generation 1: 300 dialogs start.
  std::vector<std::string> cids;
  for (int i = 0; i < 300; ++i) cids.push_back("dialog-" + std::to_string(i) + "@affinity");
  std::vector<uint8_t> first(300);
  for (size_t i = 0; i < cids.size(); ++i) {
    first[i] = dstServer(cids[i]);
    ASSERT_EQ(first[i], choice(view_, cids[i]));
  }

  // Generation 2: a fourth server joins; the ring moves some slots to it.
  core::TableSpec spec = testTableSpec(2);
  spec.pools[0].servers.push_back(server("198.18.2.4", 4, 4));
  core::TableView view2;
  std::vector<uint8_t> blob2;
  publish(spec, view2, blob2);
  int moved_in_ring = 0;
  for (size_t i = 0; i < cids.size(); ++i) {
    if (choice(view2, cids[i]) != first[i]) ++moved_in_ring;
    EXPECT_EQ(dstServer(cids[i]), first[i]) << cids[i] << " stays on its server";
  }
  EXPECT_GT(moved_in_ring, 20) << "the new ring would have moved these";
  for (int i = 0; i < 50; ++i) {
    const std::string fresh = "fresh-" + std::to_string(i);
    EXPECT_EQ(dstServer(fresh), choice(view2, fresh)) << "new dialogs follow the ring";
  }

  // Generation 3: server 1 drains: keeps its dialogs, takes no new ones.
  spec.generation = 3;
  spec.pools[0].servers[0].state = SIPSTEER_STATE_DRAINING;
  core::TableView view3;
  std::vector<uint8_t> blob3;
  publish(spec, view3, blob3);
  for (size_t i = 0; i < cids.size(); ++i) EXPECT_EQ(dstServer(cids[i]), first[i]);
  for (int i = 0; i < 100; ++i) {
    EXPECT_NE(dstServer("after-drain-" + std::to_string(i)), 1) << "a draining server takes no new dialog";
  }

  // Generation 4: server 1 is down: its dialogs move where the ring says.
  spec.generation = 4;
  spec.pools[0].servers[0].state = SIPSTEER_STATE_DOWN;
  core::TableView view4;
  std::vector<uint8_t> blob4;
  publish(spec, view4, blob4);
  int moved = 0;
  for (size_t i = 0; i < cids.size(); ++i) {
    const uint8_t now = dstServer(cids[i]);
    if (first[i] == 1) {
      ++moved;
      EXPECT_EQ(now, choice(view4, cids[i])) << cids[i] << " re-steered";
      EXPECT_NE(now, 1);
    } else {
      EXPECT_EQ(now, first[i]) << cids[i] << " unaffected";
    }
  }
  EXPECT_GT(moved, 50);
}

TEST_F(SteerTest, TableLargerThanTheMapIsRefused) {
  core::TableSpec spec = testTableSpec(5);
  spec.pools[0].ring_size = 65537;  // 128 KiB of slots > 64 KiB table map
  auto blob = core::buildTable(spec);
  ASSERT_TRUE(blob.has_value());
  auto published = steer_->publish(*blob);
  ASSERT_FALSE(published.has_value());
  EXPECT_NE(published.error().message.find("exceeds table_bytes"), std::string::npos);
}

TEST_F(SteerTest, UnnatMapFollowsTheTable) {
  // Servers of nat pools are in steer_servers; after a table without
  // 198.18.2.3 its entry is gone.
  auto has = [&](const char* addr) {
    sipsteer_bpf_endpoint key = endpoint(addr, 5060);
    sipsteer_bpf_server_info info{};
    return bpf_map_lookup_elem(steer_->serversFd(), &key, &info) == 0;
  };
  EXPECT_TRUE(has("198.18.2.3"));
  EXPECT_TRUE(has("fd00:5eed::2:1"));
  core::TableSpec spec = testTableSpec(3);
  spec.pools[0].servers.pop_back();
  auto blob = core::buildTable(spec);
  ASSERT_TRUE(blob.has_value());
  ASSERT_TRUE(steer_->publish(*blob).has_value());
  EXPECT_FALSE(has("198.18.2.3"));
  EXPECT_TRUE(has("198.18.2.2"));
}

}  // namespace
}  // namespace sipsteer::bpftest

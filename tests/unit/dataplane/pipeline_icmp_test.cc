// ICMP destination-unreachable from servers: validated against live flows,
// absorbed, re-steer at once; spoofed ones change nothing.
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <arpa/inet.h>

#include <set>

#include "pipeline_family_fixture.h"

namespace sipsteer::dp::testing {
namespace {

using sipsteer::testing::icmpUnreachableFrame;

class PipelineIcmpTest : public PipelineFamilyFixture {
 protected:
  // Sends an INVITE; returns the forwarded frame and the server number.
  std::pair<Bytes, int> invite(const std::string& call_id) {
    SipRequestSpec r;
    r.call_id = call_id;
    const auto out = send(udpFrame(clientFrame(family()), sipRequest(r)));
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return {{}, 0};
    return {out[0].frame, serverNumber(decodeFrame(out[0].frame))};
  }
  // The error server `n`'s kernel sends about `forwarded` (to the client in
  // nat mode: the quoted packet's source).
  Bytes unreachable(int n, const Bytes& forwarded, uint8_t code = 0) {
    const auto d = decodeFrame(forwarded);
    if (code == 0) code = family() == 4 ? 3 : 4;  // port unreachable
    return icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n), d.src, code, forwarded);
  }
  std::vector<sipsteer_event> events() {
    std::vector<sipsteer_event> out;
    sipsteer_event e;
    while (rte_ring_sc_dequeue_elem(events_, &e, sizeof e) == 0) out.push_back(e);
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Families, PipelineIcmpTest, ::testing::Values(4, 6), familyName);

TEST_P(PipelineIcmpTest, ValidatedUnreachableTakesServerDownAndRetransmissionMoves) {
  start(SIPSTEER_MODE_NAT);
  const auto [forwarded, n] = invite("icmp-1");
  ASSERT_NE(n, 0);
  EXPECT_TRUE(send(unreachable(n, forwarded)).empty()) << "absorbed, not passed to the client";
  EXPECT_FALSE(slot_->current()->isLive(static_cast<uint16_t>(serverIndexOf(serverAddr(n)))));
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_ICMP_UNREACH), 1u);
  EXPECT_EQ(counters_->icmp_validated, 1u);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, SIPSTEER_EVENT_ICMP_UNREACHABLE);
  EXPECT_EQ(ev[0].server_id, 100u + static_cast<uint32_t>(n));
  EXPECT_EQ(ev[0].source, SIPSTEER_EVENT_SOURCE_DPDK);
  EXPECT_EQ(ev[0].quoted_dport, htons(5060));
  // The client's T1 retransmission now lands on a live server.
  const auto [again, m] = invite("icmp-1");
  EXPECT_NE(m, 0);
  EXPECT_NE(m, n);
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_RESTEERED), 1u);
  // New dialogs avoid it too.
  for (int i = 0; i < 40; ++i) EXPECT_NE(invite("after-" + std::to_string(i)).second, n);
}

TEST_P(PipelineIcmpTest, UnmatchedIcmpChangesNothing) {
  start(SIPSTEER_MODE_NAT);
  const auto [forwarded, n] = invite("real");
  ASSERT_NE(n, 0);
  // A quote of a packet we never forwarded (other Call-ID).
  SipRequestSpec r;
  r.call_id = "never-seen";
  auto fake = udpFrame(clientFrame(family()), sipRequest(r));
  auto fd = decodeFrame(forwarded);
  sipsteer::testing::UdpFrameSpec s = clientFrame(family());
  s.dst = serverAddr(n);
  const Bytes spoof1 = icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n), fd.src, 3,
                                            udpFrame(s, sipRequest(r)));
  // The right Call-ID, but a client port the dialog never used.
  SipRequestSpec real;
  real.call_id = "real";
  s.sport = 6000;
  const Bytes spoof2 = icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n), fd.src, 3,
                                            udpFrame(s, sipRequest(real)));
  // The right quote, reported by someone who is not the server.
  const Bytes spoof3 = icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n % 3 + 1), fd.src, 3, forwarded);
  // Path MTU discovery (IPv4 code 4) is not a death notice.
  const Bytes pmtu = unreachable(n, forwarded, 4);
  for (const Bytes& f : {spoof1, spoof2, spoof3}) EXPECT_TRUE(send(f).empty());
  if (family() == 4) {
    EXPECT_TRUE(send(pmtu).empty());
  }
  EXPECT_EQ(drops(SIPSTEER_DROP_ICMP_NO_FLOW), family() == 4 ? 4u : 3u);
  EXPECT_TRUE(slot_->current()->isLive(static_cast<uint16_t>(serverIndexOf(serverAddr(n)))));
  EXPECT_EQ(counters_->icmp_validated, 0u);
  for (const auto& e : events()) EXPECT_EQ(e.type, SIPSTEER_EVENT_ICMP_REJECTED);
  EXPECT_EQ(invite("real").second, n);
}

TEST_P(PipelineIcmpTest, TruncatedQuoteIsMalformed) {
  start(SIPSTEER_MODE_NAT);
  const auto [forwarded, n] = invite("short");
  const auto d = decodeFrame(forwarded);
  EXPECT_TRUE(send(icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n), d.src, 3, forwarded, 12)).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_ICMP_MALFORMED), 1u);
}

TEST_P(PipelineIcmpTest, DsrQuoteNamesTheVip) {
  start(SIPSTEER_MODE_DSR);
  const auto [forwarded, n] = invite("dsr-icmp");
  ASSERT_NE(n, 0);
  const auto d = decodeFrame(forwarded);
  EXPECT_TRUE(send(icmpUnreachableFrame(serverMac(n), kPort0Mac, serverAddr(n), d.src, family() == 4 ? 3 : 4,
                                        forwarded))
                  .empty());
  EXPECT_EQ(counters_->icmp_validated, 1u);
  EXPECT_NE(invite("dsr-icmp").second, n);
}

TEST_P(PipelineIcmpTest, AllServersUnreachableMeans503) {
  start(SIPSTEER_MODE_NAT);
  std::set<int> down;
  for (int i = 0; i < 200 && down.size() < 3; ++i) {
    const auto [f, n] = invite("kill-" + std::to_string(i));
    if (n == 0 || down.count(n)) continue;
    send(unreachable(n, f));
    down.insert(n);
  }
  ASSERT_EQ(down.size(), 3u);
  SipRequestSpec r;
  r.call_id = "late";
  const auto out = send(udpFrame(clientFrame(family()), sipRequest(r)));
  ASSERT_EQ(out.size(), 1u);
  const auto d = decodeFrame(out[0].frame);
  const std::string sip(d.payload.begin(), d.payload.end());
  EXPECT_EQ(sip.rfind("SIP/2.0 503", 0), 0u);
}

}  // namespace
}  // namespace sipsteer::dp::testing

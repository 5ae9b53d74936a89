// The pipeline on synthetic mbufs: steering, affinity, rewrite, 503, drops.
#include <rte_mbuf.h>
#include <sipsteer/core/callid_hash.h>

#include <map>
#include <set>

#include "pipeline_family_fixture.h"

namespace sipsteer::dp::testing {
namespace {

class PipelineTest : public PipelineFamilyFixture {
 protected:
  IpAddr vip() const { return IpAddr::parse(family() == 4 ? "198.18.0.10" : "fd00:5eed::10"); }
  IpAddr client() const { return IpAddr::parse(family() == 4 ? "198.18.1.1" : "fd00:5eed::1:1"); }
  Bytes request(const std::string& call_id, const std::string& method = "INVITE", uint16_t sport = 5062) {
    SipRequestSpec r;
    r.method = method;
    r.call_id = call_id;
    return udpFrame(clientFrame(family(), sport), sipRequest(r));
  }
  // Sends and expects exactly one frame out; returns it decoded.
  sipsteer::testing::DecodedFrame forward(const Bytes& frame, uint16_t expect_port = 0, uint16_t rx = 0) {
    const auto out = send(frame, rx);
    EXPECT_EQ(out.size(), 1u);
    if (out.size() != 1) return {};
    EXPECT_EQ(out[0].port, expect_port);
    const auto d = decodeFrame(out[0].frame);
    EXPECT_TRUE(d.ok) << d.error;
    EXPECT_TRUE(d.ip_checksum_ok);
    EXPECT_TRUE(d.l4_checksum_ok);
    return d;
  }
  // The nat spec with every server down, published as spec_: the 503 path.
  void publishEveryServerDown() {
    spec_ = defaultSpec(family(), SIPSTEER_MODE_NAT);
    for (auto& s : spec_.pools[0].servers) s.state = SIPSTEER_STATE_DOWN;
    publish(spec_);
  }
  uint64_t hashOf(const std::string& call_id) const {
    const uint64_t h = core::hashCallId(spec_.hash_key, call_id);
    return h == 0 ? 1 : h;
  }
};

INSTANTIATE_TEST_SUITE_P(Families, PipelineTest, ::testing::Values(4, 6), familyName);

TEST_P(PipelineTest, NoTableYet) {
  EXPECT_TRUE(send(request("a")).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_NO_TABLE), 1u);
}

TEST_P(PipelineTest, NatRewritesDestinationAndKeepsDialogOnOneServer) {
  start(SIPSTEER_MODE_NAT);
  const auto first = forward(request("dialog-1"));
  const int n = serverNumber(first);
  ASSERT_NE(n, 0);
  EXPECT_EQ(first.dst, serverAddr(n));
  EXPECT_EQ(first.src, client());
  EXPECT_EQ(first.dport, 5060);
  EXPECT_EQ(first.src_mac, kPort0Mac);
  EXPECT_EQ(first.ttl, 63);
  for (const char* method : {"ACK", "INFO", "BYE"}) {
    const auto next = forward(request("dialog-1", method));
    EXPECT_EQ(serverNumber(next), n) << method;
  }
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_NEW_DIALOGS], 1u);
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_REQUESTS), 4u);
  const FlowEntry* e = flows_->lookup(hashOf("dialog-1"));
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->flags & kFlowClosing) << "BYE shortens the affinity timeout";
}

// sipsteer_dataplane_affinity_{lookups,hint_misses}_total: a new dialog is
// a hint miss (rte_hash answers: no such dialog); its later requests are
// answered by the hint its insert left.
TEST_P(PipelineTest, AffinityLookupsAndHintMissesAreCounted) {
  start(SIPSTEER_MODE_NAT);
  forward(request("counted-1"));
  EXPECT_EQ(counters_->affinity[SIPSTEER_AFFINITY_LOOKUPS], 1u);
  EXPECT_EQ(counters_->affinity[SIPSTEER_AFFINITY_HINT_MISSES], 1u) << "a new dialog has no hint";
  forward(request("counted-1", "ACK"));
  forward(request("counted-1", "BYE"));
  EXPECT_EQ(counters_->affinity[SIPSTEER_AFFINITY_LOOKUPS], 3u);
  EXPECT_EQ(counters_->affinity[SIPSTEER_AFFINITY_HINT_MISSES], 1u) << "the insert left a hint";
  EXPECT_TRUE(send(request("")).empty()) << "no Call-ID: dropped before any lookup";
  EXPECT_EQ(counters_->affinity[SIPSTEER_AFFINITY_LOOKUPS], 3u);
  EXPECT_EQ(flows_->staleHints(), 0u);
}

TEST_P(PipelineTest, ManyDialogsSpreadOverAllServersAndStick) {
  start(SIPSTEER_MODE_NAT);
  std::map<std::string, int> owner;
  std::map<int, int> per_server;
  for (int i = 0; i < 300; ++i) {
    const std::string id = "spread-" + std::to_string(i);
    owner[id] = serverNumber(forward(request(id)));
    ++per_server[owner[id]];
  }
  EXPECT_EQ(per_server.count(0), 0u);
  for (int s = 1; s <= 3; ++s) EXPECT_GT(per_server[s], 60) << "server " << s;
  for (const auto& [id, s] : owner) EXPECT_EQ(serverNumber(forward(request(id, "BYE"))), s);
}

TEST_P(PipelineTest, BurstsKeepOrderAndAffinity) {
  start(SIPSTEER_MODE_NAT);
  std::vector<Bytes> burst;
  for (int i = 0; i < 20; ++i) burst.push_back(request("burst-" + std::to_string(i)));
  burst.push_back(request("burst-3", "ACK"));  // same dialog, same burst, not yet pinned
  burst.push_back(Bytes(10, 0xff));            // a truncated frame in the middle
  burst.push_back(request("burst-7", "BYE"));
  const auto out = sendBurst(burst);
  ASSERT_EQ(out.size(), 22u);
  EXPECT_EQ(drops(SIPSTEER_DROP_TRUNCATED), 1u);
  std::map<std::string, int> first;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto d = decodeFrame(out[i].frame);
    const std::string sip(d.payload.begin(), d.payload.end());
    const size_t at = sip.find("Call-ID: ");
    ASSERT_NE(at, std::string::npos);
    const std::string id = sip.substr(at + 9, sip.find("\r\n", at) - at - 9);
    if (i < 20) {
      EXPECT_EQ(id, "burst-" + std::to_string(i)) << "order kept";
    }
    const int s = serverNumber(d);
    ASSERT_NE(s, 0);
    if (first.count(id)) {
      EXPECT_EQ(first[id], s) << id;
    }
    first.emplace(id, s);
  }
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_NEW_DIALOGS], 20u);
  // The next burst finds every dialog pinned (bulk lookup hits).
  std::vector<Bytes> again;
  for (int i = 0; i < 20; ++i) again.push_back(request("burst-" + std::to_string(i), "INFO"));
  const auto out2 = sendBurst(again);
  ASSERT_EQ(out2.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(serverNumber(decodeFrame(out2[i].frame)), first["burst-" + std::to_string(i)]);
}

// A datagram whose UDP checksum is wrong is dropped as UDP_BAD_CHECKSUM and
// nothing else, wherever it sits in a burst and whatever its SIP says: no
// SIP error, no request counted, no dialog pinned or touched (also when a
// good packet of the same burst has its Call-ID); the good ones around it
// keep their order. Guards any reordering of the burst's passes (verifying
// the sums after the lookups was tried, see docs/dataplane.md).
TEST_P(PipelineTest, BadUdpChecksumsInABurstAreDroppedAlone) {
  start(SIPSTEER_MODE_NAT);
  auto corrupted = clientFrame(family());
  corrupted.corrupt_udp_checksum = true;
  const auto bad = [&](const std::string& call_id, const std::string& method) {
    SipRequestSpec r;
    r.method = method;
    r.call_id = call_id;
    return udpFrame(corrupted, sipRequest(r));
  };
  const int pinned_server = serverNumber(forward(request("mixed-pinned")));
  ASSERT_NE(pinned_server, 0);
  const FlowEntry* pinned = flows_->lookup(hashOf("mixed-pinned"));
  ASSERT_NE(pinned, nullptr);
  const uint64_t requests = counters_->vips[0][SIPSTEER_VIP_REQUESTS];
  const uint64_t dialogs = counters_->vips[0][SIPSTEER_VIP_NEW_DIALOGS];

  std::vector<Bytes> burst;
  burst.push_back(bad("mixed-new", "INVITE"));  // first in the burst; would pin a dialog
  for (int i = 0; i < 8; ++i) burst.push_back(request("mixed-" + std::to_string(i)));
  burst.push_back(bad("mixed-pinned", "BYE"));                    // would mark the dialog closing
  burst.push_back(udpFrame(corrupted, std::string(300, 'x')));    // not SIP either: still a checksum drop
  burst.push_back(request("mixed-pinned", "INFO"));
  burst.push_back(bad("mixed-3", "INVITE"));  // a dialog a good packet of this burst pins
  burst.push_back(request("mixed-new"));      // the good twin of the first one
  burst.push_back(bad("mixed-last", "INVITE"));
  const auto out = sendBurst(burst);

  ASSERT_EQ(out.size(), 10u);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto d = decodeFrame(out[i].frame);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_TRUE(d.l4_checksum_ok) << i;
    const std::string sip(d.payload.begin(), d.payload.end());
    const std::string want = i < 8 ? "mixed-" + std::to_string(i) : i == 8 ? "mixed-pinned" : "mixed-new";
    EXPECT_NE(sip.find("Call-ID: " + want + "\r\n"), std::string::npos) << "frame " << i << " is " << want;
    if (i == 8) {
      EXPECT_EQ(serverNumber(d), pinned_server);
    }
  }
  EXPECT_EQ(drops(SIPSTEER_DROP_UDP_BAD_CHECKSUM), 5u);
  EXPECT_EQ(drops(SIPSTEER_DROP_SIP_MALFORMED), 0u);
  for (const uint64_t errors : counters_->sip_errors) EXPECT_EQ(errors, 0u);
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_REQUESTS] - requests, 10u);
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_NEW_DIALOGS] - dialogs, 9u);  // mixed-0..7, mixed-new
  EXPECT_EQ(loadRelaxed(pinned->flags) & kFlowClosing, 0) << "the bad BYE did not close the dialog";
  EXPECT_EQ(flows_->lookup(hashOf("mixed-last")), nullptr) << "no dialog for a bad datagram";
  ASSERT_NE(flows_->lookup(hashOf("mixed-new")), nullptr);
}

// A burst's Call-IDs are hashed together (eight per AVX-512 vector where the
// CPU has it) or one by one: either way each dialog is pinned under
// libsodium's hash of its Call-ID, whatever the Call-ID's length and its
// place in the burst (full vectors, a partial one, short tails).
TEST_P(PipelineTest, BatchAndPerPacketCallIdHashesAreLibsodiums) {
  start(SIPSTEER_MODE_NAT);
  for (const bool batch : {true, false}) {
    config_.batch_call_id_hash = batch;
    pipeline_ = std::make_unique<Pipeline>(config_, PipelineShared{slot_.get(), flows_, neighbours_.get(), events_},
                                           counters_);
    std::vector<std::string> ids;
    for (int i = 0; i < 27; ++i) {
      // Lengths 1..~70: under one word, whole words, and between.
      // Built by appending: GCC 12 warns (-Wrestrict, a false positive) on
      // "literal" + std::to_string() in an optimised build.
      std::string id(batch ? "b" : "p");
      id += std::to_string(i);
      id.append(static_cast<size_t>((i * 7) % 64), static_cast<char>('a' + i % 26));
      ids.push_back(id);
    }
    std::vector<Bytes> burst;
    for (const auto& id : ids) burst.push_back(request(id));
    const auto out = sendBurst(burst);
    ASSERT_EQ(out.size(), ids.size()) << "batch " << batch;
    for (size_t i = 0; i < ids.size(); ++i) {
      const FlowEntry* e = flows_->lookup(hashOf(ids[i]));
      ASSERT_NE(e, nullptr) << "batch " << batch << " Call-ID " << ids[i];
      // The frame went to the server the dialog is pinned to (ids 101..103).
      EXPECT_EQ(e->server_id, 100u + static_cast<uint32_t>(serverNumber(decodeFrame(out[i].frame)))) << ids[i];
    }
  }
}

TEST_P(PipelineTest, ServerRepliesAreRewrittenBackToTheVip) {
  useTwoArms();
  start(SIPSTEER_MODE_NAT);
  SipRequestSpec r;
  r.call_id = "reply-1";
  const auto in = forward(udpFrame(clientFrame(family()), sipRequest(r)), 1);
  const int n = serverNumber(in);
  ASSERT_NE(n, 0);
  EXPECT_EQ(in.src_mac, kPort1Mac);
  sipsteer::testing::UdpFrameSpec back;
  back.src_mac = serverMac(n);
  back.dst_mac = kPort1Mac;
  back.src = serverAddr(n);
  back.dst = client();
  back.sport = 5060;
  back.dport = 5062;
  const auto out = forward(udpFrame(back, sipsteer::testing::sipResponse(r, 200, "OK")), 0, 1);
  EXPECT_EQ(out.src, vip());
  EXPECT_EQ(out.sport, 5060);
  EXPECT_EQ(out.dst, client());
  EXPECT_EQ(out.dst_mac, kClientMac);
  EXPECT_EQ(out.src_mac, kPort0Mac);
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_RESPONSES), 1u);
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_RESPONSES], 1u);
  const FlowEntry* e = flows_->lookup(hashOf("reply-1"));
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->flags & kFlowConfirmed);
  EXPECT_EQ(e->pending_since, 0u);
}

TEST_P(PipelineTest, FinalFailureToInviteShortensAffinity) {
  start(SIPSTEER_MODE_NAT);
  SipRequestSpec r;
  r.call_id = "rejected";
  const int n = serverNumber(forward(udpFrame(clientFrame(family()), sipRequest(r))));
  sipsteer::testing::UdpFrameSpec back;
  back.src = serverAddr(n);
  back.dst = client();
  back.dport = 5062;
  forward(udpFrame(back, sipsteer::testing::sipResponse(r, 486, "Busy Here")));
  EXPECT_TRUE(flows_->lookup(hashOf("rejected"))->flags & kFlowClosing);
}

TEST_P(PipelineTest, DsrRewritesMacsOnly) {
  start(SIPSTEER_MODE_DSR);
  const Bytes in = request("dsr-1");
  const auto out = forward(in);
  const int n = serverNumber(out);
  ASSERT_NE(n, 0);
  EXPECT_EQ(out.dst, vip());
  EXPECT_EQ(out.ttl, 64);
  EXPECT_EQ(out.src_mac, kPort0Mac);
  const auto original = decodeFrame(in);
  EXPECT_EQ(out.payload, original.payload);
}

TEST_P(PipelineTest, DeadServerDialogsResteerAndDrainingKeepsThem) {
  start(SIPSTEER_MODE_NAT);
  std::map<std::string, int> owner;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "re-" + std::to_string(i);
    owner[id] = serverNumber(forward(request(id)));
  }
  core::TableSpec next = spec_;
  next.generation = 2;
  next.pools[0].servers[0].state = SIPSTEER_STATE_DOWN;      // server 1 dies
  next.pools[0].servers[1].state = SIPSTEER_STATE_DRAINING;  // server 2 drains
  publish(next);
  int moved = 0;
  for (const auto& [id, s] : owner) {
    const int now_on = serverNumber(forward(request(id, "BYE")));
    if (s == 1) {
      EXPECT_EQ(now_on, 3) << id << ": only server 3 takes new dialogs";
      ++moved;
    } else {
      EXPECT_EQ(now_on, s) << id;
    }
  }
  EXPECT_GT(moved, 0);
  EXPECT_EQ(serverCounter(101, SIPSTEER_SERVER_RESTEERED), static_cast<uint64_t>(moved));
  for (int i = 0; i < 30; ++i) EXPECT_EQ(serverNumber(forward(request("new-" + std::to_string(i)))), 3);
}

TEST_P(PipelineTest, NoLiveServerAnswers503) {
  publishEveryServerDown();
  SipRequestSpec r;
  r.call_id = "nobody-home";
  r.via = "SIP/2.0/UDP 198.18.1.1:5070;branch=z9hG4bK-503";
  const Bytes in = udpFrame(clientFrame(family(), 40000), sipRequest(r));
  const auto out = send(in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 0);
  const auto d = decodeFrame(out[0].frame);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.ip_checksum_ok);
  EXPECT_TRUE(d.l4_checksum_ok);
  EXPECT_EQ(d.src, vip());
  EXPECT_EQ(d.dst, client());
  EXPECT_EQ(d.sport, 5060);
  EXPECT_EQ(d.dport, 5070) << "sent-by port without rport";
  EXPECT_EQ(d.dst_mac, kClientMac);
  const std::string sip(d.payload.begin(), d.payload.end());
  EXPECT_EQ(sip.rfind("SIP/2.0 503 Service Unavailable\r\n", 0), 0u) << sip;
  EXPECT_NE(sip.find("Via: SIP/2.0/UDP 198.18.1.1:5070;branch=z9hG4bK-503\r\n"), std::string::npos);
  EXPECT_NE(sip.find("Call-ID: nobody-home\r\n"), std::string::npos);
  EXPECT_NE(sip.find("CSeq: 1 INVITE\r\n"), std::string::npos);
  EXPECT_NE(sip.find("To: <sip:service@198.18.0.10>;tag="), std::string::npos);
  EXPECT_NE(sip.find("Retry-After: 17\r\n"), std::string::npos);
  EXPECT_EQ(counters_->vips[0][SIPSTEER_VIP_SYNTH_503], 1u);
  // ACK (for the 503 itself) gets nothing back.
  EXPECT_TRUE(send(request("nobody-home", "ACK")).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_NO_SERVER), 1u);
}

TEST_P(PipelineTest, MalformedSipIsCountedByReason) {
  start(SIPSTEER_MODE_NAT);
  SipRequestSpec r;
  r.omit_call_id = true;
  EXPECT_TRUE(send(udpFrame(clientFrame(family()), sipRequest(r))).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_SIP_MALFORMED), 1u);
  EXPECT_EQ(counters_->sip_errors[SIPSTEER_SIP_NO_CALL_ID], 1u);
  std::string garbage(300, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 37 + 11);
  EXPECT_TRUE(send(udpFrame(clientFrame(family()), garbage)).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_SIP_MALFORMED), 2u);
  config_.max_sip_size = 1000;
  pipeline_ = std::make_unique<Pipeline>(config_, PipelineShared{slot_.get(), flows_, neighbours_.get(), events_},
                                         counters_);
  r.omit_call_id = false;
  r.body = std::string(1200, 'b');
  EXPECT_TRUE(send(udpFrame(clientFrame(family()), sipRequest(r))).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_SIP_TOO_LARGE), 1u);
}

// RX checksum offload: the NIC's verdict wins; without one, the software
// check runs unless switched off. What leaves is always the incoming
// checksum updated incrementally, so a corrupted datagram stays detectably
// corrupted for the server even when nobody here verified it.
TEST_P(PipelineTest, ChecksumOffloadFlagsAndTheUdpKnob) {
  start(SIPSTEER_MODE_NAT);
  auto corrupted = clientFrame(family());
  corrupted.corrupt_udp_checksum = true;
  SipRequestSpec r;
  r.call_id = "checksums";
  const Bytes bad = udpFrame(corrupted, sipRequest(r));
  const Bytes good = request("checksums");

  // No NIC verdict, software check on: dropped.
  EXPECT_TRUE(send(bad).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_UDP_BAD_CHECKSUM), 1u);
  // NIC says bad: dropped without looking.
  EXPECT_TRUE(send(good, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_UDP_BAD_CHECKSUM), 2u);
  if (family() == 4) {
    EXPECT_TRUE(send(good, 0, RTE_MBUF_F_RX_IP_CKSUM_BAD).empty());
    EXPECT_EQ(drops(SIPSTEER_DROP_IP_BAD_CHECKSUM), 1u);
  }
  // NIC says good: trusted (the software check would have dropped it), and
  // the forwarded checksum is still wrong, i.e. the corruption stays visible.
  auto out = send(bad, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD);
  ASSERT_EQ(out.size(), 1u);
  auto d = sipsteer::testing::decodeFrame(out[0].frame);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_NE(serverNumber(d), 0) << "steered to a server";
  EXPECT_FALSE(d.l4_checksum_ok);
  EXPECT_TRUE(d.ip_checksum_ok);

  // verify_udp_checksum: false, no NIC verdict: forwarded unverified, with
  // the same guarantee; a correct datagram leaves with a correct checksum.
  config_.verify_udp_checksum = false;
  pipeline_ = std::make_unique<Pipeline>(config_, PipelineShared{slot_.get(), flows_, neighbours_.get(), events_},
                                         counters_);
  out = send(bad);
  ASSERT_EQ(out.size(), 1u);
  d = sipsteer::testing::decodeFrame(out[0].frame);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_FALSE(d.l4_checksum_ok);
  forward(good);  // checks ip_checksum_ok and l4_checksum_ok
  // The NIC's "bad" still drops.
  EXPECT_TRUE(send(good, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_UDP_BAD_CHECKSUM), 3u);
}

TEST_P(PipelineTest, UnresolvedServerMacIsNoNeighbour) {
  spec_ = defaultSpec(family(), SIPSTEER_MODE_NAT);
  publish(spec_);
  EXPECT_TRUE(send(request("no-mac")).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_NO_NEIGHBOUR), 1u);
}

TEST_P(PipelineTest, OtherDestinationsAndTtl) {
  start(SIPSTEER_MODE_NAT);
  auto s = clientFrame(family());
  s.dport = 5080;
  EXPECT_TRUE(send(udpFrame(s, "OPTIONS sip:x SIP/2.0\r\n\r\n")).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_NOT_FOR_US), 1u);
  auto t = clientFrame(family());
  t.ttl = 1;
  SipRequestSpec r;
  EXPECT_TRUE(send(udpFrame(t, sipRequest(r))).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_IP_TTL_EXPIRED), 1u);
}

TEST_P(PipelineTest, UnansweredRequestsAreAPassiveSignal) {
  start(SIPSTEER_MODE_NAT);
  const int n = serverNumber(forward(request("quiet")));
  now_ += 1000;
  forward(request("quiet"));  // retransmission inside the window
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_UNANSWERED), 0u);
  now_ += 1500;
  forward(request("quiet"));  // 2500 ticks without a response > 2000
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_UNANSWERED), 1u);
}

// dsr servers answer clients directly, so the appliance never sees the
// responses: waiting for them would call every healthy dsr server silent.
TEST_P(PipelineTest, DsrRequestsAreNeverCountedUnanswered) {
  start(SIPSTEER_MODE_DSR);
  const int n = serverNumber(forward(request("direct")));
  now_ += 2500;
  forward(request("direct"));  // the same dialog's next request, past the window
  now_ += 2500;
  forward(request("direct"));
  EXPECT_EQ(serverCounter(100 + static_cast<uint32_t>(n), SIPSTEER_SERVER_UNANSWERED), 0u);
}

TEST_P(PipelineTest, LargeInviteIsReassembledSteeredAndForwardedAsFragments) {
  start(SIPSTEER_MODE_NAT);
  SipRequestSpec r;
  r.call_id = "big-invite";
  r.body = std::string(3000, 'v');
  const Bytes whole = udpFrame(clientFrame(family()), sipRequest(r));
  auto frags = sipsteer::testing::fragmentFrame(whole, 1400);
  ASSERT_EQ(frags.size(), 3u);
  std::swap(frags[0], frags[2]);  // out of order on the wire
  std::vector<Bytes> out;
  uint16_t port = 99;
  for (const Bytes& f : frags) {
    for (auto& s : send(f)) {
      out.push_back(s.frame);
      port = s.port;
    }
  }
  ASSERT_EQ(out.size(), 3u) << "forwarded as the fragments it came in as";
  EXPECT_EQ(port, 0);
  int server = 0;
  for (const Bytes& f : out) {
    const auto d = decodeFrame(f);
    EXPECT_TRUE(d.ip_checksum_ok);
    EXPECT_EQ(d.ttl, 63);
    EXPECT_LE(f.size(), 14u + 1400u);
    server = serverNumber(d);
    EXPECT_NE(server, 0);
    EXPECT_EQ(d.dst, serverAddr(server));
  }
  const Bytes joined = sipsteer::testing::reassembleFrames(out);
  ASSERT_FALSE(joined.empty());
  const auto d = decodeFrame(joined);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_TRUE(d.l4_checksum_ok) << "UDP checksum updated for the whole datagram";
  EXPECT_EQ(d.dst, serverAddr(server));
  EXPECT_EQ(std::string(d.payload.begin(), d.payload.end()), sipRequest(r));
  // The dialog is pinned like any other: the ACK goes to the same server.
  EXPECT_EQ(serverNumber(forward(request("big-invite", "ACK"))), server);
}

TEST_P(PipelineTest, FragmentsThatNeverCompleteAreCounted) {
  start(SIPSTEER_MODE_NAT);
  SipRequestSpec r;
  r.body = std::string(2500, 'v');
  const auto frags = sipsteer::testing::fragmentFrame(udpFrame(clientFrame(family()), sipRequest(r)), 1400);
  EXPECT_TRUE(send(frags[0]).empty());
  EXPECT_TRUE(send(frags[1]).empty());
  EXPECT_EQ(drops(SIPSTEER_DROP_FRAG_INCOMPLETE), 0u);
  now_ += 10000;  // past the 5000-tick reassembly timeout
  forward(request("unrelated"));
  EXPECT_EQ(drops(SIPSTEER_DROP_FRAG_INCOMPLETE), 2u);
}

TEST_P(PipelineTest, FragmentedRequestWithoutLiveServerGets503) {
  publishEveryServerDown();
  SipRequestSpec r;
  r.body = std::string(2500, 'v');
  std::vector<Sent> out;
  for (const Bytes& f : sipsteer::testing::fragmentFrame(udpFrame(clientFrame(family()), sipRequest(r)), 1400))
    for (auto& s : send(f)) out.push_back(s);
  ASSERT_EQ(out.size(), 1u);
  const auto d = decodeFrame(out[0].frame);
  EXPECT_TRUE(d.l4_checksum_ok);
  const std::string sip(d.payload.begin(), d.payload.end());
  EXPECT_EQ(sip.rfind("SIP/2.0 503", 0), 0u) << sip;
}

TEST_P(PipelineTest, PortCountersCountEveryFrame) {
  start(SIPSTEER_MODE_NAT);
  forward(request("c1"));
  send(Bytes(10, 0));
  EXPECT_EQ(counters_->ports[0][SIPSTEER_PORT_RX_PACKETS], 2u);
  EXPECT_EQ(drops(SIPSTEER_DROP_TRUNCATED), 1u);
}

}  // namespace
}  // namespace sipsteer::dp::testing

// The health checker with a fake clock (explicit times), a seeded random
// source and a recording sender: scheduling, matching, timeouts, outcomes.
#include "health/health_checker.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace sipsteer::control {
namespace {

struct Sent {
  NetAddress to;
  std::string bytes;
  std::string branch() const {
    auto b = bytes.find("branch=");
    auto e = bytes.find(';', b + 7);
    return bytes.substr(b + 7, e - b - 7);
  }
  std::string callId() const {
    auto b = bytes.find("Call-ID: ");
    return bytes.substr(b + 9, bytes.find("\r\n", b) - b - 9);
  }
};

class RecordingSender : public ProbeSender {
 public:
  NetAddress localAddress(uint8_t) const override { return parseAddressPort("198.18.0.100:5099").value(); }
  std::expected<void, std::string> send(const NetAddress& to, const std::string& bytes) override {
    if (fail) return std::unexpected("no route");
    sent.push_back({to, bytes});
    return {};
  }
  std::vector<Sent> sent;
  bool fail = false;
};

class RecordingListener : public HealthListener {
 public:
  void onTransition(uint32_t id, const Transition& t, Nanos now) override {
    transitions.push_back({id, t, now});
  }
  void onProbeDone(uint32_t, ProbeOutcome o, std::optional<Nanos> rtt, uint16_t) override {
    outcomes.push_back(o);
    if (rtt) rtts.push_back(*rtt);
  }
  void onProbeSent(uint32_t) override { ++sent; }
  void onReject(ProbeReject r) override { rejects.push_back(r); }
  struct T {
    uint32_t id;
    Transition t;
    Nanos at;
  };
  std::vector<T> transitions;
  std::vector<ProbeOutcome> outcomes;
  std::vector<Nanos> rtts;
  std::vector<ProbeReject> rejects;
  int sent = 0;
};

NetAddress addr(const char* s) { return parseAddressPort(s).value(); }

HealthConfig config() {
  HealthConfig h;
  h.interval = 1s;
  h.timeout = 500ms;
  h.jitter = 0.0;
  h.rise = 2;
  h.fall = 3;
  h.failback_hold = 0s;
  h.dirty_host_ttl = 0s;
  return h;
}

class HealthCheckerTest : public ::testing::Test {
 protected:
  // Runs the checker from `from` to `to` in 10 ms ticks, answering every
  // probe to a server in `answering` with `code` after 20 ms.
  void run(Nanos from, Nanos to, std::set<uint32_t> answering = {}, uint16_t code = 200) {
    std::map<Nanos, std::vector<ProbeReply>> due;
    for (Nanos t = from; t <= to; t += 10ms) {
      for (auto& r : due[t]) checker.onReply(r, t);
      due.erase(t);
      size_t before = sender.sent.size();
      checker.poll(t);
      for (size_t i = before; i < sender.sent.size(); ++i) {
        uint32_t id = sender.sent[i].to == a ? 1 : 2;
        if (answering.count(id)) {
          due[t + 20ms].push_back(ProbeReply{sender.sent[i].to, sender.sent[i].branch(), "", code, -1});
        }
      }
    }
  }
  // Polls in 1 ms steps from `t` until a probe leaves; returns that time.
  Nanos untilSent(Nanos t) {
    size_t before = sender.sent.size();
    for (; sender.sent.size() == before; t += 1ms) checker.poll(t);
    return t - 1ms;
  }
  core::SeededRandom random{42};
  RecordingSender sender;
  RecordingListener listener;
  HealthChecker checker{random, sender, listener};
  NetAddress a = addr("198.18.1.10:5060");
  NetAddress b = addr("198.18.1.11:5060");
};

TEST_F(HealthCheckerTest, FirstProbesAreSpreadOverOneInterval) {
  for (uint32_t id = 1; id <= 50; ++id) {
    NetAddress x = a;
    x.port = static_cast<uint16_t>(6000 + id);
    checker.add(id, x, config(), 0s);
  }
  std::set<Nanos> times;
  for (Nanos t = 0s; t < 1s; t += 1ms) {
    size_t before = sender.sent.size();
    checker.poll(t);
    if (sender.sent.size() > before) times.insert(t);
  }
  EXPECT_EQ(sender.sent.size(), 50u);  // every server once in the first interval
  EXPECT_GT(times.size(), 40u);        // and not all on the same tick
}

TEST_F(HealthCheckerTest, EachProbeHasItsOwnBranchAndCallId) {
  checker.add(1, a, config(), 0s);
  run(0s, 5s, {1});
  ASSERT_GE(sender.sent.size(), 5u);
  std::set<std::string> branches, callids;
  for (auto& s : sender.sent) {
    branches.insert(s.branch());
    callids.insert(s.callId());
    EXPECT_EQ(s.bytes.rfind("OPTIONS sip:198.18.1.10:5060 SIP/2.0\r\n", 0), 0u);
    EXPECT_NE(s.bytes.find("Via: SIP/2.0/UDP 198.18.0.100:5099;branch=z9hG4bK"), std::string::npos);
  }
  EXPECT_EQ(branches.size(), sender.sent.size());
  EXPECT_EQ(callids.size(), sender.sent.size());
}

TEST_F(HealthCheckerTest, AnsweredProbeBringsServerUpWithRtt) {
  checker.add(1, a, config(), 0s);
  run(0s, 1s, {1});
  ASSERT_FALSE(listener.transitions.empty());
  EXPECT_EQ(listener.transitions[0].t.to, ServerState::kUp);
  ASSERT_FALSE(listener.rtts.empty());
  EXPECT_EQ(listener.rtts[0], 20ms);
  EXPECT_EQ(checker.snapshot(1)->last_rtt, 20ms);
}

TEST_F(HealthCheckerTest, DeadServerGoesDownAfterFallTimeouts) {
  checker.add(1, a, config(), 0s);
  run(0s, 3s, {1});
  ASSERT_EQ(checker.snapshot(1)->state, ServerState::kUp);
  listener.transitions.clear();
  run(3010ms, 7s, {});  // stops answering at 3 s
  ASSERT_EQ(listener.transitions.size(), 1u);
  EXPECT_EQ(listener.transitions[0].t.to, ServerState::kDown);
  EXPECT_EQ(listener.transitions[0].t.reason, FsmReason::kProbeTimeout);
  // fall (3) probes, each timing out after 500 ms: within fall x interval.
  EXPECT_LE(listener.transitions[0].at, 3s + 3 * 1s + 500ms);
}

TEST_F(HealthCheckerTest, ReplyFromAStrangerIsIgnoredAndCounted) {
  checker.add(1, a, config(), 0s);
  Nanos t = untilSent(0s);
  checker.onReply(ProbeReply{b, sender.sent[0].branch(), "", 200, -1}, t + 1ms);
  ASSERT_EQ(listener.rejects.size(), 1u);
  EXPECT_EQ(listener.rejects[0], ProbeReject::kStranger);
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
  EXPECT_EQ(checker.pendingProbes(), 1u);  // the real reply may still come
}

TEST_F(HealthCheckerTest, UnknownAndLateRepliesMatchNothing) {
  checker.add(1, a, config(), 0s);
  Nanos t = untilSent(0s);
  checker.onReply(ProbeReply{a, "z9hG4bK-forged", "", 200, -1}, t);
  checker.poll(t + 500ms);  // the probe timed out
  ASSERT_EQ(checker.pendingProbes(), 0u);
  checker.onReply(ProbeReply{a, sender.sent[0].branch(), "", 200, -1}, t + 501ms);
  EXPECT_EQ(listener.rejects, (std::vector<ProbeReject>{ProbeReject::kUnknownBranch, ProbeReject::kUnknownBranch}));
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
}

TEST_F(HealthCheckerTest, ProvisionalReplyDoesNotEndTheProbe) {
  checker.add(1, a, config(), 0s);
  Nanos t = untilSent(0s);
  checker.onReply(ProbeReply{a, sender.sent[0].branch(), "", 100, -1}, t + 1ms);
  EXPECT_EQ(checker.pendingProbes(), 1u);
  EXPECT_TRUE(listener.outcomes.empty());
}

TEST_F(HealthCheckerTest, AcceptedCodesDecide) {
  HealthConfig only2xx = config();
  only2xx.accepted_codes = {{200, 299}};
  checker.add(1, a, only2xx, 0s);
  checker.add(2, b, config(), 0s);  // the default list accepts 404
  run(0s, 3s, {1, 2}, 404);
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
  EXPECT_EQ(checker.snapshot(1)->last_outcome, ProbeOutcome::kBadCode);
  EXPECT_EQ(checker.snapshot(1)->last_status, 404);
  EXPECT_EQ(checker.snapshot(2)->state, ServerState::kUp);
}

TEST_F(HealthCheckerTest, BadCodeCountsAsFailure) {
  checker.add(1, a, config(), 0s);
  run(0s, 2s, {1});
  run(2010ms, 6s, {1}, 500);
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
  EXPECT_EQ(listener.transitions.back().t.reason, FsmReason::kProbeBadCode);
}

TEST_F(HealthCheckerTest, RetryAfterTakesServerOutForThatLong) {
  HealthConfig h = config();
  h.dirty_host_ttl = 2s;
  checker.add(1, a, h, 0s);
  run(0s, 2s, {1});
  ASSERT_EQ(checker.snapshot(1)->state, ServerState::kUp);
  // Answer the next probe with 503 + Retry-After: 7.
  Nanos t = untilSent(2010ms);
  checker.onReply(ProbeReply{a, sender.sent.back().branch(), "", 503, 7}, t + 5ms);
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDirty);
  EXPECT_EQ(checker.snapshot(1)->dirty_until, t + 5ms + 7s);
  EXPECT_EQ(listener.transitions.back().t.reason, FsmReason::kRetryAfter);
}

TEST_F(HealthCheckerTest, IcmpOnAProbeFailsItAtOnce) {
  checker.add(1, a, config(), 0s);
  Nanos t = untilSent(0s);
  ASSERT_EQ(checker.pendingProbes(), 1u);
  checker.onProbeIcmp(a, t + 1ms);
  EXPECT_EQ(checker.pendingProbes(), 0u);
  EXPECT_EQ(listener.outcomes.back(), ProbeOutcome::kIcmp);
  checker.onProbeIcmp(b, t + 1ms);  // no probe outstanding to b
  EXPECT_EQ(listener.rejects.back(), ProbeReject::kIcmpNoProbe);
}

TEST_F(HealthCheckerTest, IcmpOnProbesTakesADeadProcessOutInFallRoundTrips) {
  checker.add(1, a, config(), 0s);  // fall = 3
  run(0s, 2s, {1});
  ASSERT_EQ(checker.snapshot(1)->state, ServerState::kUp);
  Nanos t = untilSent(2010ms);
  for (int i = 0; i < 3; ++i) {
    checker.onProbeIcmp(a, t + 1ms);  // port unreachable: the process is gone
    if (i < 2) t = untilSent(t + 1ms);
  }
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
  EXPECT_EQ(listener.transitions.back().t.reason, FsmReason::kProbeIcmp);
  // Three probes within a few re-probe gaps, not three intervals.
  EXPECT_LT(listener.transitions.back().at - 2010ms, 1s);
}

TEST_F(HealthCheckerTest, IcmpSignalSteersAwayAndProbesAtOnce) {
  checker.add(1, a, config(), 0s);
  run(0s, 2s, {1});
  size_t sent_before = sender.sent.size();
  Nanos t = 2010ms;
  run(t, t);  // idle tick: make sure nothing is pending mid-flight
  checker.onIcmpSignal(1, 2020ms);
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kDown);
  EXPECT_TRUE(checker.snapshot(1)->suspect);
  run(2020ms, 2100ms, {1});
  EXPECT_GT(sender.sent.size(), sent_before);  // a confirming probe went out now
  EXPECT_EQ(checker.snapshot(1)->state, ServerState::kUp);  // and it answered
  EXPECT_EQ(listener.transitions.back().t.reason, FsmReason::kIcmpUnconfirmed);
}

TEST_F(HealthCheckerTest, SendErrorIsAFailureNotAHang) {
  checker.add(1, a, config(), 0s);
  sender.fail = true;
  run(0s, 1s);
  EXPECT_EQ(listener.outcomes.back(), ProbeOutcome::kSendError);
  EXPECT_EQ(checker.pendingProbes(), 0u);
}

TEST_F(HealthCheckerTest, RemovedServerIsForgotten) {
  checker.add(1, a, config(), 0s);
  Nanos t = untilSent(0s);
  std::string branch = sender.sent[0].branch();
  checker.remove(1);
  checker.onReply(ProbeReply{a, branch, "", 200, -1}, t + 1ms);
  EXPECT_EQ(listener.rejects.back(), ProbeReject::kUnknownBranch);
  EXPECT_EQ(checker.nextDeadline(), Nanos::max());
}

}  // namespace
}  // namespace sipsteer::control

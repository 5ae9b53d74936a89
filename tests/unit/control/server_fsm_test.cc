// The server state machine, tick by tick with explicit times (no clock).
#include "fsm/server_fsm.h"

#include <gtest/gtest.h>

namespace sipsteer::control {
namespace {

HealthConfig config() {
  HealthConfig h;
  h.rise = 3;
  h.fall = 2;
  h.dirty_host_ttl = 10s;
  h.dirty_host_ttl_max = 40s;
  h.failback_hold = 5s;
  h.retry_after_max = 60s;
  return h;
}

// An UP server at t=0.
ServerFsm upServer() {
  ServerFsm f(config(), 0s);
  EXPECT_TRUE(f.onProbeSuccess(0s).has_value());
  EXPECT_EQ(f.state(), ServerState::kUp);
  return f;
}

TEST(ServerFsmTest, NewServerIsDownUntilFirstProbeAnswers) {
  ServerFsm f(config(), 0s);
  EXPECT_EQ(f.state(), ServerState::kDown);
  auto t = f.onProbeSuccess(1s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, ServerState::kDown);
  EXPECT_EQ(t->to, ServerState::kUp);
  EXPECT_EQ(t->reason, FsmReason::kInitialProbeOk);
}

TEST(ServerFsmTest, NewServerFailingFirstProbeStaysDownAndNeedsRise) {
  ServerFsm f(config(), 0s);
  EXPECT_FALSE(f.onProbeFailure(1s, ProbeFailure::kTimeout));
  EXPECT_FALSE(f.onProbeSuccess(2s));
  EXPECT_FALSE(f.onProbeSuccess(3s));
  EXPECT_EQ(f.state(), ServerState::kDown);
}

TEST(ServerFsmTest, DownAfterFallTimeoutsThenDirty) {
  ServerFsm f = upServer();
  EXPECT_FALSE(f.onProbeFailure(2s, ProbeFailure::kTimeout));
  EXPECT_EQ(f.state(), ServerState::kUp);
  auto t = f.onProbeFailure(4s, ProbeFailure::kTimeout);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDirty);
  EXPECT_EQ(t->reason, FsmReason::kProbeTimeout);
  EXPECT_EQ(f.dirtyUntil(), 14s);
}

TEST(ServerFsmTest, SuccessBetweenFailuresResetsTheCount) {
  ServerFsm f = upServer();
  EXPECT_FALSE(f.onProbeFailure(2s, ProbeFailure::kBadCode));
  EXPECT_FALSE(f.onProbeSuccess(4s));
  EXPECT_FALSE(f.onProbeFailure(6s, ProbeFailure::kBadCode));
  EXPECT_EQ(f.state(), ServerState::kUp);
  auto t = f.onProbeFailure(8s, ProbeFailure::kBadCode);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, FsmReason::kProbeBadCode);
}

TEST(ServerFsmTest, QuarantineIgnoresSuccessesThenRiseThenHold) {
  ServerFsm f = upServer();
  f.onProbeFailure(1s, ProbeFailure::kTimeout);
  f.onProbeFailure(2s, ProbeFailure::kTimeout);  // dirty until 12s
  for (int s = 3; s < 12; ++s) {
    EXPECT_FALSE(f.onProbeSuccess(Nanos(std::chrono::seconds(s))));
    EXPECT_FALSE(f.tick(Nanos(std::chrono::seconds(s))));
  }
  EXPECT_EQ(f.nextDeadline(11s), 12s);
  auto t = f.tick(12s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDown);
  EXPECT_EQ(t->reason, FsmReason::kDirtyExpired);
  EXPECT_FALSE(f.onProbeSuccess(13s));
  EXPECT_FALSE(f.onProbeSuccess(14s));
  EXPECT_FALSE(f.onProbeSuccess(15s));  // rise reached: hold starts, still down
  EXPECT_TRUE(f.recovering());
  EXPECT_EQ(f.state(), ServerState::kDown);
  EXPECT_EQ(f.nextDeadline(15s), 20s);
  EXPECT_FALSE(f.tick(19s));
  t = f.tick(20s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kUp);
  EXPECT_EQ(t->reason, FsmReason::kHoldDone);
}

TEST(ServerFsmTest, FailureDuringHoldRestartsRecovery) {
  ServerFsm f = upServer();
  f.onProbeFailure(1s, ProbeFailure::kTimeout);
  f.onProbeFailure(2s, ProbeFailure::kTimeout);
  f.tick(12s);
  f.onProbeSuccess(13s);
  f.onProbeSuccess(14s);
  f.onProbeSuccess(15s);
  EXPECT_FALSE(f.onProbeFailure(17s, ProbeFailure::kTimeout));
  EXPECT_FALSE(f.recovering());
  EXPECT_FALSE(f.tick(21s));  // the old hold would have ended at 20s
  EXPECT_EQ(f.state(), ServerState::kDown);
}

TEST(ServerFsmTest, RepeatedFailureDoublesQuarantineUpToCap) {
  ServerFsm f = upServer();
  Nanos t = 0s;
  std::vector<Nanos> ttls;
  for (int round = 0; round < 4; ++round) {
    f.onProbeFailure(t += 1s, ProbeFailure::kTimeout);
    f.onProbeFailure(t += 1s, ProbeFailure::kTimeout);
    ttls.push_back(f.currentDirtyTtl());
    t = f.dirtyUntil();
    f.tick(t);
    for (int i = 0; i < 3; ++i) f.onProbeSuccess(t += 1s);
    t += 5s;
    ASSERT_TRUE(f.tick(t));
    ASSERT_EQ(f.state(), ServerState::kUp);
  }
  // Each failure came within 40s (the cap) of the recovery before it.
  EXPECT_EQ(ttls, (std::vector<Nanos>{10s, 20s, 40s, 40s}));
  // Up for longer than the cap: back to the base.
  f.onProbeFailure(t += 100s, ProbeFailure::kTimeout);
  f.onProbeFailure(t += 1s, ProbeFailure::kTimeout);
  EXPECT_EQ(f.currentDirtyTtl(), 10s);
}

TEST(ServerFsmTest, RetryAfterTakesServerOutForThatLongClamped) {
  ServerFsm f = upServer();
  auto t = f.onRetryAfter(1s, 30s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDirty);
  EXPECT_EQ(t->reason, FsmReason::kRetryAfter);
  EXPECT_EQ(f.dirtyUntil(), 31s);
  ServerFsm g = upServer();
  g.onRetryAfter(1s, 3600s);
  EXPECT_EQ(g.dirtyUntil(), 61s);  // retry_after_max
}

TEST(ServerFsmTest, IcmpSteersAwayAtOnceButOnlyAProbeConfirms) {
  ServerFsm f = upServer();
  auto t = f.onIcmpSuspect(1s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDown);
  EXPECT_EQ(t->reason, FsmReason::kIcmpSuspect);
  EXPECT_FALSE(f.onIcmpSuspect(1500ms));  // already suspect
  t = f.onProbeSuccess(2s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kUp);
  EXPECT_EQ(t->reason, FsmReason::kIcmpUnconfirmed);

  f.onIcmpSuspect(3s);
  t = f.onProbeFailure(4s, ProbeFailure::kTimeout);  // one failure confirms
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, ServerState::kDown);
  EXPECT_EQ(t->to, ServerState::kDirty);
  EXPECT_EQ(t->reason, FsmReason::kIcmpConfirmed);
}

TEST(ServerFsmTest, IcmpOnADownServerChangesNothing) {
  ServerFsm f(config(), 0s);
  EXPECT_FALSE(f.onIcmpSuspect(1s));
  EXPECT_FALSE(f.suspect());
}

TEST(ServerFsmTest, DrainKeepsHealthAndDisableOverridesAll) {
  ServerFsm f = upServer();
  auto t = f.setAdmin(AdminState::kDraining, 1s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDraining);
  EXPECT_EQ(t->reason, FsmReason::kAdminDrain);
  // A draining server that dies is published down (its dialogs must move).
  f.onProbeFailure(2s, ProbeFailure::kTimeout);
  t = f.onProbeFailure(3s, ProbeFailure::kTimeout);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, ServerState::kDraining);
  EXPECT_EQ(t->to, ServerState::kDirty);
  t = f.setAdmin(AdminState::kDisabled, 4s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDisabled);
  t = f.setAdmin(AdminState::kNone, 5s);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDirty);
  EXPECT_EQ(t->reason, FsmReason::kAdminEnable);
}

TEST(ServerFsmTest, SlowStartRampsInTenths) {
  HealthConfig h = config();
  h.slow_start = 10s;
  ServerFsm f(h, 0s);
  f.onProbeSuccess(0s);
  EXPECT_EQ(f.weightTenths(0s), 1u);
  EXPECT_EQ(f.weightTenths(4500ms), 5u);
  EXPECT_EQ(f.nextDeadline(4500ms), 5s);
  EXPECT_EQ(f.weightTenths(10s), 10u);
  EXPECT_EQ(f.nextDeadline(10s), Nanos::max());
}

TEST(ServerFsmTest, RestoredUpServerServesAtOnceWithoutSlowStart) {
  HealthConfig h = config();
  h.slow_start = 10s;
  ServerFsm f(h, 100s);
  f.restore(true, AdminState::kDraining, 100s);
  EXPECT_EQ(f.state(), ServerState::kDraining);
  EXPECT_EQ(f.weightTenths(100s), 10u);
  EXPECT_TRUE(f.probed());
}

TEST(ServerFsmTest, ZeroDirtyTtlGoesStraightToDown) {
  HealthConfig h = config();
  h.dirty_host_ttl = 0s;
  ServerFsm f(h, 0s);
  f.onProbeSuccess(0s);
  f.onProbeFailure(1s, ProbeFailure::kIcmp);
  auto t = f.onProbeFailure(2s, ProbeFailure::kIcmp);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ServerState::kDown);
  EXPECT_EQ(t->reason, FsmReason::kProbeIcmp);
}

}  // namespace
}  // namespace sipsteer::control

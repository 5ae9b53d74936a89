#include <gtest/gtest.h>
#include <linux/neighbour.h>

#include "runtime/resolver.h"

namespace sipsteer::dp {
namespace {

constexpr uint64_t kStale = 60'000;  // ticks of a stale period in these tests

KernelNeighbour entry(uint16_t state, bool has_mac = true) {
  KernelNeighbour n;
  n.family = SIPSTEER_FAMILY_IPV4;
  n.state = state;
  n.has_mac = has_mac;
  n.mac[5] = 0x11;
  return n;
}

TEST(ResolverKernelStep, AbsentOrFailedIsAskedForEveryRound) {
  KernelNeighbourStep step = kernelNeighbourStep(nullptr, 1'000'000, 999'000, kStale);
  EXPECT_FALSE(step.learn);
  EXPECT_TRUE(step.ask);
  const KernelNeighbour failed = entry(NUD_FAILED, false);
  step = kernelNeighbourStep(&failed, 1'000'000, 999'000, kStale);
  EXPECT_FALSE(step.learn);
  EXPECT_TRUE(step.ask);
  const KernelNeighbour none = entry(NUD_NONE, false);
  EXPECT_TRUE(kernelNeighbourStep(&none, 1'000'000, 999'000, kStale).ask);
}

TEST(ResolverKernelStep, IncompleteIsLeftToTheKernel) {
  const KernelNeighbour incomplete = entry(NUD_INCOMPLETE, false);
  const KernelNeighbourStep step = kernelNeighbourStep(&incomplete, 1'000'000, 0, kStale);
  EXPECT_FALSE(step.learn);
  EXPECT_FALSE(step.ask);
}

TEST(ResolverKernelStep, ConfirmedEntriesAreLearnedWithoutAsking) {
  for (uint16_t state : {NUD_REACHABLE, NUD_DELAY, NUD_PROBE, NUD_PERMANENT, NUD_NOARP}) {
    const KernelNeighbour n = entry(state);
    const KernelNeighbourStep step = kernelNeighbourStep(&n, 1'000'000, 0, kStale);
    EXPECT_TRUE(step.learn) << state;
    EXPECT_FALSE(step.ask) << state;
  }
}

TEST(ResolverKernelStep, StaleIsLearnedAndRevalidatedOncePerStalePeriod) {
  const KernelNeighbour stale = entry(NUD_STALE);
  KernelNeighbourStep step = kernelNeighbourStep(&stale, 1'000'000, 1'000'000 - kStale, kStale);
  EXPECT_TRUE(step.learn);
  EXPECT_TRUE(step.ask);
  step = kernelNeighbourStep(&stale, 1'000'000, 1'000'000 - kStale + 1, kStale);
  EXPECT_TRUE(step.learn);
  EXPECT_FALSE(step.ask);
}

TEST(ResolverKernelStep, AUsableStateWithoutAMacIsNotLearned) {
  const KernelNeighbour odd = entry(NUD_REACHABLE, false);
  const KernelNeighbourStep step = kernelNeighbourStep(&odd, 1'000'000, 0, kStale);
  EXPECT_FALSE(step.learn);
  EXPECT_TRUE(step.ask);
}

}  // namespace
}  // namespace sipsteer::dp

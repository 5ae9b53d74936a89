#include "runtime/flow_hints.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipsteer::dp {
namespace {

// 16 buckets: a key's low 4 bits pick its bucket, its high 32 bits are the tag.
class FlowHintsTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kBuckets = 16;
  static uint64_t key(uint32_t tag, uint32_t middle, uint32_t bucket) {
    return (uint64_t{tag} << 32) | (uint64_t{middle} << 4) | bucket;
  }
  std::vector<FlowHintBucket> memory_ = std::vector<FlowHintBucket>(kBuckets);
  FlowHints hints_{memory_.data(), kBuckets};
};

TEST_F(FlowHintsTest, FindsWhatWasStoredAndNothingElse) {
  hints_.store(key(0x1111, 0, 3), 42);
  hints_.store(key(0x2222, 0, 3), 0);
  hints_.store(key(0x1111, 0, 4), 7);
  EXPECT_EQ(hints_.find(key(0x1111, 0, 3)), 42);
  EXPECT_EQ(hints_.find(key(0x2222, 0, 3)), 0);
  EXPECT_EQ(hints_.find(key(0x1111, 0, 4)), 7);
  EXPECT_EQ(hints_.find(key(0x3333, 0, 3)), -1);  // same bucket, no such tag
  EXPECT_EQ(hints_.find(key(0x2222, 0, 4)), -1);  // tag known, other bucket
  EXPECT_EQ(hints_.find(key(0x1111, 0, 5)), -1);  // empty bucket
}

TEST_F(FlowHintsTest, ATagHasOneSlotAndItsLatestPosition) {
  for (int32_t pos = 0; pos < 20; ++pos) hints_.store(key(0xabcd, 0, 9), pos);
  EXPECT_EQ(hints_.find(key(0xabcd, 0, 9)), 19);
  // The other seven slots are still free for seven more tags.
  for (uint32_t t = 1; t <= 7; ++t) hints_.store(key(t, 0, 9), static_cast<int32_t>(100 + t));
  EXPECT_EQ(hints_.find(key(0xabcd, 0, 9)), 19);
  for (uint32_t t = 1; t <= 7; ++t) EXPECT_EQ(hints_.find(key(t, 0, 9)), static_cast<int32_t>(100 + t));
}

// Keys that share bucket and tag (they differ only in the middle bits) share
// a slot: the hint names whichever was stored last. The flow table checks
// every hint against the entry's own key, so this costs a lookup, not a
// dialog (FlowTableTest.HintOfAnotherDialogFallsBackToRteHash).
TEST_F(FlowHintsTest, KeysDifferingOnlyBetweenBucketAndTagShareASlot) {
  hints_.store(key(0x5555, 1, 2), 10);
  hints_.store(key(0x5555, 2, 2), 20);
  EXPECT_EQ(hints_.find(key(0x5555, 1, 2)), 20);
  EXPECT_EQ(hints_.find(key(0x5555, 2, 2)), 20);
}

TEST_F(FlowHintsTest, AFullBucketLosesOneHintPerStoreAndNeverInventsOne) {
  for (uint32_t t = 1; t <= 8; ++t) hints_.store(key(t, 0, 6), static_cast<int32_t>(t));
  for (uint32_t t = 1; t <= 8; ++t) EXPECT_EQ(hints_.find(key(t, 0, 6)), static_cast<int32_t>(t));
  hints_.store(key(9, 0, 6), 9);
  EXPECT_EQ(hints_.find(key(9, 0, 6)), 9);
  int kept = 0;
  for (uint32_t t = 1; t <= 8; ++t) {
    const int32_t found = hints_.find(key(t, 0, 6));
    EXPECT_TRUE(found == static_cast<int32_t>(t) || found == -1) << "tag " << t << " found " << found;
    kept += found == static_cast<int32_t>(t);
  }
  EXPECT_EQ(kept, 7);
  for (uint32_t t = 10; t < 200; ++t) EXPECT_EQ(hints_.find(key(t, 0, 6)), -1) << "tag " << t;
}

TEST_F(FlowHintsTest, EraseTakesOnlyTheExactHint) {
  hints_.store(key(0x77, 0, 1), 5);
  hints_.erase(key(0x77, 0, 1), 6);  // a worker re-pinned it meanwhile: keep
  EXPECT_EQ(hints_.find(key(0x77, 0, 1)), 5);
  hints_.erase(key(0x78, 0, 1), 5);  // another tag: keep
  EXPECT_EQ(hints_.find(key(0x77, 0, 1)), 5);
  hints_.erase(key(0x77, 0, 1), 5);
  EXPECT_EQ(hints_.find(key(0x77, 0, 1)), -1);
  hints_.store(key(0x79, 0, 1), 8);  // the freed slot is reused
  EXPECT_EQ(hints_.find(key(0x79, 0, 1)), 8);
}

// A tag of 0 looks like an empty slot's: it must still be found when stored.
TEST_F(FlowHintsTest, ZeroTagIsFound) {
  hints_.store(key(0x1, 0, 0), 1);
  hints_.store(key(0x0, 0, 0), 2);
  EXPECT_EQ(hints_.find(key(0x0, 0, 0)), 2);
  EXPECT_EQ(hints_.find(key(0x1, 0, 0)), 1);
  EXPECT_EQ(hints_.find(key(0x0, 0, 1)), -1);
}

TEST_F(FlowHintsTest, LargestPositionRoundTrips) {
  hints_.store(key(0x42, 0, 15), INT32_MAX);
  EXPECT_EQ(hints_.find(key(0x42, 0, 15)), INT32_MAX);
}

}  // namespace
}  // namespace sipsteer::dp

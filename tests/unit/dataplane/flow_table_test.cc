#include "runtime/flow_table.h"

#include <gtest/gtest.h>
#include <rte_memory.h>

#include <memory>
#include <vector>

namespace sipsteer::dp {
namespace {

std::unique_ptr<FlowTable> make(uint32_t capacity) {
  static int instance = 0;
  std::string error;
  std::unique_ptr<FlowTable> t(
      FlowTable::create("ft_test" + std::to_string(++instance), capacity, nullptr, SOCKET_ID_ANY, error));
  EXPECT_NE(t, nullptr) << error;
  return t;
}

FlowEntry* add(FlowTable& t, uint64_t key, uint64_t now, uint8_t flags = 0) {
  bool is_new = false;
  FlowEntry* e = t.insert(key, &is_new);
  if (e == nullptr) return nullptr;
  EXPECT_TRUE(is_new);
  e->server_id = static_cast<uint32_t>(key);
  e->last_seen = now;
  e->flags = flags;
  FlowTable::publish(e, key);
  return e;
}

TEST(FlowTableTest, CapacityDialogsFit) {
  auto t = make(8192);
  for (uint64_t k = 1; k <= 8192; ++k)
    ASSERT_NE(add(*t, k * 0x9e3779b97f4a7c15ull, 1), nullptr) << "dialog " << k;
  for (uint64_t k = 1; k <= 8192; ++k) {
    const FlowEntry* e = t->lookup(k * 0x9e3779b97f4a7c15ull);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->server_id, static_cast<uint32_t>(k * 0x9e3779b97f4a7c15ull));
  }
  EXPECT_EQ(t->lookup(12345), nullptr);
}

TEST(FlowTableTest, ExistingKeyIsNotNew) {
  auto t = make(1024);
  add(*t, 77, 1);
  bool is_new = true;
  FlowEntry* e = t->insert(77, &is_new);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(is_new);
  EXPECT_EQ(e, t->lookup(77));
}

TEST(FlowTableTest, SweepExpiresIdleAndClosingOnTheirOwnClocks) {
  auto t = make(1024);
  add(*t, 1, 100);                 // open dialog, last seen at 100
  add(*t, 2, 100, kFlowClosing);   // after BYE
  add(*t, 3, 900);                 // recent
  FlowTable::SweepStats stats;
  uint64_t visited = 0;
  // now 1000: idle timeout 500, closing timeout 50.
  while (!t->sweep(1000, 500, 50, 100, [&](const FlowEntry&) { ++visited; }, stats)) {
  }
  EXPECT_EQ(stats.expired, 2u);
  EXPECT_EQ(stats.live, 1u);
  EXPECT_EQ(visited, 1u);
  EXPECT_EQ(t->lookup(1), nullptr);
  EXPECT_EQ(t->lookup(2), nullptr);
  EXPECT_NE(t->lookup(3), nullptr);
  // Freed positions are reusable.
  EXPECT_NE(add(*t, 1, 1000), nullptr);
}

// Workers look dialogs up in bursts through the hints (flow_hints.h); with
// more dialogs than some hint buckets hold, the rest come from rte_hash.
TEST(FlowTableTest, BulkLookupFindsEveryDialogAndNoOther) {
  auto t = make(8192);
  std::vector<uint64_t> keys;
  for (uint64_t k = 1; k <= 8192; ++k) keys.push_back(k * 0x9e3779b97f4a7c15ull);
  for (uint64_t key : keys) ASSERT_NE(add(*t, key, 1), nullptr);
  for (int round = 0; round < 2; ++round) {  // the second round also sees hints rte_hash refreshed
    for (size_t first = 0; first < keys.size(); first += 32) {
      int32_t positions[32];
      t->lookupBulk(&keys[first], 32, positions);
      for (size_t i = 0; i < 32; ++i) {
        const FlowEntry* e = t->entryAt(positions[i], keys[first + i]);
        ASSERT_NE(e, nullptr) << "dialog " << first + i;
        EXPECT_EQ(e, t->lookup(keys[first + i]));
      }
    }
  }
  uint64_t strangers[4] = {12345, 0x9e3779b97f4a7c15ull * 9000, 1, ~0ull};
  int32_t positions[4];
  t->lookupBulk(strangers, 4, positions);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(t->entryAt(positions[i], strangers[i]), nullptr) << strangers[i];
}

// Two dialogs whose keys differ only between the hint's bucket bits and its
// tag share one hint; the one it does not name must still find its own
// entry (and server), never the other's and never a miss that re-steers it.
TEST(FlowTableTest, HintOfAnotherDialogFallsBackToRteHash) {
  auto t = make(1024);
  ASSERT_LT(t->hintBuckets(), uint64_t{1} << 31);
  const uint64_t first = 0x1234567800000005ull;
  const uint64_t second = first | (uint64_t{1} << 31);
  add(*t, first, 1);
  add(*t, second, 1);  // its hint takes first's slot
  uint64_t keys[2] = {first, second};
  int32_t positions[2];
  EXPECT_EQ(t->lookupBulk(keys, 2, positions), 0u) << "both keys find the shared hint";
  for (int i = 0; i < 2; ++i) {
    const FlowEntry* e = t->entryAt(positions[i], keys[i]);
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->key, keys[i]);
    EXPECT_EQ(e->server_id, static_cast<uint32_t>(keys[i]));
    EXPECT_EQ(e, t->lookup(keys[i]));
  }
  EXPECT_EQ(t->staleHints(), 1u) << "the first key's hint named the second's entry";
}

// An expired dialog's hint must not lead a later packet to the entry that
// took over its position.
TEST(FlowTableTest, ExpiredDialogIsAMissEvenWhenItsPositionIsReused) {
  auto t = make(64);
  add(*t, 0xaaaa000000000001ull, 100);
  FlowTable::SweepStats stats;
  while (!t->sweep(10000, 500, 50, 1000, [](const FlowEntry&) {}, stats)) {
  }
  ASSERT_EQ(stats.expired, 1u);
  add(*t, 0xbbbb000000000002ull, 10000);  // without RCU the position is free again at once
  uint64_t keys[2] = {0xaaaa000000000001ull, 0xbbbb000000000002ull};
  int32_t positions[2];
  EXPECT_EQ(t->lookupBulk(keys, 2, positions), 1u) << "the sweep erased the expired dialog's hint";
  EXPECT_EQ(t->entryAt(positions[0], keys[0]), nullptr);
  ASSERT_NE(t->entryAt(positions[1], keys[1]), nullptr);
  EXPECT_EQ(t->entryAt(positions[1], keys[1])->key, keys[1]);
}

TEST(FlowTableTest, ReportsMemory) {
  auto t = make(1 << 16);
  EXPECT_GE(t->memoryBytes(), (1u << 16) * sizeof(FlowEntry) + t->hintBuckets() * sizeof(FlowHintBucket));
  EXPECT_GE(t->hintBuckets() * FlowHints::kSlots, t->positions());
}

}  // namespace
}  // namespace sipsteer::dp

#include "runtime/flow_table.h"

#include <gtest/gtest.h>
#include <rte_memory.h>

#include <memory>

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

TEST(FlowTableTest, ReportsMemory) {
  auto t = make(1 << 16);
  EXPECT_GE(t->memoryBytes(), (1u << 16) * sizeof(FlowEntry));
}

}  // namespace
}  // namespace sipsteer::dp

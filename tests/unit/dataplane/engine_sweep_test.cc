// The control thread's periodic sweep counts requests left unanswered beyond
// the window per server, once each, without waiting for the dialog's next
// request. The clock is injected (Engine::tickAt); no timing is asserted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sipsteer/abi/proto.h>
#include <sipsteer/core/table_builder.h>

#include <array>
#include <cstring>

#include "runtime/engine.h"

namespace sipsteer::dp {
namespace {

class EngineSweepTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kWindow = 1000;

  void SetUp() override {
    static int instance = 0;
    EngineOptions options;
    options.name = "sweep" + std::to_string(++instance);
    options.max_dialogs = 1024;
    options.unanswered_ticks = kWindow;
    std::string error;
    engine_ = Engine::create(options, error);
    ASSERT_NE(engine_, nullptr) << error;
    core::TableSpec spec;
    core::PoolSpec pool;
    for (uint8_t i = 1; i <= 2; ++i) {
      core::ServerSpec s;
      s.addr.v4 = htonl(0xc6120200u + i);
      s.server_id = i;
      pool.servers.push_back(s);
    }
    spec.pools.push_back(pool);
    core::VipSpec vip;
    vip.addr.v4 = htonl(0xc612000au);
    spec.vips.push_back(vip);
    ASSERT_EQ(engine_->applyTable(*core::buildTable(spec)).status, 0u);
  }

  // A dialog on `server_id`, seen at `now`, with a request pending since `pending`.
  FlowEntry* dialog(uint64_t key, uint32_t server_id, uint64_t now, uint64_t pending) {
    bool is_new = false;
    FlowEntry* e = engine_->shared().flows->insert(key, &is_new);
    EXPECT_NE(e, nullptr);
    if (e == nullptr) return nullptr;
    e->server_id = server_id;
    e->last_seen = now;
    e->pending_since = pending;
    e->flags = 0;
    FlowTable::publish(e, key);
    return e;
  }

  uint64_t unanswered(uint32_t server_id) const {
    const RuntimeTable* t = engine_->tableSlot().current();
    const int index = t->serverById(server_id);
    EXPECT_GE(index, 0);
    return engine_->sweepCounters().servers[t->servers()[index].counter_slot][SIPSTEER_SERVER_UNANSWERED];
  }

  uint64_t active(uint32_t server_id) const {
    const RuntimeTable* t = engine_->tableSlot().current();
    const int index = t->serverById(server_id);
    EXPECT_GE(index, 0);
    return engine_->activeDialogs(t->servers()[index].counter_slot);
  }

  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineSweepTest, CountsEachOverdueRequestOncePerServer) {
  const uint64_t start = 10'000;
  FlowEntry* overdue = dialog(11, 1, start, start);             // waits from the start
  FlowEntry* answered = dialog(12, 1, start, 0);                // nothing pending
  FlowEntry* recent = dialog(13, 2, start, start + kWindow / 2);  // inside the window for now

  engine_->tickAt(start + kWindow);  // exactly the window: not beyond it
  EXPECT_EQ(unanswered(1), 0u);
  EXPECT_EQ(unanswered(2), 0u);

  engine_->tickAt(start + kWindow + 1);
  EXPECT_EQ(unanswered(1), 1u);
  EXPECT_EQ(unanswered(2), 0u);
  EXPECT_EQ(overdue->pending_since, 0u) << "claimed: the worker will not count it again";
  EXPECT_EQ(answered->pending_since, 0u);

  engine_->tickAt(start + 2 * kWindow);  // later passes do not count it again
  EXPECT_EQ(unanswered(1), 1u);
  EXPECT_EQ(unanswered(2), 1u) << "the second server's request is overdue now";
  EXPECT_EQ(recent->pending_since, 0u);
}

TEST_F(EngineSweepTest, ARetransmissionStartsANewWindow) {
  const uint64_t start = 50'000;
  FlowEntry* e = dialog(21, 2, start, start);
  engine_->tickAt(start + kWindow + 1);
  EXPECT_EQ(unanswered(2), 1u);
  // The worker sees the retransmission and starts a new window, as
  // Pipeline::toServer does when pending_since is 0.
  storeRelaxed(e->pending_since, start + kWindow + 5);
  engine_->tickAt(start + kWindow + 10);
  EXPECT_EQ(unanswered(2), 1u);
  engine_->tickAt(start + 2 * kWindow + 6);
  EXPECT_EQ(unanswered(2), 2u);
}

// A dialog whose BYE (or final non-2xx) was seen lingers after_bye_s for
// retransmissions but is over: drain --wait and leaving servers must not wait
// for it. The sweep still looks at it for unanswered requests.
TEST_F(EngineSweepTest, ClosingDialogsAreNotActive) {
  const uint64_t start = 90'000;
  dialog(31, 1, start, 0);                              // an open call
  FlowEntry* closing = dialog(32, 1, start, start);      // BYE sent, not answered yet
  FlowEntry* failed = dialog(33, 2, start, 0);           // call attempt failed
  storeRelaxed(closing->flags, kFlowClosing);
  storeRelaxed(failed->flags, kFlowClosing);

  engine_->tickAt(start + kWindow + 1);  // well inside after_bye_s: nothing expires
  EXPECT_EQ(active(1), 1u) << "only the open call holds server 1";
  EXPECT_EQ(active(2), 0u) << "a closing dialog alone leaves its server idle";
  EXPECT_EQ(unanswered(1), 1u) << "the closing dialog's unanswered BYE is still counted";
  EXPECT_EQ(closing->pending_since, 0u);

  storeRelaxed(closing->flags, uint8_t{0});  // not closing: counted again next sweep
  engine_->tickAt(start + kWindow + 2);
  EXPECT_EQ(active(1), 2u);
}

// The COUNTERS_REPLY blob ends with the affinity table's figures
// (sipsteer_dataplane_affinity_*): its size, its memory and, once a sweep
// has passed over the whole table, the dialogs it holds.
TEST_F(EngineSweepTest, CountersReplyCarriesTheAffinityTable) {
  auto affinity = [&] {
    const std::vector<uint8_t> blob = engine_->counters();
    sipsteer_counters_header h{};
    std::array<uint64_t, SIPSTEER_AFFINITY_COUNTER_COUNT> values{};
    EXPECT_GE(blob.size(), sizeof h + sizeof values);
    if (blob.size() < sizeof h + sizeof values) return values;
    std::memcpy(&h, blob.data(), sizeof h);
    EXPECT_EQ(h.affinity_count, static_cast<uint32_t>(SIPSTEER_AFFINITY_COUNTER_COUNT));
    std::memcpy(values.data(), blob.data() + blob.size() - sizeof values, sizeof values);
    return values;
  };
  const uint64_t start = 70'000;
  dialog(41, 1, start, 0);
  dialog(42, 2, start, 0);
  FlowEntry* closing = dialog(43, 2, start, 0);
  storeRelaxed(closing->flags, kFlowClosing);
  auto before = affinity();
  EXPECT_EQ(before[SIPSTEER_AFFINITY_ENTRIES], 0u) << "no full sweep yet";
  EXPECT_EQ(before[SIPSTEER_AFFINITY_CAPACITY], 1024u);
  EXPECT_EQ(before[SIPSTEER_AFFINITY_MEMORY_BYTES], engine_->flows().memoryBytes());
  EXPECT_GT(before[SIPSTEER_AFFINITY_MEMORY_BYTES], 1024u * sizeof(FlowEntry));

  engine_->tickAt(start + 1);  // the default budget covers this table in one tick
  EXPECT_EQ(engine_->liveDialogs(), 3u) << "closing dialogs still hold entries";
  EXPECT_EQ(affinity()[SIPSTEER_AFFINITY_ENTRIES], 3u);
  EXPECT_EQ(affinity()[SIPSTEER_AFFINITY_STALE_HINTS], 0u);
}

TEST(ClaimUnansweredTest, RulesWithAnInjectedClock) {
  FlowEntry e{};
  e.pending_since = 0;
  EXPECT_FALSE(claimUnanswered(e, 5000, 100)) << "nothing pending";
  e.pending_since = 1000;
  EXPECT_FALSE(claimUnanswered(e, 1100, 100)) << "at the window's end, not beyond";
  EXPECT_FALSE(claimUnanswered(e, 900, 100)) << "a clock behind the entry is not overdue";
  EXPECT_FALSE(claimUnanswered(e, 5000, 0)) << "window 0 turns the sweep's check off";
  EXPECT_EQ(e.pending_since, 1000u);
  EXPECT_TRUE(claimUnanswered(e, 1101, 100));
  EXPECT_EQ(e.pending_since, 0u);
  EXPECT_FALSE(claimUnanswered(e, 1200, 100)) << "claimed once only";
}

}  // namespace
}  // namespace sipsteer::dp

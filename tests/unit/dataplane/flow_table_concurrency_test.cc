// The flow table under two workers and the sweep at once: dialogs expire,
// their positions are reused after RCU grace periods, and hints move under
// the workers' feet (flow_hints.h). What must hold: a lookup never returns
// another dialog's entry or a half-published one, and a dialog that stays
// active is never lost (a miss would re-steer it).
#include "runtime/flow_table.h"

#include <gtest/gtest.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace sipsteer::dp {
namespace {

constexpr uint32_t kCapacity = 4096;
constexpr uint32_t kHotDialogs = 512;
constexpr uint32_t kColdPool = 8192;   // cold keys come back after they expired
constexpr uint32_t kBursts = 20000;    // per worker; the clock ticks once per burst
constexpr uint32_t kBurst = 32;
constexpr uint64_t kIdleTicks = 500;  // cold keys: 1 per tick -> at most ~1500 live (see the back-pressure)

uint64_t mix(uint64_t x) {  // splitmix64: keys spread over buckets and tags
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x == 0 ? 1 : x;
}
uint64_t hotKey(uint32_t i) { return mix(i); }
uint64_t coldKey(uint32_t i) { return mix(uint64_t{1} << 40 | i); }

struct Failures {
  std::atomic<uint64_t> wrong_entry{0};    // an entry whose key or server is not the key's
  std::atomic<uint64_t> hot_lost{0};       // an active dialog reported missing
  std::atomic<uint64_t> table_full{0};
};

// The clock ticks once per burst. Workers may not run more than kIdleTicks
// ahead of the start of the sweep's last full pass, so that expiry keeps up
// however the threads are scheduled (the table never fills).
struct Clock {
  std::atomic<uint64_t> now{1};
  std::atomic<uint64_t> swept_through{1};
};

void worker(FlowTable& table, rte_rcu_qsbr* qsbr, unsigned qsbr_id, uint32_t seed, Clock& clock,
            Failures& failures) {
  ASSERT_EQ(rte_thread_register(), 0);  // an lcore id for rte_hash's per-lcore slot cache
  rte_rcu_qsbr_thread_register(qsbr, qsbr_id);
  rte_rcu_qsbr_thread_online(qsbr, qsbr_id);
  uint64_t rng = mix(seed);
  uint32_t cold = seed * 4099;
  for (uint32_t b = 0; b < kBursts; ++b) {
    while (clock.now.load() > clock.swept_through.load() + kIdleTicks) {
      rte_rcu_qsbr_quiescent(qsbr, qsbr_id);
      std::this_thread::yield();
    }
    const uint64_t now = clock.now.fetch_add(1);
    uint64_t keys[kBurst];
    keys[0] = coldKey(cold++ % kColdPool);
    for (uint32_t i = 1; i < kBurst; ++i) {
      rng = mix(rng);
      keys[i] = hotKey(static_cast<uint32_t>(rng % kHotDialogs));
    }
    int32_t positions[kBurst];
    table.lookupBulk(keys, kBurst, positions);
    for (uint32_t i = 0; i < kBurst; ++i) {
      FlowEntry* e = table.entryAt(positions[i], keys[i]);
      if (e == nullptr) {
        if (i != 0) ++failures.hot_lost;
        bool is_new = false;
        e = table.insert(keys[i], &is_new);
        if (e == nullptr) {
          ++failures.table_full;
          continue;
        }
        if (is_new) {
          storeRelaxed(e->server_id, static_cast<uint32_t>(keys[i]));
          storeRelaxed(e->last_seen, now);
          storeRelaxed(e->flags, uint8_t{0});
          FlowTable::publish(e, keys[i]);
          continue;
        }
      }
      if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) != keys[i] ||
          loadRelaxed(e->server_id) != static_cast<uint32_t>(keys[i]))
        ++failures.wrong_entry;
      storeRelaxed(e->last_seen, now);
    }
    rte_rcu_qsbr_quiescent(qsbr, qsbr_id);
  }
  rte_rcu_qsbr_thread_offline(qsbr, qsbr_id);
  rte_rcu_qsbr_thread_unregister(qsbr, qsbr_id);
  rte_thread_unregister();
}

TEST(FlowTableConcurrencyTest, ActiveDialogsAreNeverLostWhileOthersChurn) {
  const size_t qsbr_size = rte_rcu_qsbr_get_memsize(2);
  auto* qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc("ft_conc_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
  ASSERT_NE(qsbr, nullptr);
  ASSERT_EQ(rte_rcu_qsbr_init(qsbr, 2), 0);
  std::string error;
  std::unique_ptr<FlowTable> table(FlowTable::create("ft_conc", kCapacity, qsbr, SOCKET_ID_ANY, error));
  ASSERT_NE(table, nullptr) << error;

  Clock clock;
  for (uint32_t i = 0; i < kHotDialogs; ++i) {
    bool is_new = false;
    FlowEntry* e = table->insert(hotKey(i), &is_new);
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(is_new);
    e->server_id = static_cast<uint32_t>(hotKey(i));
    e->last_seen = 1;
    FlowTable::publish(e, hotKey(i));
  }

  Failures failures;
  std::atomic<int> running{2};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < 2; ++w)
    workers.emplace_back([&, w] {
      worker(*table, qsbr, w, w + 1, clock, failures);
      --running;
    });
  uint64_t expired = 0;
  uint64_t passes = 0;
  uint64_t pass_start = clock.now.load();
  while (running.load() != 0) {
    FlowTable::SweepStats stats;
    const uint64_t now = clock.now.load();
    if (table->sweep(now, kIdleTicks, kIdleTicks, 256, [](FlowEntry&) {}, stats)) {
      ++passes;
      clock.swept_through.store(pass_start);
      pass_start = now;
    }
    expired += stats.expired;
    std::this_thread::yield();
  }
  for (auto& t : workers) t.join();

  std::printf("bursts %u x 2, expired %lu, sweep passes %lu\n", kBursts, static_cast<unsigned long>(expired), static_cast<unsigned long>(passes));
  EXPECT_EQ(failures.wrong_entry.load(), 0u);
  EXPECT_EQ(failures.hot_lost.load(), 0u);
  EXPECT_EQ(failures.table_full.load(), 0u);
  // The churn this test is about did happen: cold dialogs expired and their
  // positions (and hint slots) went to others.
  EXPECT_GT(expired, uint64_t{kColdPool});
  EXPECT_GT(passes, 1u);
  table.reset();
  rte_free(qsbr);
}

}  // namespace
}  // namespace sipsteer::dp

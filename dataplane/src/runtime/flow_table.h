// The affinity (flow) table: keyed Call-ID hash -> the server that owns the
// dialog, shared by all workers.
//
// Why shared: RSS spreads by 5-tuple, and one dialog's packets arrive with
// different 5-tuples (client requests, server responses, ICMP), so no
// per-worker split can keep a Call-ID on one worker.
//
// Structure: an rte_hash (8-byte key = the 64-bit SipHash, lock-free readers,
// multi-writer adds, deletes reclaimed through the workers' rte_rcu_qsbr)
// maps the key to a position; entries_[position] holds the dialog state in
// one cache line. Workers look positions up in FlowHints first (one cache
// line per key, prefetchable as soon as the key is known; flow_hints.h) and
// ask rte_hash only when the hint is missing or names another entry.
// Fields are relaxed atomics: concurrent writers of one dialog write the
// same or equally good values (last writer wins).
// Publication: an inserter fills the entry, then release-stores `key`;
// readers acquire `key` and treat a mismatch as a miss.
//
// Collisions: two Call-IDs with the same 64-bit keyed hash share an entry
// (probability ~n^2/2^65, 3e-8 at 1M dialogs); they would share a server.
#pragma once

#include <sipsteer/abi/common.h>

#include "runtime/flow_hints.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

struct rte_hash;
struct rte_rcu_qsbr;

namespace sipsteer::dp {

struct alignas(64) FlowEntry {
  uint64_t key;            // hash; 0 = unused (published last, release)
  uint64_t last_seen;      // TSC of the last packet of the dialog
  uint64_t pending_since;  // TSC of the oldest unanswered request, 0 = none
  uint32_t server_id;      // owner (stable id; survives table changes)
  uint16_t vip;            // VIP index the dialog came in on
  uint8_t flags;           // kFlow* below
  uint8_t family;          // of client
  union sipsteer_addr client;  // network order: the client's address
  uint16_t client_port;        // host order
  uint8_t client_mac[6];       // L2 source of the client's last request
  uint8_t reserved[8];
};
static_assert(sizeof(FlowEntry) == 64, "one cache line per dialog");

constexpr uint8_t kFlowClosing = 0x01;    // BYE or final non-2xx seen: short timeout
constexpr uint8_t kFlowConfirmed = 0x02;  // 2xx to INVITE seen

template <typename T>
inline T loadRelaxed(const T& field) noexcept {
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
template <typename T>
inline void storeRelaxed(T& field, T value) noexcept {
  __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}

// Control thread (the periodic sweep): true, exactly once per overdue
// request, if the dialog's oldest unanswered request has waited longer than
// `window` ticks at `now`; it then clears pending_since so that neither the
// sweep nor the worker's lazy check (Pipeline::toServer) counts it again.
// The clear is a compare-and-swap: if a worker moved pending_since meanwhile
// (a response cleared it, or it counted the request itself and restarted
// the window), the worker's value stands and nothing is counted here.
inline bool claimUnanswered(FlowEntry& e, uint64_t now, uint64_t window) noexcept {
  uint64_t pending = loadRelaxed(e.pending_since);
  if (window == 0 || pending == 0 || now <= pending || now - pending <= window) return false;
  return __atomic_compare_exchange_n(&e.pending_since, &pending, uint64_t{0}, false, __ATOMIC_RELAXED,
                                     __ATOMIC_RELAXED);
}

class FlowTable {
 public:
  // `capacity` dialogs; `qsbr` is the workers' RCU variable, used to reclaim
  // deleted positions only after every worker has moved on (nullptr: no
  // concurrent readers, positions are freed at once; tests only).
  static FlowTable* create(const std::string& name, uint32_t capacity, rte_rcu_qsbr* qsbr,
                           int socket_id, std::string& error);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Workers. nullptr on a miss (or an entry being published).
  FlowEntry* lookup(uint64_t key) const noexcept;
  // Workers. Asks for the line of `key`'s hint; call it as soon as the key
  // is known, before lookupBulk() reads the hint.
  void prefetchHint(uint64_t key) const noexcept { __builtin_prefetch(hints_.bucketOf(key), 0, 3); }
  // Workers. Looks up `n` (<= 64) keys at once: hints first, rte_hash for
  // the keys without one (it pipelines their bucket loads), and prefetches
  // the entries found; positions[i] < 0 when rte_hash has no such key.
  // Resolve each with entryAt() later in the burst. Returns how many keys
  // no hint answered (rte_hash was asked).
  uint32_t lookupBulk(const uint64_t* keys, uint32_t n, int32_t* positions) const noexcept;
  FlowEntry* entryAt(int32_t position, uint64_t key) const noexcept {
    if (position < 0) return nullptr;
    FlowEntry* e = &entries_[position];
    if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) == key) return e;  // pairs with publish()
    return lookupAfterStaleHint(key);
  }
  // Workers. The entry for `key`, added if absent (*is_new then true; the
  // caller fills it and calls publish()); nullptr when the table is full.
  FlowEntry* insert(uint64_t key, bool* is_new) noexcept;
  static void publish(FlowEntry* entry, uint64_t key) noexcept {
    __atomic_store_n(&entry->key, key, __ATOMIC_RELEASE);
  }

  // Control thread: examines up to `budget` positions from where the last
  // call stopped and deletes entries idle for longer than their timeout.
  // `visit` sees every live entry (gauges, claimUnanswered). Returns true when a full
  // pass over the table ended in this call.
  struct SweepStats {
    uint64_t expired = 0;
    uint64_t live = 0;
  };
  bool sweep(uint64_t now_tsc, uint64_t idle_ticks, uint64_t closing_ticks, uint32_t budget,
             const std::function<void(FlowEntry&)>& visit, SweepStats& stats);

  uint32_t capacity() const noexcept { return capacity_; }
  uint64_t hintBuckets() const noexcept { return hints_.bucketCount(); }
  uint32_t positions() const noexcept { return positions_; }
  // Bytes of DPDK memory the table holds (hash buckets + keys + entries + hints).
  size_t memoryBytes() const noexcept { return memory_bytes_; }
  // Positions entryAt() found holding another key, so that rte_hash was
  // asked again (all workers; rare, so one shared atomic).
  uint64_t staleHints() const noexcept { return __atomic_load_n(&stale_hints_, __ATOMIC_RELAXED); }

 private:
  FlowTable() = default;
  // A position that did not hold `key`: from a stale or colliding hint, or
  // an entry still being published. rte_hash decides (and the hint is fixed).
  FlowEntry* lookupAfterStaleHint(uint64_t key) const noexcept;

  rte_hash* hash_ = nullptr;
  FlowEntry* entries_ = nullptr;
  // A cache: workers refresh it from const lookups. Its buckets are ours
  // (rte_zmalloc).
  mutable FlowHints hints_;
  uint32_t capacity_ = 0;
  uint32_t positions_ = 0;
  uint32_t sweep_cursor_ = 0;
  bool rcu_ = false;  // deleted positions are reclaimed through RCU
  size_t memory_bytes_ = 0;
  mutable uint64_t stale_hints_ = 0;
};

}  // namespace sipsteer::dp

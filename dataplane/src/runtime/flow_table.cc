#include "runtime/flow_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include <bit>
#include <cstring>

namespace sipsteer::dp {
namespace {

// The key already is a keyed SipHash, so its low bits are as good a bucket
// index as any hash of them (the ring uses the high bits).
uint32_t keyHash(const void* key, uint32_t, uint32_t) {
  uint64_t k;
  std::memcpy(&k, key, 8);
  return static_cast<uint32_t>(k);
}

// rte_hash has compare functions for 16..128-byte keys only; an 8-byte key
// would go through memcmp. Returns 0 on a match, as memcmp does.
int keyCompare(const void* a, const void* b, size_t) {
  uint64_t x, y;
  std::memcpy(&x, a, 8);
  std::memcpy(&y, b, 8);
  return x != y;
}

}  // namespace

FlowTable* FlowTable::create(const std::string& name, uint32_t capacity, rte_rcu_qsbr* qsbr,
                             int socket_id, std::string& error) {
  auto* t = new FlowTable();
  t->capacity_ = capacity;
  rte_hash_parameters params{};
  params.name = name.c_str();
  // Cuckoo buckets refuse inserts before they are 100% full; 25% headroom
  // lets `capacity` dialogs fit.
  params.entries = capacity + capacity / 4 + 64;
  params.key_len = sizeof(uint64_t);
  params.hash_func = keyHash;
  params.hash_func_init_val = 0;
  params.socket_id = socket_id;
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD;
  t->hash_ = rte_hash_create(&params);
  if (t->hash_ == nullptr) {
    error = "rte_hash_create(" + name + ", " + std::to_string(params.entries) +
            " entries): " + rte_strerror(rte_errno);
    delete t;
    return nullptr;
  }
  rte_hash_set_cmp_func(t->hash_, keyCompare);
  t->rcu_ = qsbr != nullptr;
  if (qsbr != nullptr) {
    rte_hash_rcu_config rcu{};
    rcu.v = qsbr;
    rcu.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(t->hash_, &rcu) != 0) {
      error = "rte_hash_rcu_qsbr_add(" + name + "): " + rte_strerror(rte_errno);
      delete t;
      return nullptr;
    }
  }
  // rte_hash positions run up to its key-slot count, which exceeds `entries`
  // by the per-lcore free-slot caches of multi-writer mode.
  t->positions_ = static_cast<uint32_t>(rte_hash_max_key_id(t->hash_)) + 1;
  const size_t bytes = sizeof(FlowEntry) * t->positions_;
  t->entries_ = static_cast<FlowEntry*>(rte_zmalloc_socket(("flows_" + name).c_str(), bytes, 64, socket_id));
  if (t->entries_ == nullptr) {
    error = "rte_zmalloc(" + std::to_string(bytes) + " bytes of flow entries): out of DPDK memory (-m)";
    delete t;
    return nullptr;
  }
  // Hints: a bucket per 8 positions, rounded up to a power of two, so at
  // capacity a bucket holds 3.2-6.4 of its 8 slots on average.
  const uint64_t hint_buckets = std::bit_ceil(uint64_t{(t->positions_ + FlowHints::kSlots - 1) / FlowHints::kSlots});
  const size_t hint_bytes = sizeof(FlowHintBucket) * hint_buckets;
  auto* hint_memory = static_cast<FlowHintBucket*>(
      rte_zmalloc_socket(("flow_hints_" + name).c_str(), hint_bytes, 64, socket_id));
  if (hint_memory == nullptr) {
    error = "rte_zmalloc(" + std::to_string(hint_bytes) + " bytes of flow hints): out of DPDK memory (-m)";
    delete t;
    return nullptr;
  }
  t->hints_ = FlowHints(hint_memory, hint_buckets);
  // rte_hash has no size query: bucket array (8 slots of 2+4 bytes + 8-byte
  // header each, 64 B) for entries/8 buckets rounded to a power of two, plus
  // key slots (8-byte key + 8-byte data pointer) and the free-slot rings.
  const size_t buckets = std::bit_ceil(size_t{params.entries / 8});
  t->memory_bytes_ = bytes + hint_bytes + buckets * 64 + size_t{t->positions_} * (16 + 8);
  return t;
}

FlowTable::~FlowTable() {
  if (hash_ != nullptr) rte_hash_free(hash_);
  rte_free(entries_);
  rte_free(hints_.buckets());
}

FlowEntry* FlowTable::lookup(uint64_t key) const noexcept {
  const int32_t pos = rte_hash_lookup_with_hash(hash_, &key, static_cast<hash_sig_t>(key));
  if (pos < 0) return nullptr;
  FlowEntry* e = &entries_[pos];
  // Pairs with publish(): fields written before the key are visible.
  if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) != key) return nullptr;
  return e;
}

FlowEntry* FlowTable::lookupAfterStaleHint(uint64_t key) const noexcept {
  __atomic_fetch_add(&stale_hints_, 1, __ATOMIC_RELAXED);
  const int32_t pos = rte_hash_lookup_with_hash(hash_, &key, static_cast<hash_sig_t>(key));
  if (pos < 0) return nullptr;
  FlowEntry* e = &entries_[pos];
  if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) != key) return nullptr;  // being published
  hints_.store(key, pos);
  return e;
}

uint32_t FlowTable::lookupBulk(const uint64_t* keys, uint32_t n, int32_t* positions) const noexcept {
  const void* key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
  hash_sig_t sigs[RTE_HASH_LOOKUP_BULK_MAX];
  uint32_t unhinted[RTE_HASH_LOOKUP_BULK_MAX];
  uint32_t misses = 0;
  for (uint32_t i = 0; i < n; ++i) {
    positions[i] = hints_.find(keys[i]);
    if (positions[i] >= 0) {
      rte_prefetch0(&entries_[positions[i]]);
    } else {
      unhinted[misses] = i;
      key_ptrs[misses] = &keys[i];
      sigs[misses++] = static_cast<hash_sig_t>(keys[i]);
    }
  }
  if (misses == 0) return 0;
  int32_t found[RTE_HASH_LOOKUP_BULK_MAX];
  if (rte_hash_lookup_with_hash_bulk(hash_, key_ptrs, sigs, misses, found) != 0) return misses;  // all stay -1
  for (uint32_t j = 0; j < misses; ++j) {
    if (found[j] < 0) continue;
    const uint32_t i = unhinted[j];
    positions[i] = found[j];
    rte_prefetch0(&entries_[found[j]]);
    hints_.store(keys[i], found[j]);
  }
  return misses;
}

FlowEntry* FlowTable::insert(uint64_t key, bool* is_new) noexcept {
  const int32_t pos = rte_hash_add_key_with_hash(hash_, &key, static_cast<hash_sig_t>(key));
  if (pos < 0) return nullptr;
  FlowEntry* e = &entries_[pos];
  *is_new = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE) != key;
  hints_.store(key, pos);
  return e;
}

bool FlowTable::sweep(uint64_t now_tsc, uint64_t idle_ticks, uint64_t closing_ticks, uint32_t budget,
                      const std::function<void(FlowEntry&)>& visit, SweepStats& stats) {
  bool wrapped = false;
  for (uint32_t n = 0; n < budget; ++n) {
    FlowEntry& e = entries_[sweep_cursor_];
    const uint64_t key = __atomic_load_n(&e.key, __ATOMIC_ACQUIRE);
    if (key != 0) {
      const uint64_t seen = loadRelaxed(e.last_seen);
      const uint64_t limit = (loadRelaxed(e.flags) & kFlowClosing) ? closing_ticks : idle_ticks;
      if (now_tsc > seen && now_tsc - seen > limit) {
        // Delete from the hash first, then clear the key: a worker that still
        // holds this entry (looked up before the delete) writes into a slot
        // the RCU reclaim keeps unused until it reports quiescence.
        const int32_t pos = rte_hash_del_key_with_hash(hash_, &key, static_cast<hash_sig_t>(key));
        // Without RCU (single-threaded tests) nothing frees the position for us.
        if (pos >= 0 && !rcu_) rte_hash_free_key_with_position(hash_, pos);
        if (pos >= 0 || lookup(key) == nullptr) {
          __atomic_store_n(&e.key, uint64_t{0}, __ATOMIC_RELEASE);
          hints_.erase(key, static_cast<int32_t>(sweep_cursor_));
          ++stats.expired;
        }
      } else {
        ++stats.live;
        visit(e);
      }
    }
    if (++sweep_cursor_ == positions_) {
      sweep_cursor_ = 0;
      wrapped = true;
      break;
    }
  }
  return wrapped;
}

}  // namespace sipsteer::dp

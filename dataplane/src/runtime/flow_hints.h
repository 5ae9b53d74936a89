// A lossy cache in front of the flow table's rte_hash: Call-ID hash ->
// rte_hash position, in buckets whose address the caller knows as soon as it
// has the hash.
//
// Why: at 1M dialogs an rte_hash lookup is three dependent rounds of cache
// misses (two candidate buckets, then the key slot, then our entry) and ~140
// instructions, and only rte_hash knows the bucket addresses, so nothing can
// be prefetched before it runs (docs/dataplane.md, "Flow hints"). A hint
// bucket is one cache line at `hash & mask`: prefetched right after hashing,
// matched with four SSE2 compares, it leaves one round (the entry).
//
// Lossy by design, never authoritative: a slot may be overwritten, stale, or
// torn between two writers. The caller validates every hint against the
// entry's own 64-bit key (FlowEntry::key, acquire) and asks rte_hash when
// the hint is missing or wrong. rte_hash keeps positions, inserts and RCU
// reclamation; this only saves its lookup.
//
// Slot: high 32 bits the hash's high half (tag), low 32 bits position + 1;
// 0 is empty. Every access is an 8-byte relaxed atomic, so a reader sees
// some writer's whole slot.
#pragma once

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipsteer::dp {

struct alignas(64) FlowHintBucket {
  uint64_t slot[8];
};
static_assert(sizeof(FlowHintBucket) == 64, "one cache line per bucket");

class FlowHints {
 public:
  static constexpr uint32_t kSlots = 8;

  FlowHints() = default;
  // `buckets` zeroed buckets, a power of two, owned by the caller.
  FlowHints(FlowHintBucket* buckets, uint64_t bucket_count) noexcept
      : buckets_(buckets), mask_(bucket_count - 1) {}

  FlowHintBucket* buckets() const noexcept { return buckets_; }
  uint64_t bucketCount() const noexcept { return buckets_ == nullptr ? 0 : mask_ + 1; }
  const FlowHintBucket* bucketOf(uint64_t key) const noexcept { return &buckets_[key & mask_]; }
  FlowHintBucket* bucketOf(uint64_t key) noexcept { return &buckets_[key & mask_]; }

  // The position a slot names for `key`, or -1 when no slot has its tag.
  int32_t find(uint64_t key) const noexcept {
    const FlowHintBucket& b = *bucketOf(key);
    const uint32_t tag = tagOf(key);
    const uint32_t matches = tagMatches(b, tag);
    if (matches == 0) return -1;
    // The vector load above is only a filter: re-read the slot whole.
    const uint64_t v = __atomic_load_n(&b.slot[__builtin_ctz(matches) >> 1], __ATOMIC_RELAXED);
    if (static_cast<uint32_t>(v >> 32) != tag || static_cast<uint32_t>(v) == 0) return -1;
    return static_cast<int32_t>(static_cast<uint32_t>(v) - 1);
  }

  // Remembers `position` for `key`: in the slot that has its tag, else an
  // empty one, else over a slot picked by the key's bits (an older hint is
  // lost; its dialog falls back to rte_hash and takes a slot back).
  void store(uint64_t key, int32_t position) noexcept {
    FlowHintBucket& b = *bucketOf(key);
    const uint32_t tag = tagOf(key);
    const uint64_t value = slotValue(tag, position);
    uint32_t victim = kSlots;
    for (uint32_t i = 0; i < kSlots; ++i) {
      const uint64_t v = __atomic_load_n(&b.slot[i], __ATOMIC_RELAXED);
      if (static_cast<uint32_t>(v >> 32) == tag && v != 0) {
        victim = i;
        break;
      }
      if (v == 0 && victim == kSlots) victim = i;
    }
    if (victim == kSlots) victim = static_cast<uint32_t>(key >> 29) & (kSlots - 1);
    __atomic_store_n(&b.slot[victim], value, __ATOMIC_RELAXED);
  }

  // Empties the slot that names exactly (`key`, `position`), if any; a slot
  // rewritten meanwhile by a worker is left alone.
  void erase(uint64_t key, int32_t position) noexcept {
    FlowHintBucket& b = *bucketOf(key);
    uint64_t expected = slotValue(tagOf(key), position);
    for (uint32_t i = 0; i < kSlots; ++i) {
      if (__atomic_load_n(&b.slot[i], __ATOMIC_RELAXED) != expected) continue;
      __atomic_compare_exchange_n(&b.slot[i], &expected, uint64_t{0}, false, __ATOMIC_RELAXED,
                                  __ATOMIC_RELAXED);
      return;
    }
  }

 private:
  static uint32_t tagOf(uint64_t key) noexcept { return static_cast<uint32_t>(key >> 32); }
  static uint64_t slotValue(uint32_t tag, int32_t position) noexcept {
    return (uint64_t{tag} << 32) | (static_cast<uint32_t>(position) + 1);
  }

  // Bit 2i+1 set: slot i's tag is `tag` (it may be empty or torn; find()
  // re-reads it).
  static uint32_t tagMatches(const FlowHintBucket& b, uint32_t tag) noexcept {
#if defined(__SSE2__)
    const __m128i want = _mm_set1_epi32(static_cast<int>(tag));
    uint32_t dwords = 0;
    for (uint32_t c = 0; c < kSlots / 2; ++c) {
      const __m128i pair = _mm_load_si128(reinterpret_cast<const __m128i*>(&b.slot[2 * c]));
      dwords |= static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(pair, want)))) << (4 * c);
    }
    return dwords & 0xaaaau;  // the slots' high halves
#else
    uint32_t bits = 0;
    for (uint32_t i = 0; i < kSlots; ++i) {
      const uint64_t v = __atomic_load_n(&b.slot[i], __ATOMIC_RELAXED);
      bits |= static_cast<uint32_t>(static_cast<uint32_t>(v >> 32) == tag) << (2 * i + 1);
    }
    return bits;
#endif
  }

  FlowHintBucket* buckets_ = nullptr;
  uint64_t mask_ = 0;
};

}  // namespace sipsteer::dp

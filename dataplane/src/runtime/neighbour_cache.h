// Next-hop MAC addresses the dataplane resolves itself (ARP / IPv6 ND): the
// servers, or the configured gateways. Fixed capacity, open addressing.
//
// Threads: only the control thread adds addresses (slotFor); any worker may
// learn a MAC for an address already present (learn) and read one (lookup).
// An entry's key is written before `used` is released, and never changes
// afterwards, so readers that acquire `used` see a complete key.
#pragma once

#include <sipsteer/abi/common.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace sipsteer::dp {

class NeighbourCache {
 public:
  static constexpr uint16_t kCapacity = 4096;  // power of two
  static constexpr uint16_t kNone = 0xffff;

  NeighbourCache();

  // Control thread: the slot of `addr`, added if new; kNone when full.
  uint16_t slotFor(uint8_t family, const union sipsteer_addr& addr);
  // Any thread: records `mac` for `addr` if it is tracked. Returns whether it was.
  bool learn(uint8_t family, const union sipsteer_addr& addr, const uint8_t mac[6],
             uint64_t now_tsc) noexcept;
  // Any thread: the MAC of `slot`; false while unresolved.
  bool lookup(uint16_t slot, uint8_t mac[6]) const noexcept;

  // Control thread: for the resolver's walk over tracked entries.
  bool used(uint16_t slot) const noexcept { return entries_[slot].used.load(std::memory_order_acquire); }
  uint8_t family(uint16_t slot) const noexcept { return entries_[slot].family; }
  const union sipsteer_addr& addr(uint16_t slot) const noexcept { return entries_[slot].addr; }
  uint64_t learnedAt(uint16_t slot) const noexcept {
    return entries_[slot].learned_tsc.load(std::memory_order_relaxed);
  }

 private:
  struct Entry {
    std::atomic<uint8_t> used{0};
    uint8_t family = 0;
    union sipsteer_addr addr {};
    std::atomic<uint64_t> mac{0};  // bit 63: valid; bytes 0..5: the MAC
    std::atomic<uint64_t> learned_tsc{0};
  };
  int find(uint8_t family, const union sipsteer_addr& addr) const noexcept;

  std::unique_ptr<Entry[]> entries_;
};

}  // namespace sipsteer::dp

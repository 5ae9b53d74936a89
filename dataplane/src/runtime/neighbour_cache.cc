#include "runtime/neighbour_cache.h"

#include <cstring>

namespace sipsteer::dp {
namespace {

constexpr uint64_t kValid = 1ull << 63;

uint32_t hashAddr(uint8_t family, const union sipsteer_addr& addr) noexcept {
  uint64_t h = family;
  for (int i = 0; i < 4; ++i) h = (h ^ addr.v6[i]) * 0x9e3779b97f4a7c15ull;
  return static_cast<uint32_t>(h >> 40);
}

}  // namespace

NeighbourCache::NeighbourCache() : entries_(new Entry[kCapacity]) {}

int NeighbourCache::find(uint8_t family, const union sipsteer_addr& addr) const noexcept {
  uint32_t i = hashAddr(family, addr) & (kCapacity - 1);
  for (uint32_t n = 0; n < kCapacity; ++n, i = (i + 1) & (kCapacity - 1)) {
    const Entry& e = entries_[i];
    if (!e.used.load(std::memory_order_acquire)) return -1;
    if (e.family == family && std::memcmp(e.addr.bytes, addr.bytes, 16) == 0) return static_cast<int>(i);
  }
  return -1;
}

uint16_t NeighbourCache::slotFor(uint8_t family, const union sipsteer_addr& addr) {
  uint32_t i = hashAddr(family, addr) & (kCapacity - 1);
  for (uint32_t n = 0; n < kCapacity; ++n, i = (i + 1) & (kCapacity - 1)) {
    Entry& e = entries_[i];
    if (!e.used.load(std::memory_order_relaxed)) {
      e.family = family;
      e.addr = addr;
      // Publishes family/addr to workers probing in find() (acquire there).
      e.used.store(1, std::memory_order_release);
      return static_cast<uint16_t>(i);
    }
    if (e.family == family && std::memcmp(e.addr.bytes, addr.bytes, 16) == 0) return static_cast<uint16_t>(i);
  }
  return kNone;
}

bool NeighbourCache::learn(uint8_t family, const union sipsteer_addr& addr, const uint8_t mac[6],
                           uint64_t now_tsc) noexcept {
  const int i = find(family, addr);
  if (i < 0) return false;
  uint64_t word = kValid;
  for (int b = 0; b < 6; ++b) word |= static_cast<uint64_t>(mac[b]) << (8 * b);
  entries_[i].mac.store(word, std::memory_order_relaxed);
  entries_[i].learned_tsc.store(now_tsc, std::memory_order_relaxed);
  return true;
}

bool NeighbourCache::lookup(uint16_t slot, uint8_t mac[6]) const noexcept {
  if (slot >= kCapacity) return false;
  const uint64_t word = entries_[slot].mac.load(std::memory_order_relaxed);
  if (!(word & kValid)) return false;
  for (int b = 0; b < 6; ++b) mac[b] = static_cast<uint8_t>(word >> (8 * b));
  return true;
}

}  // namespace sipsteer::dp

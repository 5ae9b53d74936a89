#include "runtime/slot_registry.h"

namespace sipsteer::dp {

uint16_t SlotRegistry::counterSlot(uint32_t server_id) {
  const auto it = counter_slots_.find(server_id);
  if (it != counter_slots_.end()) return it->second;
  // Slots are never reused: a server that leaves and comes back keeps its
  // totals. 4096 distinct servers over a process lifetime is the limit;
  // beyond it a server simply has no counters (kNoIndex).
  if (counter_slots_.size() >= kMaxServerSlots) return kNoIndex;
  const auto slot = static_cast<uint16_t>(counter_slots_.size());
  counter_slots_.emplace(server_id, slot);
  return slot;
}

}  // namespace sipsteer::dp

// The control thread's SlotAssigner: stable counter slots per server_id
// (so counters survive table changes) and neighbour-cache slots for each
// server's address. Not thread-safe: control thread only.
#pragma once

#include <unordered_map>

#include "runtime/counters.h"
#include "runtime/neighbour_cache.h"
#include "runtime/runtime_table.h"

namespace sipsteer::dp {

class SlotRegistry final : public SlotAssigner {
 public:
  explicit SlotRegistry(NeighbourCache& neighbours) : neighbours_(neighbours) {}
  uint16_t counterSlot(uint32_t server_id) override;
  uint16_t neighbourSlot(uint8_t family, const union sipsteer_addr& addr) override {
    return neighbours_.slotFor(family, addr);
  }

 private:
  NeighbourCache& neighbours_;
  std::unordered_map<uint32_t, uint16_t> counter_slots_;
};

}  // namespace sipsteer::dp

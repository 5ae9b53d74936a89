// Counters: one block per worker (written only by its worker, so no atomic
// read-modify-write on the fast path), summed by the control thread into the
// COUNTERS_REPLY blob of abi/proto.h. Stores are relaxed atomics so a
// concurrent reader sees whole 64-bit values.
#pragma once

#include <sipsteer/abi/counters.h>
#include <sipsteer/abi/proto.h>
#include <sipsteer/abi/table.h>

#include <cstdint>
#include <span>
#include <vector>

namespace sipsteer::dp {

constexpr uint16_t kMaxPorts = 8;
constexpr uint16_t kMaxServerSlots = 4096;

inline void bump(uint64_t& counter, uint64_t n = 1) noexcept {
  __atomic_store_n(&counter, counter + n, __ATOMIC_RELAXED);
}
inline uint64_t readCounter(const uint64_t& counter) noexcept {
  return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}

struct alignas(64) WorkerCounters {
  uint64_t drops[SIPSTEER_DROP_REASON_COUNT];
  uint64_t sip_errors[SIPSTEER_SIP_ERROR_COUNT];
  uint64_t ports[kMaxPorts][SIPSTEER_PORT_COUNTER_COUNT];
  uint64_t vips[SIPSTEER_MAX_VIPS][SIPSTEER_VIP_COUNTER_COUNT];
  uint64_t servers[kMaxServerSlots][SIPSTEER_SERVER_COUNTER_COUNT];
  // Absorbed ICMP errors that did match a flow (drops[] counts the others).
  uint64_t icmp_validated;
  // Only LOOKUPS and HINT_MISSES are kept here (indexed by the ABI list);
  // the table's own figures come from AffinityFigures.
  uint64_t affinity[SIPSTEER_AFFINITY_COUNTER_COUNT];
};

// The affinity table's figures that are not per worker (engine.cc).
struct AffinityFigures {
  uint64_t stale_hints = 0;
  uint64_t entries = 0;  // at the last full sweep
  uint64_t capacity = 0;
  uint64_t memory_bytes = 0;
};

struct ServerCounterRef {
  uint32_t server_id;
  uint16_t slot;
};

// Sums `workers` into a COUNTERS_REPLY payload. `ports` lists DPDK port ids
// in port-index order; `servers` the servers of the current table with their
// counter slots; `active_dialogs` (indexed by slot) is the sweeper's gauge.
std::vector<uint8_t> serializeCounters(std::span<const WorkerCounters* const> workers,
                                       uint64_t generation, uint64_t uptime_ns,
                                       std::span<const uint16_t> ports, uint32_t vip_count,
                                       std::span<const ServerCounterRef> servers,
                                       std::span<const uint64_t> active_dialogs,
                                       const AffinityFigures& affinity);

}  // namespace sipsteer::dp

#include "runtime/counters.h"

#include <cstring>

namespace sipsteer::dp {

std::vector<uint8_t> serializeCounters(std::span<const WorkerCounters* const> workers,
                                       uint64_t generation, uint64_t uptime_ns,
                                       std::span<const uint16_t> ports, uint32_t vip_count,
                                       std::span<const ServerCounterRef> servers,
                                       std::span<const uint64_t> active_dialogs,
                                       const AffinityFigures& affinity) {
  sipsteer_counters_header h{};
  h.generation = generation;
  h.uptime_ns = uptime_ns;
  h.drop_reason_count = SIPSTEER_DROP_REASON_COUNT;
  h.sip_error_count = SIPSTEER_SIP_ERROR_COUNT;
  h.port_count = static_cast<uint32_t>(ports.size());
  h.vip_count = vip_count;
  h.server_count = static_cast<uint32_t>(servers.size());
  h.affinity_count = SIPSTEER_AFFINITY_COUNTER_COUNT;
  std::vector<uint8_t> out;
  out.reserve(sizeof h + 8 * (size_t{SIPSTEER_DROP_REASON_COUNT} + size_t{SIPSTEER_SIP_ERROR_COUNT}) +
              ports.size() * sizeof(sipsteer_port_counters) + vip_count * sizeof(sipsteer_vip_counters) +
              servers.size() * sizeof(sipsteer_server_counters) + 8 * size_t{SIPSTEER_AFFINITY_COUNTER_COUNT});
  auto append = [&out](const void* p, size_t n) {
    const size_t at = out.size();
    out.resize(at + n);
    std::memcpy(out.data() + at, p, n);
  };
  append(&h, sizeof h);
  auto sum = [&](auto pick) {
    uint64_t total = 0;
    for (const WorkerCounters* w : workers) total += readCounter(pick(*w));
    return total;
  };
  for (int i = 0; i < SIPSTEER_DROP_REASON_COUNT; ++i) {
    const uint64_t v = sum([i](const WorkerCounters& w) -> const uint64_t& { return w.drops[i]; });
    append(&v, 8);
  }
  for (int i = 0; i < SIPSTEER_SIP_ERROR_COUNT; ++i) {
    const uint64_t v = sum([i](const WorkerCounters& w) -> const uint64_t& { return w.sip_errors[i]; });
    append(&v, 8);
  }
  for (size_t p = 0; p < ports.size(); ++p) {
    sipsteer_port_counters pc{};
    pc.port_id = ports[p];
    for (int i = 0; i < SIPSTEER_PORT_COUNTER_COUNT; ++i)
      pc.values[i] = sum([p, i](const WorkerCounters& w) -> const uint64_t& { return w.ports[p][i]; });
    append(&pc, sizeof pc);
  }
  for (uint32_t v = 0; v < vip_count && v < SIPSTEER_MAX_VIPS; ++v) {
    sipsteer_vip_counters vc{};
    for (int i = 0; i < SIPSTEER_VIP_COUNTER_COUNT; ++i)
      vc.values[i] = sum([v, i](const WorkerCounters& w) -> const uint64_t& { return w.vips[v][i]; });
    append(&vc, sizeof vc);
  }
  for (const ServerCounterRef& s : servers) {
    sipsteer_server_counters sc{};
    sc.server_id = s.server_id;
    if (s.slot < kMaxServerSlots) {
      for (int i = 0; i < SIPSTEER_SERVER_COUNTER_COUNT; ++i)
        sc.values[i] =
            sum([&s, i](const WorkerCounters& w) -> const uint64_t& { return w.servers[s.slot][i]; });
      if (s.slot < active_dialogs.size())
        sc.values[SIPSTEER_SERVER_ACTIVE_DIALOGS] = active_dialogs[s.slot];
    }
    append(&sc, sizeof sc);
  }
  uint64_t figures[SIPSTEER_AFFINITY_COUNTER_COUNT] = {};
  for (int i : {SIPSTEER_AFFINITY_LOOKUPS, SIPSTEER_AFFINITY_HINT_MISSES})
    figures[i] = sum([i](const WorkerCounters& w) -> const uint64_t& { return w.affinity[i]; });
  figures[SIPSTEER_AFFINITY_STALE_HINTS] = affinity.stale_hints;
  figures[SIPSTEER_AFFINITY_ENTRIES] = affinity.entries;
  figures[SIPSTEER_AFFINITY_CAPACITY] = affinity.capacity;
  figures[SIPSTEER_AFFINITY_MEMORY_BYTES] = affinity.memory_bytes;
  append(figures, sizeof figures);
  return out;
}

}  // namespace sipsteer::dp

#include "metrics/dataplane_counters.h"

#include <algorithm>
#include <cstring>

namespace sipsteer::control {

std::expected<DataplaneCounters, std::string> parseCounters(std::span<const uint8_t> blob) {
  sipsteer_counters_header h{};
  if (blob.size() < sizeof h) return std::unexpected("counters blob shorter than its header");
  std::memcpy(&h, blob.data(), sizeof h);
  // Sizes in 64-bit arithmetic: counts come from the peer and are not trusted.
  uint64_t need = sizeof h + 8ULL * h.drop_reason_count + 8ULL * h.sip_error_count +
                  uint64_t{sizeof(sipsteer_port_counters)} * h.port_count +
                  uint64_t{sizeof(sipsteer_vip_counters)} * h.vip_count +
                  uint64_t{sizeof(sipsteer_server_counters)} * h.server_count + 8ULL * h.affinity_count;
  if (need != blob.size()) {
    return std::unexpected("counters blob is " + std::to_string(blob.size()) + " bytes, its header says " +
                           std::to_string(need));
  }
  DataplaneCounters c;
  c.generation = h.generation;
  c.uptime_ns = h.uptime_ns;
  size_t off = sizeof h;
  // memcpy with a zero count still wants valid pointers: copy only when n > 0.
  auto copy = [&](void* out, size_t bytes) {
    if (bytes) std::memcpy(out, blob.data() + off, bytes);
  };
  auto readArray = [&](uint64_t* out, uint32_t theirs, size_t ours) {
    copy(out, std::min<size_t>(theirs, ours) * 8);
    off += 8ULL * theirs;
  };
  readArray(c.drops.data(), h.drop_reason_count, c.drops.size());
  readArray(c.sip_errors.data(), h.sip_error_count, c.sip_errors.size());
  c.ports.resize(h.port_count);
  copy(c.ports.data(), sizeof(sipsteer_port_counters) * h.port_count);
  off += sizeof(sipsteer_port_counters) * h.port_count;
  c.vips.resize(h.vip_count);
  copy(c.vips.data(), sizeof(sipsteer_vip_counters) * h.vip_count);
  off += sizeof(sipsteer_vip_counters) * h.vip_count;
  c.servers.resize(h.server_count);
  copy(c.servers.data(), sizeof(sipsteer_server_counters) * h.server_count);
  off += sizeof(sipsteer_server_counters) * h.server_count;
  readArray(c.affinity.data(), h.affinity_count, c.affinity.size());
  return c;
}

}  // namespace sipsteer::control

#include "runtime/resolver.h"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

#include "pkt/rewrite.h"

namespace sipsteer::dp {

Resolver::Resolver(NeighbourCache& cache, rte_mempool* const* pools, const PipelineConfig& ports,
                   rte_ring* const* slow_tx, uint64_t tsc_hz)
    : cache_(cache), ports_(ports), stale_ticks_(60 * tsc_hz) {
  std::copy(pools, pools + ports.port_count, pools_);
  std::copy(slow_tx, slow_tx + kMaxPorts, slow_tx_);
}

void Resolver::request(uint16_t port_index, uint16_t slot, const RuntimeTable& table) {
  if (slot >= NeighbourCache::kCapacity || !cache_.used(slot) || asked_[slot]) return;
  uint8_t mac[6];
  if (cache_.lookup(slot, mac) && rte_rdtsc() - cache_.learnedAt(slot) < stale_ticks_) return;
  asked_[slot] = 1;
  const PortInfo& port = ports_.ports[port_index];
  const uint8_t family = cache_.family(slot);
  // Source address: the port's own, else a VIP of that family (servers in
  // DSR mode know the VIP anyway).
  union sipsteer_addr source {};
  bool have_source = family == SIPSTEER_FAMILY_IPV4 ? port.has_ipv4 : port.has_ipv6;
  if (have_source) source = family == SIPSTEER_FAMILY_IPV4 ? port.ipv4 : port.ipv6;
  for (const RtVip& v : table.vips()) {
    if (have_source) break;
    if (v.family == family) {
      source = v.addr;
      have_source = true;
    }
  }
  if (!have_source || slow_tx_[port_index] == nullptr || pools_[port_index] == nullptr) return;
  rte_mbuf* m = rte_pktmbuf_alloc(pools_[port_index]);
  if (m == nullptr) return;
  uint8_t* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 86));
  if (frame == nullptr) {
    rte_pktmbuf_free(m);
    return;
  }
  size_t length;
  if (family == SIPSTEER_FAMILY_IPV4)
    length = buildArpRequest(frame, port.mac, source.v4, cache_.addr(slot).v4);
  else
    length = buildNeighbourSolicit(frame, port.mac, source.bytes, cache_.addr(slot).bytes);
  rte_pktmbuf_trim(m, static_cast<uint16_t>(86 - length));
  if (rte_ring_mp_enqueue(slow_tx_[port_index], m) != 0) {
    rte_pktmbuf_free(m);
    return;
  }
  ++sent_;
}

void Resolver::operator()(const RuntimeTable& table) {
  asked_.assign(NeighbourCache::kCapacity, 0);
  for (uint16_t p = 0; p < ports_.port_count; ++p)
    if (ports_.ports[p].gateway_slot != NeighbourCache::kNone) request(p, ports_.ports[p].gateway_slot, table);
  if (ports_.ports[ports_.server_port].gateway_slot != NeighbourCache::kNone) return;
  for (const RtServer& s : table.servers()) {
    if (s.flags & SIPSTEER_SERVER_F_MAC_SET) continue;
    request(ports_.server_port, s.neighbour_slot, table);
  }
}

}  // namespace sipsteer::dp

#include "runtime/resolver.h"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "pkt/rewrite.h"

namespace sipsteer::dp {
namespace {

std::string addrText(uint8_t family, const union sipsteer_addr& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == SIPSTEER_FAMILY_IPV4 ? AF_INET : AF_INET6, addr.bytes, text, sizeof text);
  return text;
}

std::string macText(const uint8_t mac[6]) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

std::string neighbourKey(uint8_t family, const union sipsteer_addr& addr) {
  std::string key(17, '\0');
  key[0] = static_cast<char>(family);
  std::memcpy(key.data() + 1, addr.bytes, 16);
  return key;
}

}  // namespace

KernelNeighbourStep kernelNeighbourStep(const KernelNeighbour* entry, uint64_t now_tsc, uint64_t last_ask_tsc,
                                        uint64_t stale_ticks) noexcept {
  KernelNeighbourStep step;
  if (entry != nullptr && entry->has_mac && usableNeighbourState(entry->state)) {
    step.learn = true;
    // Confirmed lately, or static: nothing to ask. A STALE entry has not
    // been confirmed for a while (DPDK's traffic to it bypasses the
    // kernel): ask the kernel to revalidate it, once per stale period.
    step.ask = (entry->state & NUD_STALE) && now_tsc - last_ask_tsc >= stale_ticks;
    return step;
  }
  // INCOMPLETE: the kernel is resolving it already. Absent, FAILED, NONE:
  // ask, every round (the cadence of own ARP requests).
  step.ask = entry == nullptr || !(entry->state & NUD_INCOMPLETE);
  return step;
}

Resolver::Resolver(NeighbourCache& cache, rte_mempool* const* pools, const PipelineConfig& ports,
                   rte_ring* const* slow_tx, uint64_t tsc_hz, std::vector<PortNeighbourSource> sources)
    : cache_(cache),
      ports_(ports),
      sources_(std::move(sources)),
      stale_ticks_(60 * tsc_hz),
      kicked_(NeighbourCache::kCapacity, 0) {
  std::copy(pools, pools + ports.port_count, pools_);
  std::copy(slow_tx, slow_tx + kMaxPorts, slow_tx_);
  sources_.resize(kMaxPorts);
}

void Resolver::want(uint16_t port_index, uint16_t slot, const RuntimeTable& table) {
  if (!sources_[port_index].kernel) {
    request(port_index, slot, table);
    return;
  }
  if (slot >= NeighbourCache::kCapacity || !cache_.used(slot) || asked_[slot]) return;
  asked_[slot] = 1;
  pending_[port_index].push_back(slot);
}

void Resolver::report(uint16_t port_index, const std::string& what) {
  ++kernel_errors_;
  // The same failure repeats every second while it lasts: one line a minute.
  const uint64_t now = rte_rdtsc();
  if (reported_[port_index] != 0 && now - reported_[port_index] < stale_ticks_) {
    ++suppressed_[port_index];
    return;
  }
  std::fprintf(stderr, "sipsteer-dp: port %s: kernel neighbours of %s: %s%s\n", sources_[port_index].name.c_str(),
               sources_[port_index].iface.c_str(), what.c_str(),
               suppressed_[port_index] ? (" (" + std::to_string(suppressed_[port_index]) +
                                          " more errors in the last minute)").c_str()
                                       : "");
  reported_[port_index] = now;
  suppressed_[port_index] = 0;
}

void Resolver::resolveFromKernel(uint16_t port_index) {
  const PortNeighbourSource& source = sources_[port_index];
  ++lookups_;
  auto entries = kernel_.dump(source.ifindex);
  if (!entries) {
    report(port_index, entries.error());
    return;
  }
  std::unordered_map<std::string, const KernelNeighbour*> by_addr;
  for (const KernelNeighbour& n : *entries)
    if (n.ifindex == source.ifindex) by_addr[neighbourKey(n.family, n.addr)] = &n;
  const uint64_t now = rte_rdtsc();
  for (const uint16_t slot : pending_[port_index]) {
    const uint8_t family = cache_.family(slot);
    const union sipsteer_addr& addr = cache_.addr(slot);
    const auto it = by_addr.find(neighbourKey(family, addr));
    const KernelNeighbour* n = it == by_addr.end() ? nullptr : it->second;
    const KernelNeighbourStep step = kernelNeighbourStep(n, now, kicked_[slot], stale_ticks_);
    if (step.learn) {
      uint8_t known[6];
      const bool had = cache_.lookup(slot, known);
      cache_.learn(family, addr, n->mac, now);
      if (!had || std::memcmp(known, n->mac, 6) != 0)
        std::fprintf(stderr, "sipsteer-dp: port %s: %s is %s (kernel neighbour table of %s, %s)\n",
                     source.name.c_str(), addrText(family, addr).c_str(), macText(n->mac).c_str(),
                     source.iface.c_str(), neighbourStateName(n->state).c_str());
    }
    if (!step.ask) continue;
    kicked_[slot] = now;
    ++solicits_;
    if (auto ok = kernel_.use(source.ifindex, family, addr); !ok)
      report(port_index, "asking the kernel to resolve " + addrText(family, addr) + ": " + ok.error());
  }
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
  for (auto& slots : pending_) slots.clear();
  for (uint16_t p = 0; p < ports_.port_count; ++p)
    if (ports_.ports[p].gateway_slot != NeighbourCache::kNone) want(p, ports_.ports[p].gateway_slot, table);
  if (ports_.ports[ports_.server_port].gateway_slot == NeighbourCache::kNone) {
    for (const RtServer& s : table.servers()) {
      if (s.flags & SIPSTEER_SERVER_F_MAC_SET) continue;
      want(ports_.server_port, s.neighbour_slot, table);
    }
  }
  // One dump per kernel port and round, only when it has something to resolve.
  for (uint16_t p = 0; p < ports_.port_count; ++p)
    if (!pending_[p].empty()) resolveFromKernel(p);
}

}  // namespace sipsteer::dp

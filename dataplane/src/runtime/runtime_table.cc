#include "runtime/runtime_table.h"

#include <arpa/inet.h>

#include <cstring>

#include "pkt/rewrite.h"

namespace sipsteer::dp {
namespace {

bool sameAddr(const union sipsteer_addr& a, const union sipsteer_addr& b) noexcept {
  return std::memcmp(a.bytes, b.bytes, 16) == 0;
}

uint32_t nextPowerOfTwo(uint32_t n) noexcept {
  uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

uint32_t RuntimeTable::addrHash(uint8_t family, const union sipsteer_addr& addr, uint16_t port) noexcept {
  // Not adversarial: keys are the table's own servers, chosen by the operator.
  uint64_t h = 0x9e3779b97f4a7c15ull * (family + 1u);
  for (int i = 0; i < 4; ++i) h = (h ^ addr.v6[i]) * 0xff51afd7ed558ccdull;
  h = (h ^ port) * 0xc4ceb9fe1a85ec53ull;
  return static_cast<uint32_t>(h >> 32);
}

std::unique_ptr<RuntimeTable> RuntimeTable::build(std::span<const uint8_t> blob, SlotAssigner& slots,
                                                  sipsteer_table_err& error) {
  std::unique_ptr<RuntimeTable> t(new RuntimeTable());
  // Copy first: the view must refer into memory the table owns, with the
  // 8-byte alignment the blob's arrays assume (vector<uint8_t> from operator
  // new is 16-aligned).
  t->blob_.assign(blob.begin(), blob.end());
  error = core::TableView::validate(t->blob_, t->view_);
  if (error != SIPSTEER_TABLE_ERR_OK) return nullptr;
  std::memcpy(t->hash_key_.bytes.data(), t->view_.header().hash_key, 16);

  for (const sipsteer_vip& v : t->view_.vips()) {
    RtVip r;
    r.addr = v.addr;
    r.port = ntohs(v.port);
    r.addr_sum = addressSum(v.family, v.addr);
    r.family = v.family;
    r.mode = v.mode;
    r.pool = v.pool;
    t->vips_.push_back(r);
  }
  const auto servers = t->view_.servers();
  t->local_down_ = std::make_unique<std::atomic<uint8_t>[]>(servers.size());
  for (size_t i = 0; i < servers.size(); ++i) {
    const sipsteer_server& s = servers[i];
    RtServer r;
    r.addr = s.addr;
    r.port = ntohs(s.port);
    r.addr_sum = addressSum(s.family, s.addr);
    r.family = s.family;
    r.flags = s.flags;
    r.server_id = s.server_id;
    r.pool = s.pool;
    std::memcpy(r.mac, s.mac, 6);
    r.counter_slot = slots.counterSlot(s.server_id);
    r.neighbour_slot = slots.neighbourSlot(s.family, s.addr);
    for (size_t v = 0; v < t->vips_.size(); ++v) {
      if (t->vips_[v].pool == s.pool && t->vips_[v].family == s.family) {
        r.unnat_vip = static_cast<uint16_t>(v);
        break;
      }
    }
    t->servers_.push_back(r);
    t->local_down_[i].store(0, std::memory_order_relaxed);
  }

  const auto pools = t->view_.pools();
  t->pool_usable_ = std::make_unique<std::atomic<uint32_t>[]>(pools.size());
  t->in_some_ring_.assign(servers.size(), 0);
  for (size_t p = 0; p < pools.size(); ++p) {
    uint32_t usable = 0;
    for (uint16_t s : t->view_.slots().subspan(pools[p].ring_offset, pools[p].ring_size)) {
      if (s == SIPSTEER_SLOT_EMPTY || t->in_some_ring_[s]) continue;
      t->in_some_ring_[s] = 1;
      const uint8_t f = t->servers_[s].flags;
      if ((f & SIPSTEER_SERVER_F_LIVE) && (f & SIPSTEER_SERVER_F_IN_RING)) ++usable;
    }
    t->pool_usable_[p].store(usable, std::memory_order_relaxed);
  }

  const uint32_t size = nextPowerOfTwo(static_cast<uint32_t>(servers.size() * 2 + 2));
  t->mask_ = size - 1;
  t->by_addr_port_.assign(size, kNoIndex);
  t->by_addr_.assign(size, kNoIndex);
  t->by_id_.assign(size, kNoIndex);
  auto place = [&](std::vector<uint16_t>& slots_of, uint32_t h, uint16_t index, auto same) {
    for (uint32_t i = h & t->mask_;; i = (i + 1) & t->mask_) {
      if (slots_of[i] == kNoIndex) {
        slots_of[i] = index;
        return;
      }
      if (same(slots_of[i])) return;  // first server with this key wins
    }
  };
  for (uint16_t i = 0; i < t->servers_.size(); ++i) {
    const RtServer& s = t->servers_[i];
    place(t->by_addr_port_, addrHash(s.family, s.addr, s.port), i, [&](uint16_t o) {
      const RtServer& x = t->servers_[o];
      return x.family == s.family && x.port == s.port && sameAddr(x.addr, s.addr);
    });
    place(t->by_addr_, addrHash(s.family, s.addr, 0), i, [&](uint16_t o) {
      const RtServer& x = t->servers_[o];
      return x.family == s.family && sameAddr(x.addr, s.addr);
    });
    place(t->by_id_, idHash(s.server_id), i,
          [&](uint16_t o) { return t->servers_[o].server_id == s.server_id; });
  }
  return t;
}

int RuntimeTable::findServer(uint8_t family, const union sipsteer_addr& addr, uint16_t port) const noexcept {
  if (servers_.empty()) return -1;
  for (uint32_t i = addrHash(family, addr, port) & mask_;; i = (i + 1) & mask_) {
    const uint16_t index = by_addr_port_[i];
    if (index == kNoIndex) return -1;
    const RtServer& s = servers_[index];
    if (s.port == port && s.family == family && sameAddr(s.addr, addr)) return index;
  }
}

int RuntimeTable::findServerAddr(uint8_t family, const union sipsteer_addr& addr) const noexcept {
  if (servers_.empty()) return -1;
  for (uint32_t i = addrHash(family, addr, 0) & mask_;; i = (i + 1) & mask_) {
    const uint16_t index = by_addr_[i];
    if (index == kNoIndex) return -1;
    const RtServer& s = servers_[index];
    if (s.family == family && sameAddr(s.addr, addr)) return index;
  }
}

uint16_t RuntimeTable::select(uint16_t pool_index, uint64_t hash) const noexcept {
  const sipsteer_pool& p = view_.pools()[pool_index];
  if (p.ring_size == 0 || pool_usable_[pool_index].load(std::memory_order_relaxed) == 0)
    return kNoIndex;
  const auto slots = view_.slots().subspan(p.ring_offset, p.ring_size);
  uint32_t slot = core::ringSlot(hash, p.ring_size);
  // Usually the first probe hits. A locally-down server (ICMP, before the
  // control plane republishes) is skipped by walking the ring; bounded by the
  // ring size, and a whole ring of down servers ends in kNoIndex.
  for (uint32_t n = 0; n < p.ring_size; ++n) {
    const uint16_t s = slots[slot];
    if (s != SIPSTEER_SLOT_EMPTY && isLive(s) && (servers_[s].flags & SIPSTEER_SERVER_F_IN_RING))
      return s;
    if (++slot == p.ring_size) slot = 0;
  }
  return kNoIndex;
}

bool RuntimeTable::markDown(uint16_t index) const noexcept {
  if (local_down_[index].exchange(1, std::memory_order_relaxed)) return false;
  const RtServer& s = servers_[index];
  if (in_some_ring_[index] && (s.flags & SIPSTEER_SERVER_F_LIVE) && (s.flags & SIPSTEER_SERVER_F_IN_RING))
    pool_usable_[s.pool].fetch_sub(1, std::memory_order_relaxed);
  return true;
}

}  // namespace sipsteer::dp

#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/table_view.h>

#include <cstring>

// No C++23 library features here: a fuzz target may compile this (clang 14).

namespace sipsteer::core {

namespace {

// [offset, offset + count * size) inside [begin, end), 8-aligned. 64-bit
// arithmetic so no product or sum of 32-bit fields can wrap.
bool arrayFits(uint64_t offset, uint64_t count, uint64_t size, uint64_t begin, uint64_t end,
               uint64_t& array_end) noexcept {
  if (offset % 8 != 0 || offset < begin) return false;
  array_end = offset + count * size;
  return array_end <= end;
}

bool knownFamily(uint8_t family) noexcept {
  return family == SIPSTEER_FAMILY_IPV4 || family == SIPSTEER_FAMILY_IPV6;
}

sipsteer_table_err checkHeader(std::span<const uint8_t> blob,
                               const sipsteer_table_header& h) noexcept {
  if (h.magic != SIPSTEER_TABLE_MAGIC || h.abi_version != SIPSTEER_ABI_VERSION) {
    return SIPSTEER_TABLE_ERR_BAD_MAGIC;
  }
  if (h.header_size != sizeof(sipsteer_table_header) || h.total_size != blob.size() ||
      h.reserved0 != 0) {
    return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
  }
  if (h.vip_count > SIPSTEER_MAX_VIPS || h.pool_count > SIPSTEER_MAX_POOLS ||
      h.server_count > SIPSTEER_MAX_SERVERS) {
    return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
  }
  // The arrays follow each other in the documented order without overlap.
  uint64_t end = 0;
  if (!arrayFits(h.vips_offset, h.vip_count, sizeof(sipsteer_vip), sizeof h, h.total_size, end) ||
      !arrayFits(h.pools_offset, h.pool_count, sizeof(sipsteer_pool), end, h.total_size, end) ||
      !arrayFits(h.servers_offset, h.server_count, sizeof(sipsteer_server), end, h.total_size,
                 end) ||
      !arrayFits(h.slots_offset, h.slot_count, sizeof(uint16_t), end, h.total_size, end)) {
    return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
  }
  return SIPSTEER_TABLE_ERR_OK;
}

}  // namespace

sipsteer_table_err TableView::validate(std::span<const uint8_t> blob, TableView& out) noexcept {
  // The records are read in place: the buffer must be aligned for them.
  if (blob.size() < sizeof(sipsteer_table_header) ||
      reinterpret_cast<uintptr_t>(blob.data()) % alignof(sipsteer_table_header) != 0) {
    return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
  }
  const auto* header = reinterpret_cast<const sipsteer_table_header*>(blob.data());
  if (sipsteer_table_err err = checkHeader(blob, *header); err != SIPSTEER_TABLE_ERR_OK) {
    return err;
  }
  const uint8_t* base = blob.data();
  const std::span<const sipsteer_vip> vips(
      reinterpret_cast<const sipsteer_vip*>(base + header->vips_offset), header->vip_count);
  const std::span<const sipsteer_pool> pools(
      reinterpret_cast<const sipsteer_pool*>(base + header->pools_offset), header->pool_count);
  const std::span<const sipsteer_server> servers(
      reinterpret_cast<const sipsteer_server*>(base + header->servers_offset),
      header->server_count);
  const std::span<const uint16_t> slots(
      reinterpret_cast<const uint16_t*>(base + header->slots_offset), header->slot_count);

  for (const sipsteer_vip& vip : vips) {
    if (!knownFamily(vip.family) ||
        (vip.mode != SIPSTEER_MODE_NAT && vip.mode != SIPSTEER_MODE_DSR)) {
      return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
    }
    if (vip.pool >= pools.size()) return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
  }
  for (const sipsteer_server& server : servers) {
    if (!knownFamily(server.family)) return SIPSTEER_TABLE_ERR_BAD_LAYOUT;
    if (server.pool >= pools.size()) return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
  }
  for (uint32_t p = 0; p < pools.size(); ++p) {
    const sipsteer_pool& pool = pools[p];
    const uint64_t first = pool.server_first;
    const uint64_t last = first + pool.server_count;  // exclusive
    if (last > servers.size()) return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
    // Each server names the pool whose range holds it: ranges cannot overlap.
    for (uint64_t s = first; s < last; ++s) {
      if (servers[s].pool != p) return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
    }
    if (uint64_t{pool.ring_offset} + pool.ring_size > slots.size()) {
      return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
    }
    for (uint32_t i = 0; i < pool.ring_size; ++i) {
      const uint16_t slot = slots[pool.ring_offset + i];
      if (slot == SIPSTEER_SLOT_EMPTY) continue;
      // A new dialog may only go to a server of this pool that is in its ring.
      if (slot < first || slot >= last ||
          (servers[slot].flags & SIPSTEER_SERVER_F_IN_RING) == 0) {
        return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
      }
    }
  }
  // Every server lies in its own pool's range (checked above for servers in a
  // range; this catches servers outside every range).
  for (uint32_t s = 0; s < servers.size(); ++s) {
    const sipsteer_pool& pool = pools[servers[s].pool];
    if (s < pool.server_first || s - pool.server_first >= pool.server_count) {
      return SIPSTEER_TABLE_ERR_BAD_REFERENCE;
    }
  }

  out.header_ = header;
  out.vips_ = vips;
  out.pools_ = pools;
  out.servers_ = servers;
  out.slots_ = slots;
  return SIPSTEER_TABLE_ERR_OK;
}

uint16_t TableView::select(uint32_t pool, uint64_t hash) const noexcept {
  if (pool >= pools_.size()) return SIPSTEER_SLOT_EMPTY;
  const sipsteer_pool& p = pools_[pool];
  if (p.ring_size == 0) return SIPSTEER_SLOT_EMPTY;
  return slots_[p.ring_offset + ringSlot(hash, p.ring_size)];
}

}  // namespace sipsteer::core

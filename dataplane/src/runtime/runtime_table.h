// The table the workers read: a validated copy of the control plane's blob
// (abi/table.h) plus what the per-packet path needs precomputed: VIP and
// server lookup structures, per-server next-hop and counter slots, and a
// local "down" flag per server that an ICMP error can set at once.
//
// Built off the fast path (control thread), published by one pointer swap
// (TableSlot), immutable afterwards except local_down (atomic bytes).
// Thread-safety: const methods are safe from any number of workers.
#pragma once

#include <sipsteer/abi/table.h>
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/table_view.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace sipsteer::dp {

constexpr uint16_t kNoIndex = 0xffff;

struct RtServer {
  union sipsteer_addr addr {};
  uint16_t port = 0;      // host order
  uint16_t addr_sum = 0;  // addressSum(family, addr), for NAT checksum updates
  uint8_t family = 0;
  uint8_t flags = 0;  // SIPSTEER_SERVER_F_*
  uint32_t server_id = 0;
  uint16_t pool = 0;
  uint16_t counter_slot = kNoIndex;    // index in per-server counter arrays
  uint16_t neighbour_slot = kNoIndex;  // next hop in the NeighbourCache
  uint16_t unnat_vip = kNoIndex;       // VIP (same family, same pool) replies leave from
  uint8_t mac[6] = {};                 // static next hop when flags has MAC_SET
};

struct RtVip {
  union sipsteer_addr addr {};
  uint16_t port = 0;      // host order
  uint16_t addr_sum = 0;  // addressSum(family, addr), for NAT checksum updates
  uint8_t family = 0;
  uint8_t mode = 0;
  uint16_t pool = 0;
};

// Assigns stable small indices to things that outlive one table (counter
// slots per server_id, neighbour cache slots per next-hop address).
class SlotAssigner {
 public:
  virtual ~SlotAssigner() = default;
  virtual uint16_t counterSlot(uint32_t server_id) = 0;  // kNoIndex when full
  virtual uint16_t neighbourSlot(uint8_t family, const union sipsteer_addr& addr) = 0;
};

class RuntimeTable {
 public:
  // Validates `blob` (core::TableView) and precomputes lookups. Returns a
  // SIPSTEER_TABLE_ERR_* code in `error` and nullptr on failure.
  static std::unique_ptr<RuntimeTable> build(std::span<const uint8_t> blob, SlotAssigner& slots,
                                             sipsteer_table_err& error);

  uint64_t generation() const noexcept { return view_.header().generation; }
  const core::HashKey& hashKey() const noexcept { return hash_key_; }
  std::span<const RtVip> vips() const noexcept { return vips_; }
  std::span<const RtServer> servers() const noexcept { return servers_; }
  const sipsteer_pool& pool(uint16_t index) const noexcept { return view_.pools()[index]; }

  // VIP index for (family, addr, port host order) or -1. Inline with
  // serverById: both run on every packet, and as calls they were ~35
  // instructions of argument and frame set-up per packet.
  int findVip(uint8_t family, const union sipsteer_addr& addr, uint16_t port) const noexcept {
    // A deployment has a handful of VIPs (format limit 64): a linear scan
    // over one or two cache lines beats hashing.
    for (size_t i = 0; i < vips_.size(); ++i) {
      const RtVip& v = vips_[i];
      if (v.port == port && v.family == family && std::memcmp(v.addr.bytes, addr.bytes, 16) == 0)
        return static_cast<int>(i);
    }
    return -1;
  }
  // Server index by address and port, or by address only (port 0), or -1.
  int findServer(uint8_t family, const union sipsteer_addr& addr, uint16_t port) const noexcept;
  int findServerAddr(uint8_t family, const union sipsteer_addr& addr) const noexcept;
  // Server index for a stable id, or -1.
  int serverById(uint32_t server_id) const noexcept {
    if (servers_.empty()) return -1;
    for (uint32_t i = idHash(server_id) & mask_;; i = (i + 1) & mask_) {
      const uint16_t index = by_id_[i];
      if (index == kNoIndex) return -1;
      if (servers_[index].server_id == server_id) return index;
    }
  }

  // May the server keep dialogs: published LIVE and not locally marked down.
  bool isLive(uint16_t index) const noexcept {
    return (servers_[index].flags & SIPSTEER_SERVER_F_LIVE) &&
           !local_down_[index].load(std::memory_order_relaxed);
  }
  // New dialog: the pool's Maglev slot for `hash`; when that server is
  // locally down, the next slots in ring order (deterministic). kNoIndex
  // when no server of the ring is usable.
  uint16_t select(uint16_t pool, uint64_t hash) const noexcept;

  // Marks a server down in this table (worker on a validated ICMP error, or
  // the control thread carrying a mark into a new table). Returns true if it
  // was up before.
  bool markDown(uint16_t index) const noexcept;

 private:
  RuntimeTable() = default;
  static uint32_t addrHash(uint8_t family, const union sipsteer_addr& addr, uint16_t port) noexcept;
  // Slot hash of a server id: one multiply (serverById runs on every packet
  // of a known dialog; ids are the operator's small integers).
  static uint32_t idHash(uint32_t server_id) noexcept {
    return static_cast<uint32_t>((server_id * 0x9e3779b97f4a7c15ull) >> 32);
  }

  std::vector<uint8_t> blob_;
  core::TableView view_;
  core::HashKey hash_key_;
  std::vector<RtVip> vips_;
  std::vector<RtServer> servers_;
  std::unique_ptr<std::atomic<uint8_t>[]> local_down_;
  std::vector<uint8_t> in_some_ring_;  // server occupies at least one slot
  // Per pool: servers in its ring not marked down; 0 ends select() at once
  // instead of walking a ring of dead servers.
  std::unique_ptr<std::atomic<uint32_t>[]> pool_usable_;
  // Open addressing (power-of-two size, linear probing) of server indices.
  std::vector<uint16_t> by_addr_port_;
  std::vector<uint16_t> by_addr_;
  std::vector<uint16_t> by_id_;
  uint32_t mask_ = 0;
};

}  // namespace sipsteer::dp

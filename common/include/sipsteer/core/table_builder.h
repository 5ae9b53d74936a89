// Builds the forwarding table blob of abi/table.h from a typed description:
// which servers of which pool are in which state, and the VIPs. Picks the
// best tier that has servers able to take new dialogs and builds its weighted
// Maglev ring. Used by the control plane to publish, and by the dataplane to
// start from a static pool when no control plane is present.
#pragma once

#include <sipsteer/abi/table.h>
#include <sipsteer/core/callid_hash.h>

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace sipsteer::core {

struct ServerSpec {
  union sipsteer_addr addr {};
  uint8_t family = SIPSTEER_FAMILY_IPV4;
  uint16_t port = 5060;  // host order
  uint16_t priority = 0;
  uint32_t weight = 1;
  uint32_t server_id = 0;                  // stable across tables
  uint8_t state = SIPSTEER_STATE_UP;       // enum sipsteer_server_state
  std::array<uint8_t, 6> mac{};            // next hop, when known
  bool mac_set = false;
};

struct PoolSpec {
  uint32_t pool_id = 0;
  uint32_t ring_size = SIPSTEER_DEFAULT_RING_SIZE;  // prime
  uint32_t retry_after_s = 30;
  std::vector<ServerSpec> servers;
};

struct VipSpec {
  union sipsteer_addr addr {};
  uint8_t family = SIPSTEER_FAMILY_IPV4;
  uint16_t port = 5060;  // host order
  uint8_t mode = SIPSTEER_MODE_NAT;
  uint16_t pool_index = 0;  // index in TableSpec::pools
};

struct TableSpec {
  uint64_t generation = 1;
  HashKey hash_key;
  std::vector<VipSpec> vips;
  std::vector<PoolSpec> pools;
};

// Largest ring a pool may ask for (keeps every blob far below 4 GiB).
inline constexpr uint32_t kMaxRingSize = 1u << 24;

// Flags a server of `state` gets in a table (LIVE / IN_RING before tier
// choice): UP is LIVE|IN_RING, DRAINING is LIVE only, DOWN/DIRTY/DISABLED and
// unknown states get nothing.
uint8_t serverFlagsForState(uint8_t state) noexcept;

// The Maglev identity of a server: SipHash (fixed public key) of family,
// address and port bytes. Not server_id: two appliances that number the same
// servers differently must still build the same ring.
uint64_t serverMemberKey(const ServerSpec& server) noexcept;

// The blob, or a message naming what is wrong (pool, server, VIP).
//
// Validation: counts <= SIPSTEER_MAX_*; VIP family 4/6 (IPv4: bytes 4..15
// zero), port != 0, mode NAT/DSR, pool_index in range, no two VIPs on the same
// family/address/port; pool ring_size prime, <= kMaxRingSize and >= the pool's
// server count, distinct pool_ids; server family/address/port as for VIPs,
// state < SIPSTEER_STATE_COUNT, no duplicate address/port or server_id in a
// pool, and a server_id used in two pools must name the same address/port.
//
// Per pool: servers are contiguous, in spec order. The active tier is the
// lowest SRV priority with at least one UP server. Its ring is the weighted
// Maglev ring (maglev.h, keys from serverMemberKey) over its UP servers of
// weight > 0; if all of them have weight 0 they share the ring equally
// (RFC 2782: an all-zero tier is uniform). Ring members that own at least one
// slot get F_IN_RING; DRAINING servers and servers of other tiers keep only
// F_LIVE per their state. No UP server: ring_size 0, no slots,
// active_priority 0. The blob's arrays follow each other in ABI order, every
// offset 8-aligned, total_size padded to a multiple of 8 with zeros.
std::expected<std::vector<uint8_t>, std::string> buildTable(const TableSpec& spec);

}  // namespace sipsteer::core

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

// Flags a server of `state` gets in a table (LIVE / IN_RING before tier choice).
uint8_t serverFlagsForState(uint8_t state) noexcept;

// The blob, or a message naming what is wrong (pool, server, VIP).
std::expected<std::vector<uint8_t>, std::string> buildTable(const TableSpec& spec);

}  // namespace sipsteer::core

#include <sipsteer/core/maglev.h>
#include <sipsteer/core/table_builder.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "table_spec_check.h"

namespace sipsteer::core {

uint8_t serverFlagsForState(uint8_t state) noexcept {
  switch (state) {
    case SIPSTEER_STATE_UP:
      return SIPSTEER_SERVER_F_LIVE | SIPSTEER_SERVER_F_IN_RING;
    case SIPSTEER_STATE_DRAINING:
      return SIPSTEER_SERVER_F_LIVE;
    default:
      return 0;
  }
}

uint64_t serverMemberKey(const ServerSpec& server) noexcept {
  // family | 16 address bytes | port in network order: a fixed 19-byte
  // encoding, so the key (and the ring) is the same on every machine.
  char identity[1 + sizeof server.addr.bytes + 2];
  identity[0] = static_cast<char>(server.family);
  std::memcpy(identity + 1, server.addr.bytes, sizeof server.addr.bytes);
  identity[17] = static_cast<char>(server.port >> 8);
  identity[18] = static_cast<char>(server.port & 0xff);
  return maglevMemberKey(std::string_view(identity, sizeof identity));
}

namespace {

constexpr size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

sipsteer_server serverRecord(const ServerSpec& spec, uint16_t pool) {
  sipsteer_server record{};
  record.addr = spec.addr;
  record.port = htons(spec.port);
  record.family = spec.family;
  record.state = spec.state;
  record.pool = pool;
  record.priority = spec.priority;
  record.weight = spec.weight;
  record.server_id = spec.server_id;
  std::memcpy(record.mac, spec.mac.data(), sizeof record.mac);
  // IN_RING is granted below, only to servers that own ring slots.
  record.flags = serverFlagsForState(spec.state) & ~SIPSTEER_SERVER_F_IN_RING;
  if (spec.mac_set) record.flags |= SIPSTEER_SERVER_F_MAC_SET;
  return record;
}

// The active tier: the lowest priority with an UP server, if any.
bool activePriority(const PoolSpec& pool, uint16_t& priority) {
  bool found = false;
  for (const ServerSpec& server : pool.servers) {
    if (server.state != SIPSTEER_STATE_UP) continue;
    if (!found || server.priority < priority) priority = server.priority;
    found = true;
  }
  return found;
}

// Appends the pool's servers and ring; fills the pool record.
void buildPool(const PoolSpec& spec, uint16_t pool_index, sipsteer_pool& pool,
               std::vector<sipsteer_server>& servers, std::vector<uint16_t>& slots) {
  pool = sipsteer_pool{};
  pool.pool_id = spec.pool_id;
  pool.retry_after_s = spec.retry_after_s;
  pool.server_first = static_cast<uint32_t>(servers.size());
  pool.server_count = static_cast<uint16_t>(spec.servers.size());
  pool.ring_offset = static_cast<uint32_t>(slots.size());
  for (const ServerSpec& server : spec.servers) servers.push_back(serverRecord(server, pool_index));

  uint16_t priority = 0;
  if (!activePriority(spec, priority)) return;  // nobody takes new dialogs: ring_size 0

  std::vector<MaglevMember> members;
  std::vector<uint32_t> member_server;  // member index -> index in servers[]
  bool any_weight = false;
  for (const ServerSpec& server : spec.servers) {
    any_weight |= server.state == SIPSTEER_STATE_UP && server.priority == priority &&
                  server.weight > 0;
  }
  for (size_t s = 0; s < spec.servers.size(); ++s) {
    const ServerSpec& server = spec.servers[s];
    if (server.state != SIPSTEER_STATE_UP || server.priority != priority) continue;
    if (any_weight && server.weight == 0) continue;
    // All-zero tier: equal shares, as RFC 2782 treats an all-zero tier.
    members.push_back(MaglevMember{serverMemberKey(server), any_weight ? server.weight : 1u});
    member_server.push_back(pool.server_first + static_cast<uint32_t>(s));
  }

  std::vector<uint16_t> ring;
  buildMaglevRing(members, spec.ring_size, ring);  // spec checked; see buildTable's catch
  for (uint16_t& slot : ring) {
    if (slot == SIPSTEER_SLOT_EMPTY) continue;  // not with an UP member, but stay safe
    slot = static_cast<uint16_t>(member_server[slot]);
    servers[slot].flags |= SIPSTEER_SERVER_F_IN_RING;
  }
  slots.insert(slots.end(), ring.begin(), ring.end());
  pool.ring_size = spec.ring_size;
  pool.active_priority = priority;
}

template <typename T>
void put(std::vector<uint8_t>& blob, size_t offset, const std::vector<T>& items) {
  if (!items.empty()) std::memcpy(blob.data() + offset, items.data(), items.size() * sizeof(T));
}

}  // namespace

std::expected<std::vector<uint8_t>, std::string> buildTable(const TableSpec& spec) {
  if (auto ok = detail::checkTableSpec(spec); !ok) return std::unexpected(ok.error());

  std::vector<sipsteer_vip> vips;
  for (const VipSpec& vip_spec : spec.vips) {
    sipsteer_vip vip{};
    vip.addr = vip_spec.addr;
    vip.port = htons(vip_spec.port);
    vip.family = vip_spec.family;
    vip.mode = vip_spec.mode;
    vip.pool = vip_spec.pool_index;
    vips.push_back(vip);
  }
  std::vector<sipsteer_pool> pools(spec.pools.size());
  std::vector<sipsteer_server> servers;
  std::vector<uint16_t> slots;
  for (size_t p = 0; p < spec.pools.size(); ++p) {
    try {
      buildPool(spec.pools[p], static_cast<uint16_t>(p), pools[p], servers, slots);
    } catch (const std::invalid_argument& e) {
      // Unreachable after checkTableSpec short of a 64-bit SipHash collision
      // between two member keys; report it rather than let it escape.
      return std::unexpected("pool " + std::to_string(p) + " (id " +
                             std::to_string(spec.pools[p].pool_id) + "): " + e.what());
    }
  }

  sipsteer_table_header header{};
  header.magic = SIPSTEER_TABLE_MAGIC;
  header.abi_version = SIPSTEER_ABI_VERSION;
  header.header_size = sizeof header;
  header.generation = spec.generation;
  header.vip_count = static_cast<uint32_t>(vips.size());
  header.pool_count = static_cast<uint32_t>(pools.size());
  header.server_count = static_cast<uint32_t>(servers.size());
  header.slot_count = static_cast<uint32_t>(slots.size());
  size_t offset = align8(sizeof header);
  header.vips_offset = static_cast<uint32_t>(offset);
  offset = align8(offset + vips.size() * sizeof(sipsteer_vip));
  header.pools_offset = static_cast<uint32_t>(offset);
  offset = align8(offset + pools.size() * sizeof(sipsteer_pool));
  header.servers_offset = static_cast<uint32_t>(offset);
  offset = align8(offset + servers.size() * sizeof(sipsteer_server));
  header.slots_offset = static_cast<uint32_t>(offset);
  offset = align8(offset + slots.size() * sizeof(uint16_t));
  // 64 pools * kMaxRingSize * 2 bytes + the rest stays below 2^32.
  static_assert(uint64_t{SIPSTEER_MAX_POOLS} * kMaxRingSize * 2 + (1u << 20) <
                std::numeric_limits<uint32_t>::max());
  header.total_size = static_cast<uint32_t>(offset);
  std::memcpy(header.hash_key, spec.hash_key.bytes.data(), sizeof header.hash_key);

  std::vector<uint8_t> blob(offset, 0);
  std::memcpy(blob.data(), &header, sizeof header);
  put(blob, header.vips_offset, vips);
  put(blob, header.pools_offset, pools);
  put(blob, header.servers_offset, servers);
  put(blob, header.slots_offset, slots);
  return blob;
}

}  // namespace sipsteer::core

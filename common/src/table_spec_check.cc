#include "table_spec_check.h"

#include <sipsteer/core/maglev.h>

#include <arpa/inet.h>

#include <cstring>
#include <map>
#include <set>
#include <tuple>

namespace sipsteer::core::detail {

std::string formatEndpoint(uint8_t family, const sipsteer_addr& addr, uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  std::string out;
  // Appends rather than `"[" + std::string(...)`: gcc 12 warns falsely
  // (-Wrestrict) on the latter at -O2.
  if (family == SIPSTEER_FAMILY_IPV4 && inet_ntop(AF_INET, addr.bytes, text, sizeof text)) {
    out.append(text);
  } else if (family == SIPSTEER_FAMILY_IPV6 && inet_ntop(AF_INET6, addr.bytes, text, sizeof text)) {
    out.append("[").append(text).append("]");
  } else {
    out.append("<family ").append(std::to_string(family)).append(">");
  }
  out.append(":").append(std::to_string(port));
  return out;
}

namespace {

using Endpoint = std::tuple<uint8_t, std::array<uint8_t, 16>, uint16_t>;

Endpoint endpointOf(uint8_t family, const sipsteer_addr& addr, uint16_t port) {
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), addr.bytes, bytes.size());
  return {family, bytes, port};
}

// Family known, IPv4 upper bytes zero (the ABI compares all 16 bytes), port set.
std::expected<void, std::string> checkAddress(uint8_t family, const sipsteer_addr& addr,
                                              uint16_t port) {
  if (family != SIPSTEER_FAMILY_IPV4 && family != SIPSTEER_FAMILY_IPV6) {
    return std::unexpected("unknown address family " + std::to_string(family));
  }
  if (family == SIPSTEER_FAMILY_IPV4) {
    for (size_t i = 4; i < sizeof addr.bytes; ++i) {
      if (addr.bytes[i] != 0) return std::unexpected("IPv4 address with non-zero bytes 4..15");
    }
  }
  if (port == 0) return std::unexpected("port 0");
  return {};
}

std::string vipName(size_t index, const VipSpec& vip) {
  return "vip " + std::to_string(index) + " (" + formatEndpoint(vip.family, vip.addr, vip.port) +
         ")";
}

std::string poolName(size_t index, const PoolSpec& pool) {
  return "pool " + std::to_string(index) + " (id " + std::to_string(pool.pool_id) + ")";
}

std::string serverName(size_t index, const ServerSpec& server) {
  return "server " + std::to_string(index) + " (" +
         formatEndpoint(server.family, server.addr, server.port) + ", id " +
         std::to_string(server.server_id) + ")";
}

std::expected<void, std::string> checkVips(const TableSpec& spec) {
  std::set<Endpoint> seen;
  for (size_t i = 0; i < spec.vips.size(); ++i) {
    const VipSpec& vip = spec.vips[i];
    if (auto ok = checkAddress(vip.family, vip.addr, vip.port); !ok) {
      return std::unexpected(vipName(i, vip) + ": " + ok.error());
    }
    if (vip.mode != SIPSTEER_MODE_NAT && vip.mode != SIPSTEER_MODE_DSR) {
      return std::unexpected(vipName(i, vip) + ": unknown mode " + std::to_string(vip.mode));
    }
    if (vip.pool_index >= spec.pools.size()) {
      return std::unexpected(vipName(i, vip) + ": pool index " + std::to_string(vip.pool_index) +
                             " but there are " + std::to_string(spec.pools.size()) + " pools");
    }
    if (!seen.insert(endpointOf(vip.family, vip.addr, vip.port)).second) {
      return std::unexpected(vipName(i, vip) + ": listed twice");
    }
  }
  return {};
}

std::expected<void, std::string> checkPool(size_t index, const PoolSpec& pool,
                                           std::map<uint32_t, Endpoint>& id_owner) {
  const std::string name = poolName(index, pool);
  if (!isPrime(pool.ring_size) || pool.ring_size > kMaxRingSize) {
    return std::unexpected(name + ": ring size " + std::to_string(pool.ring_size) +
                           " must be a prime <= " + std::to_string(kMaxRingSize));
  }
  if (pool.ring_size < pool.servers.size()) {
    return std::unexpected(name + ": ring size " + std::to_string(pool.ring_size) +
                           " is smaller than its " + std::to_string(pool.servers.size()) +
                           " servers");
  }
  std::set<Endpoint> endpoints;
  std::set<uint32_t> ids;
  for (size_t s = 0; s < pool.servers.size(); ++s) {
    const ServerSpec& server = pool.servers[s];
    const std::string where = name + " " + serverName(s, server);
    if (auto ok = checkAddress(server.family, server.addr, server.port); !ok) {
      return std::unexpected(where + ": " + ok.error());
    }
    if (server.state >= SIPSTEER_STATE_COUNT) {
      return std::unexpected(where + ": unknown state " + std::to_string(server.state));
    }
    const Endpoint endpoint = endpointOf(server.family, server.addr, server.port);
    if (!endpoints.insert(endpoint).second) return std::unexpected(where + ": listed twice");
    if (!ids.insert(server.server_id).second) {
      return std::unexpected(where + ": server_id used twice in the pool");
    }
    const auto [owner, inserted] = id_owner.emplace(server.server_id, endpoint);
    if (!inserted && owner->second != endpoint) {
      return std::unexpected(where + ": server_id already names another address in another pool");
    }
  }
  return {};
}

}  // namespace

std::expected<void, std::string> checkTableSpec(const TableSpec& spec) {
  if (spec.vips.size() > SIPSTEER_MAX_VIPS) {
    return std::unexpected(std::to_string(spec.vips.size()) + " VIPs, at most " +
                           std::to_string(SIPSTEER_MAX_VIPS));
  }
  if (spec.pools.size() > SIPSTEER_MAX_POOLS) {
    return std::unexpected(std::to_string(spec.pools.size()) + " pools, at most " +
                           std::to_string(SIPSTEER_MAX_POOLS));
  }
  size_t server_total = 0;
  for (const PoolSpec& pool : spec.pools) server_total += pool.servers.size();
  if (server_total > SIPSTEER_MAX_SERVERS) {
    return std::unexpected(std::to_string(server_total) + " servers, at most " +
                           std::to_string(SIPSTEER_MAX_SERVERS));
  }
  if (auto ok = checkVips(spec); !ok) return ok;
  std::set<uint32_t> pool_ids;
  std::map<uint32_t, Endpoint> id_owner;
  for (size_t p = 0; p < spec.pools.size(); ++p) {
    if (!pool_ids.insert(spec.pools[p].pool_id).second) {
      return std::unexpected(poolName(p, spec.pools[p]) + ": pool_id used twice");
    }
    if (auto ok = checkPool(p, spec.pools[p], id_owner); !ok) return ok;
  }
  return {};
}

}  // namespace sipsteer::core::detail

#include "publish/table_assembler.h"

#include <algorithm>

namespace sipsteer::control {

core::TableSpec assembleTable(const Config& config, const ServerRegistry& registry,
                              const StateOf& state_of, uint64_t generation,
                              const core::HashKey& key) {
  core::TableSpec spec;
  spec.generation = generation;
  spec.hash_key = key;
  for (size_t p = 0; p < config.pools.size(); ++p) {
    const PoolConfig& pc = config.pools[p];
    core::PoolSpec pool;
    pool.pool_id = static_cast<uint32_t>(p + 1);
    pool.ring_size = pc.ring_size;
    pool.retry_after_s = pc.retry_after_s;
    for (const ServerRecord* r : registry.inPool(pc.name)) {
      PublishedServerState st = state_of(r->id);
      core::ServerSpec s;
      s.addr = r->address.addr;
      s.family = r->address.family;
      s.port = r->address.port;
      s.priority = r->priority;
      uint32_t w = r->effectiveWeight();
      uint32_t ramped = w * st.weight_tenths / 10;
      s.weight = (w > 0 && ramped == 0) ? 1 : ramped;
      s.server_id = r->id;
      s.state = static_cast<uint8_t>(st.state);
      pool.servers.push_back(s);
    }
    for (const NetAddress& v : pc.vips) {
      core::VipSpec vip;
      vip.addr = v.addr;
      vip.family = v.family;
      vip.port = v.port;
      vip.mode = pc.mode;
      vip.pool_index = static_cast<uint16_t>(p);
      spec.vips.push_back(vip);
    }
    spec.pools.push_back(std::move(pool));
  }
  return spec;
}

}  // namespace sipsteer::control

// Turns the control plane's view (config pools, registry, health states)
// into the core library's TableSpec, then the immutable blob of abi/table.h.
#pragma once

#include <sipsteer/core/table_builder.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "fsm/server_fsm.h"
#include "publish/server_registry.h"

namespace sipsteer::control {

struct PublishedServerState {
  ServerState state = ServerState::kDown;
  uint32_t weight_tenths = 10;  // slow start
};

using StateOf = std::function<PublishedServerState(uint32_t server_id)>;

// Pools in config order, servers of a pool sorted by id, VIPs in config order.
core::TableSpec assembleTable(const Config& config, const ServerRegistry& registry,
                              const StateOf& state_of, uint64_t generation,
                              const core::HashKey& key);

}  // namespace sipsteer::control

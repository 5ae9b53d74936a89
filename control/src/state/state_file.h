// What must survive a restart of sipsteerd: server ids, operator changes
// (drain/disable/weight), last health, the table generation and the Call-ID
// hash key (so a restart keeps steering new dialogs the same way).
// JSON, written atomically (temporary file + rename).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "fsm/server_fsm.h"
#include "util/net_address.h"

namespace sipsteer::control {

struct SavedServer {
  std::string pool;
  NetAddress address;
  uint32_t id = 0;
  AdminState admin = AdminState::kNone;
  std::optional<uint16_t> weight_override;
  bool healthy = false;
};

struct SavedState {
  uint64_t generation = 0;
  std::string hash_key;  // 32 hex digits
  std::vector<SavedServer> servers;
};

// A missing file is an empty state (first start), not an error.
std::expected<SavedState, std::string> loadState(const std::string& path);
std::expected<void, std::string> saveState(const std::string& path, const SavedState& state);

}  // namespace sipsteer::control

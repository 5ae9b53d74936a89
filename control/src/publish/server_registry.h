// The servers the control plane manages, across pools, with stable ids.
// An id belongs to (pool name, address, port) for good: kept across reloads
// and, through the state file, across restarts, so counters, events and the
// dataplane's affinities keep meaning the same server.
// Not thread-safe (event loop).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/net_address.h"

namespace sipsteer::control {

enum class ServerSource : uint8_t { kStatic, kDns };

struct ServerRecord {
  uint32_t id = 0;
  std::string pool;
  NetAddress address;
  uint16_t priority = 0;
  uint16_t weight = 1;                      // from config or SRV
  std::optional<uint16_t> weight_override;  // `sipsteerctl weight`
  ServerSource source = ServerSource::kStatic;
  std::string target;  // SRV target name (DNS servers)
  uint16_t effectiveWeight() const { return weight_override.value_or(weight); }
  std::string name() const { return pool + "/" + address.toString(); }
};

class ServerRegistry {
 public:
  // The id of (pool, address): the remembered one or a new one.
  uint32_t idFor(const std::string& pool, const NetAddress& address);
  // Known ids from the state file, so they survive a restart.
  void rememberId(const std::string& pool, const NetAddress& address, uint32_t id);

  ServerRecord& upsert(const ServerRecord& record);  // record.id must come from idFor
  void erase(uint32_t id);
  ServerRecord* find(uint32_t id);
  const ServerRecord* find(uint32_t id) const;
  // By id, "pool/addr:port" or "addr:port" (unique across pools).
  std::optional<uint32_t> resolve(const std::string& name) const;
  std::vector<const ServerRecord*> inPool(const std::string& pool) const;  // sorted by id
  const std::map<uint32_t, ServerRecord>& all() const { return servers_; }
  const std::map<std::string, uint32_t>& ids() const { return ids_; }

 private:
  static std::string key(const std::string& pool, const NetAddress& address) {
    return pool + "/" + address.toString();
  }
  std::map<std::string, uint32_t> ids_;  // every id ever given (persisted)
  std::map<uint32_t, ServerRecord> servers_;
  uint32_t next_id_ = 1;
};

}  // namespace sipsteer::control

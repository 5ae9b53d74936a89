#include "publish/server_registry.h"

#include <charconv>

namespace sipsteer::control {

uint32_t ServerRegistry::idFor(const std::string& pool, const NetAddress& address) {
  auto [it, fresh] = ids_.emplace(key(pool, address), next_id_);
  if (fresh) ++next_id_;
  return it->second;
}

void ServerRegistry::rememberId(const std::string& pool, const NetAddress& address, uint32_t id) {
  ids_[key(pool, address)] = id;
  if (id >= next_id_) next_id_ = id + 1;
}

ServerRecord& ServerRegistry::upsert(const ServerRecord& record) {
  auto& slot = servers_[record.id];
  auto override_weight = slot.weight_override;
  slot = record;
  if (!record.weight_override) slot.weight_override = override_weight;
  return slot;
}

void ServerRegistry::erase(uint32_t id) { servers_.erase(id); }

ServerRecord* ServerRegistry::find(uint32_t id) {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second;
}

const ServerRecord* ServerRegistry::find(uint32_t id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second;
}

std::optional<uint32_t> ServerRegistry::resolve(const std::string& name) const {
  uint32_t id = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec == std::errc() && p == name.data() + name.size()) {
    if (servers_.count(id)) return id;
    return std::nullopt;
  }
  std::optional<uint32_t> found;
  for (const auto& [sid, r] : servers_) {
    if (r.name() == name) return sid;
    if (r.address.toString() == name) {
      if (found) return std::nullopt;  // ambiguous: in two pools
      found = sid;
    }
  }
  return found;
}

std::vector<const ServerRecord*> ServerRegistry::inPool(const std::string& pool) const {
  std::vector<const ServerRecord*> out;
  for (const auto& [id, r] : servers_) {
    if (r.pool == pool) out.push_back(&r);
  }
  return out;
}

}  // namespace sipsteer::control

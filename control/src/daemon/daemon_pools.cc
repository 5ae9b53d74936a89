// Membership and operator changes: config pools (static and DNS members),
// reload, drain/disable/enable, weight. Reload replays the new config
// through the same functions the API uses.
#include <spdlog/spdlog.h>

#include <set>

#include "daemon/daemon.h"
#include "dns/dns_manager.h"

namespace sipsteer::control {

const PoolConfig* Daemon::poolConfig(const std::string& name) const {
  for (const auto& p : config_.pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void Daemon::syncPools(bool initial) {
  std::set<std::string> names;
  std::map<std::string, DnsManager::PoolDomain> domains;
  for (const auto& p : config_.pools) {
    names.insert(p.name);
    if (!p.domain.empty()) domains[p.name] = {p.domain, p.domain_port};
    else dns_members_.erase(p.name);
    syncPool(p, dns_members_[p.name]);
  }
  std::vector<uint32_t> gone;
  for (const auto& [id, r] : registry_.all()) {
    if (!names.count(r.pool)) gone.push_back(id);
  }
  for (uint32_t id : gone) removeServer(id, "pool removed from the config");
  if (dns_) dns_->setPools(std::move(domains));
  refreshCollectorNames();
  (void)initial;
}

void Daemon::syncPool(const PoolConfig& pool, const std::vector<DnsMember>& dns_members) {
  Nanos now = clock_.now();
  struct Want {
    uint16_t priority, weight;
    ServerSource source;
    std::string target;
  };
  std::map<NetAddress, Want> want;
  for (const DnsMember& m : dns_members) {
    auto [it, fresh] = want.emplace(m.address, Want{m.priority, m.weight, ServerSource::kDns, m.target});
    // The same address under two SRV targets: keep the preferred record.
    if (!fresh && m.priority < it->second.priority) it->second = {m.priority, m.weight, ServerSource::kDns, m.target};
  }
  for (const StaticServer& s : pool.servers) {
    want[s.address] = {s.priority, s.weight, ServerSource::kStatic, ""};  // static wins
  }
  for (const auto& [address, w] : want) {
    uint32_t id = registry_.idFor(pool.name, address);
    ServerRecord* existing = registry_.find(id);
    if (existing) {
      if (auto back = retiring_.find(id); back != retiring_.end()) {
        // Back in the pool before its last dialog ended: undo the retiring drain.
        AdminState admin = back->second;
        retiring_.erase(back);
        health_.setAdmin(id, admin, now);
        logEvent({{"type", "server_returned"}, {"server", existing->name()}, {"id", id}});
        state_dirty_ = true;
      }
      if (existing->priority != w.priority || existing->weight != w.weight) {
        logEvent({{"type", "server_changed"}, {"server", existing->name()}, {"id", id},
                  {"priority", w.priority}, {"weight", w.weight}});
        existing->priority = w.priority;
        existing->weight = w.weight;
        table_dirty_ = true;
      }
      existing->source = w.source;
      existing->target = w.target;
      health_.setConfig(id, pool.health);
      continue;
    }
    ServerRecord r;
    r.id = id;
    r.pool = pool.name;
    r.address = address;
    r.priority = w.priority;
    r.weight = w.weight;
    r.source = w.source;
    r.target = w.target;
    const std::string key = r.name();
    auto saved = saved_by_key_.find(key);
    if (saved != saved_by_key_.end()) r.weight_override = saved->second.weight_override;
    registry_.upsert(r);
    health_.add(id, address, pool.health, now);
    if (saved != saved_by_key_.end()) {
      health_.restore(id, saved->second.healthy, saved->second.admin, now);
    }
    metrics_.addServer(id, pool.name, address.toString());
    if (const ServerFsm* f = health_.fsm(id)) metrics_.setState(id, f->state());
    logEvent({{"type", "server_added"}, {"server", key}, {"id", id},
              {"source", w.source == ServerSource::kDns ? "dns" : "static"}});
    table_dirty_ = true;
  }
  std::vector<uint32_t> gone;
  for (const ServerRecord* r : registry_.inPool(pool.name)) {
    if (!want.count(r->address)) gone.push_back(r->id);
  }
  for (uint32_t id : gone) retireServer(id, "no longer in config or DNS");
}

void Daemon::retireServer(uint32_t id, const std::string& why) {
  if (retiring_.count(id)) return;
  // Without counters (dataplane never read) nothing is known to be pinned.
  auto dialogs = activeDialogs(id);
  if (!dialogs || *dialogs == 0) {
    removeServer(id, why);
    return;
  }
  const ServerRecord* r = registry_.find(id);
  const ServerFsm* f = health_.fsm(id);
  AdminState admin = f ? f->admin() : AdminState::kNone;
  retiring_[id] = admin;
  // An operator's drain or disable already says what it should get.
  if (admin == AdminState::kNone) health_.setAdmin(id, AdminState::kDraining, clock_.now());
  logEvent({{"type", "server_retiring"}, {"server", r->name()}, {"id", id}, {"reason", why},
            {"active_dialogs", *dialogs}});
  spdlog::info("server {} {}: drained until its {} dialog(s) end", r->name(), why, *dialogs);
}

void Daemon::removeRetiredWithoutDialogs() {
  std::vector<uint32_t> done;
  for (const auto& [id, admin] : retiring_) {
    auto dialogs = activeDialogs(id);
    if (dialogs && *dialogs == 0) done.push_back(id);
  }
  for (uint32_t id : done) removeServer(id, "left the pool; its last dialog ended");
}

void Daemon::removeServer(uint32_t id, const std::string& why) {
  const ServerRecord* r = registry_.find(id);
  if (!r) return;
  logEvent({{"type", "server_removed"}, {"server", r->name()}, {"id", id}, {"reason", why}});
  spdlog::info("server {} removed: {}", r->name(), why);
  // Remember its operator state in case it comes back (DNS flaps).
  if (const ServerFsm* f = health_.fsm(id)) {
    SavedServer s;
    s.pool = r->pool;
    s.address = r->address;
    s.id = id;
    auto before = retiring_.find(id);
    s.admin = before != retiring_.end() ? before->second : f->admin();  // not the retiring drain
    s.weight_override = r->weight_override;
    saved_by_key_[r->name()] = s;
  }
  retiring_.erase(id);
  health_.remove(id);
  metrics_.removeServer(id);
  registry_.erase(id);
  table_dirty_ = true;
  state_dirty_ = true;
}

void Daemon::refreshCollectorNames() {
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> names;
  for (const auto& [id, r] : registry_.all()) names[id] = {r.pool, r.address.toString()};
  std::vector<std::string> vips;
  for (const auto& p : config_.pools) {
    for (const auto& v : p.vips) vips.push_back(v.toString());
  }
  metrics_.dataplane().setNames(std::move(names), std::move(vips));
}

void Daemon::onDnsMembers(const std::string& pool, const std::vector<DnsMember>& members) {
  const PoolConfig* p = poolConfig(pool);
  if (!p) return;
  if (dns_members_[pool] == members) return;
  dns_members_[pool] = members;
  logEvent({{"type", "dns_changed"}, {"pool", pool}, {"members", members.size()}});
  syncPool(*p, members);
  refreshCollectorNames();
}

void Daemon::onDnsFailure(const std::string& pool, const std::string& reason) {
  metrics_.dnsRefresh(pool, false, reason);
  logEvent({{"type", "dns_failure"}, {"pool", pool}, {"reason", reason}});
}

void Daemon::onDnsRefreshed(const std::string& pool) { metrics_.dnsRefresh(pool, true, ""); }

ApiReply Daemon::setAdmin(const std::string& server, AdminState admin) {
  auto id = registry_.resolve(server);
  if (!id) return ApiReply::error(ApiCode::kNotFound, "no server '" + server + "' (use id, pool/addr:port or addr:port)");
  auto t = health_.setAdmin(*id, admin, clock_.now());
  state_dirty_ = true;
  saveStateNow();  // an operator's word must survive a crash right after
  const ServerRecord* r = registry_.find(*id);
  logEvent({{"type", "admin"}, {"server", r->name()}, {"id", *id}, {"admin", adminLabel(admin)}});
  return ApiReply::ok(serverJson(*r), r->name() + (t ? " is now " + std::string(stateLabel(t->to))
                                                     : " unchanged (" + std::string(adminLabel(admin)) + ")"));
}

ApiReply Daemon::setWeight(const std::string& server, std::optional<uint16_t> weight) {
  auto id = registry_.resolve(server);
  if (!id) return ApiReply::error(ApiCode::kNotFound, "no server '" + server + "'");
  ServerRecord* r = registry_.find(*id);
  r->weight_override = weight;
  table_dirty_ = true;
  saveStateNow();
  logEvent({{"type", "weight"}, {"server", r->name()}, {"id", *id}, {"weight", r->effectiveWeight()}});
  return ApiReply::ok(serverJson(*r), r->name() + " weight " + std::to_string(r->effectiveWeight()) +
                                          (weight ? " (override)" : " (from config/DNS)"));
}

ApiReply Daemon::reload(const std::string& path) {
  auto next = loadConfigFile(path.empty() ? config_.file : path);
  if (!next) {
    metrics_.configReload(false);
    std::string text = formatErrors(next.error());
    spdlog::error("reload refused, running config kept:\n{}", text);
    ApiReply r = ApiReply::error(ApiCode::kRefused, "config refused, running config kept");
    r.data["errors"] = nlohmann::json::array();
    for (const auto& e : next.error()) r.data["errors"].push_back(e.format());
    return r;
  }
  std::vector<std::string> restart = restartOnlyChanges(config_, *next);
  // Keep the running values of restart-only keys; apply everything else.
  Config applied = *next;
  applied.control.api_socket = config_.control.api_socket;
  applied.control.api_group = config_.control.api_group;
  applied.control.state_file = config_.control.state_file;
  applied.control.metrics_listen = config_.control.metrics_listen;
  applied.control.hash_key = config_.control.hash_key;
  applied.control.probe_source_v4 = config_.control.probe_source_v4;
  applied.control.probe_source_v6 = config_.control.probe_source_v6;
  applied.dns.servers = config_.dns.servers;
  applied.dataplane = config_.dataplane;
  applied.xdp = config_.xdp;  // the loaded program and its attachments stay as started
  config_ = std::move(applied);
  spdlog::set_level(spdlog::level::from_str(config_.control.log_level));
  icmp_.setConfig(config_.icmp);
  if (dns_) dns_->setConfig(config_.dns);
  syncPools(false);
  table_dirty_ = true;
  metrics_.configReload(true);
  logEvent({{"type", "reload"}, {"file", config_.file}, {"restart_required", restart}});
  std::string msg = "config reloaded";
  if (!restart.empty()) {
    msg += "; these keys changed but need a restart: ";
    for (size_t i = 0; i < restart.size(); ++i) {
      if (i) msg += ", ";
      msg += restart[i];
    }
  }
  ApiReply r = ApiReply::ok({{"restart_required", restart}}, msg);
  return r;
}

}  // namespace sipsteer::control

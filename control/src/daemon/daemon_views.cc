// Read-only views for the API: status, servers, pools, events, explain.
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/table_view.h>

#include <cstring>

#include "config/yaml_reader.h"
#include "daemon/daemon.h"
#include "dns/dns_manager.h"

namespace sipsteer::control {

using nlohmann::json;

std::optional<uint64_t> Daemon::activeDialogs(uint32_t id) const {
  auto c = const_cast<Metrics&>(metrics_).dataplane().latest();
  if (!c) return std::nullopt;
  for (const auto& s : c->servers) {
    if (s.server_id == id) return s.values[SIPSTEER_SERVER_ACTIVE_DIALOGS];
  }
  return uint64_t{0};  // not listed: no affinity points at it
}

json Daemon::serverJson(const ServerRecord& r) const {
  json j = {{"id", r.id}, {"pool", r.pool}, {"address", r.address.toString()},
            {"priority", r.priority}, {"weight", r.effectiveWeight()}, {"configured_weight", r.weight},
            {"source", r.source == ServerSource::kDns ? "dns" : "static"}};
  if (!r.target.empty()) j["target"] = r.target;
  if (r.weight_override) j["weight_override"] = *r.weight_override;
  Nanos now = clock_.now();
  if (auto s = health_.snapshot(r.id)) {
    j["state"] = stateLabel(s->state);
    j["admin"] = adminLabel(s->admin);
    j["suspect"] = s->suspect;
    j["recovering"] = s->recovering;
    j["state_for_s"] = toSeconds(now - s->state_since);
    j["consecutive_successes"] = s->successes;
    j["consecutive_failures"] = s->failures;
    j["probes_sent"] = s->probes_sent;
    j["probes_failed"] = s->probes_failed;
    j["last_outcome"] = s->probed ? probeOutcomeLabel(s->last_outcome) : "none";
    if (s->last_status) j["last_status"] = s->last_status;
    j["rtt_ms"] = s->last_rtt ? json(toMillis(*s->last_rtt)) : json(nullptr);
    if (s->state == ServerState::kDirty) j["dirty_for_s"] = toSeconds(s->dirty_until - now);
    if (const ServerFsm* f = health_.fsm(r.id)) j["weight_tenths"] = f->weightTenths(now);
  }
  auto d = activeDialogs(r.id);
  j["active_dialogs"] = d ? json(*d) : json(nullptr);
  return j;
}

json Daemon::servers(const std::string& pool) const {
  json out = json::array();
  for (const auto& [id, r] : registry_.all()) {
    if (pool.empty() || r.pool == pool) out.push_back(serverJson(r));
  }
  return out;
}

json Daemon::pools() const {
  json out = json::array();
  core::TableView view;
  bool have_table = !last_table_.empty() && core::TableView::validate(last_table_, view) == SIPSTEER_TABLE_ERR_OK;
  for (size_t i = 0; i < config_.pools.size(); ++i) {
    const PoolConfig& p = config_.pools[i];
    json vips = json::array();
    for (const auto& v : p.vips) vips.push_back(v.toString());
    std::map<std::string, int> counts;
    for (const ServerRecord* r : registry_.inPool(p.name)) {
      if (const ServerFsm* f = health_.fsm(r->id)) ++counts[std::string(stateLabel(f->state()))];
    }
    json j = {{"name", p.name}, {"vips", vips}, {"mode", p.mode == SIPSTEER_MODE_DSR ? "dsr" : "nat"},
              {"servers", registry_.inPool(p.name).size()}, {"states", counts},
              {"domain", p.domain}, {"ring_size", p.ring_size}};
    if (have_table && i < view.pools().size()) {
      const auto& tp = view.pools()[i];
      j["active_priority"] = tp.active_priority;
      j["taking_new_dialogs"] = tp.ring_size != 0;
    }
    out.push_back(j);
  }
  return out;
}

json Daemon::status() const {
  std::map<std::string, int> counts;
  for (const auto& [id, r] : registry_.all()) {
    if (const ServerFsm* f = health_.fsm(id)) ++counts[std::string(stateLabel(f->state()))];
  }
  json j = {{"version", "0.1.0"}, {"config", config_.file}, {"uptime_s", toSeconds(clock_.now() - started_)},
            {"servers", registry_.all().size()}, {"states", counts}, {"pools", pools()},
            {"table_generation", generation_}, {"dataplane_generation", applied_generation_},
            {"dataplane_connected", dataplane_ && dataplane_->ready()},
            {"publishing", startup_gate_open_},
            {"pending_probes", health_.pendingProbes()}};
  j["last_publish_latency_ms"] = last_publish_latency_ ? json(toMillis(*last_publish_latency_)) : json(nullptr);
  j["xdp_mode"] = xdpModeLabel(config_.xdp.mode);
  if (xdp_) j["xdp"] = xdp_->describe();
  // The dataplane's affinity table, as of its last counters (null before).
  j["affinity"] = nullptr;
  if (auto c = metrics_.dataplane().latest(); c && c->affinity[SIPSTEER_AFFINITY_CAPACITY] != 0) {
    const auto& a = c->affinity;
    j["affinity"] = {{"entries", a[SIPSTEER_AFFINITY_ENTRIES]},
                     {"capacity", a[SIPSTEER_AFFINITY_CAPACITY]},
                     {"memory_bytes", a[SIPSTEER_AFFINITY_MEMORY_BYTES]},
                     {"lookups", a[SIPSTEER_AFFINITY_LOOKUPS]},
                     {"hint_misses", a[SIPSTEER_AFFINITY_HINT_MISSES]},
                     {"stale_hints", a[SIPSTEER_AFFINITY_STALE_HINTS]}};
  }
  return j;
}

json Daemon::dns() const { return dns_ ? dns_->status() : json::object(); }

json Daemon::events(size_t last) const {
  json out = json::array();
  size_t start = events_.size() > last ? events_.size() - last : 0;
  for (size_t i = start; i < events_.size(); ++i) out.push_back(events_[i]);
  return out;
}

std::expected<json, ApiReply> Daemon::explain(const std::string& call_id, const std::string& pool) const {
  if (last_table_.empty()) return std::unexpected(ApiReply::error(ApiCode::kError, "no table published yet"));
  core::TableView view;
  if (core::TableView::validate(last_table_, view) != SIPSTEER_TABLE_ERR_OK) {
    return std::unexpected(ApiReply::error(ApiCode::kError, "the last table does not validate"));
  }
  uint64_t hash = core::hashCallId(hash_key_, call_id);
  json out = json::array();
  for (size_t i = 0; i < config_.pools.size() && i < view.pools().size(); ++i) {
    if (!pool.empty() && config_.pools[i].name != pool) continue;
    const sipsteer_pool& tp = view.pools()[i];
    json j = {{"pool", config_.pools[i].name}, {"call_id", call_id}, {"hash", hash},
              {"generation", view.header().generation}};
    uint16_t idx = view.select(static_cast<uint32_t>(i), hash);
    if (idx == SIPSTEER_SLOT_EMPTY) {
      j["server"] = nullptr;
      j["why"] = "no server of the pool takes new dialogs: the dataplane answers 503 with Retry-After " +
                 std::to_string(tp.retry_after_s) + "s";
    } else {
      const sipsteer_server& s = view.servers()[idx];
      NetAddress a;
      a.family = s.family;
      std::memcpy(a.addr.bytes, s.addr.bytes, 16);
      a.port = ntohs(s.port);
      uint32_t slot = core::ringSlot(hash, tp.ring_size);
      j["server"] = config_.pools[i].name + "/" + a.toString();
      j["server_id"] = s.server_id;
      j["tier_priority"] = tp.active_priority;
      j["slot"] = slot;
      j["ring_size"] = tp.ring_size;
      j["weight"] = s.weight;
      j["why"] = "new dialog: SipHash(Call-ID) -> slot " + std::to_string(slot) + " of " +
                 std::to_string(tp.ring_size) + " in the ring of priority " + std::to_string(tp.active_priority) +
                 " (the best tier with a server up); an existing dialog stays on its server while that server is live";
    }
    out.push_back(j);
  }
  if (out.empty()) return std::unexpected(ApiReply::error(ApiCode::kNotFound, "no pool '" + pool + "'"));
  return out;
}

}  // namespace sipsteer::control

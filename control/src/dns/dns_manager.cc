#include "dns/dns_manager.h"

#include <arpa/nameser.h>
#include <spdlog/spdlog.h>
#include <sys/select.h>

#include <algorithm>
#include <cctype>

#include "config/yaml_reader.h"

namespace sipsteer::control {

namespace {

const char* typeName(int type) {
  switch (type) {
    case kDnsTypeA: return "A";
    case kDnsTypeAaaa: return "AAAA";
    case kDnsTypeSrv: return "SRV";
    case kDnsTypeNaptr: return "NAPTR";
    default: return "?";
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct QueryContext {
  DnsManager* self;
  std::pair<std::string, int> key;
};

}  // namespace

DnsManager::DnsManager(const DnsConfig& config, EventLoop& loop, const Clock& clock, Callbacks callbacks)
    : config_(config), loop_(loop), clock_(clock), callbacks_(std::move(callbacks)) {}

DnsManager::~DnsManager() {
  for (int fd : watched_) loop_.unwatch(fd);
  if (channel_) ares_destroy(channel_);
}

void DnsManager::socketCallback(void* data, ares_socket_t fd, int readable, int) {
  // Watch and unwatch right here, not later: c-ares may close a socket and
  // open another with the same number in one call, and epoll forgets a
  // closed fd, so a deferred diff would miss the new socket.
  auto* self = static_cast<DnsManager*>(data);
  if (self->watched_.count(fd)) {
    self->loop_.unwatch(fd);
    self->watched_.erase(fd);
  }
  if (!readable) return;
  if (self->loop_.watch(fd, [self, fd] { ares_process_fd(self->channel_, fd, ARES_SOCKET_BAD); })) {
    self->watched_.insert(fd);
  }
}

std::expected<void, std::string> DnsManager::init() {
  static const int kInit = ares_library_init(ARES_LIB_INIT_ALL);
  if (kInit != ARES_SUCCESS) return std::unexpected(std::string("c-ares init: ") + ares_strerror(kInit));
  ares_options opts{};
  opts.sock_state_cb = &DnsManager::socketCallback;
  opts.sock_state_cb_data = this;
  opts.timeout = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(config_.query_timeout).count());
  opts.tries = 2;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  int rc = ares_init_options(&channel_, &opts, mask);
  if (rc != ARES_SUCCESS) return std::unexpected(std::string("c-ares: ") + ares_strerror(rc));
  if (!config_.servers.empty()) {
    std::string csv;
    for (const auto& s : config_.servers) {
      if (!csv.empty()) csv += ",";
      csv += s.toString();
    }
    rc = ares_set_servers_ports_csv(channel_, csv.c_str());
    if (rc != ARES_SUCCESS) return std::unexpected("dns.servers '" + csv + "': " + ares_strerror(rc));
  }
  return {};
}

void DnsManager::setPools(std::map<std::string, PoolDomain> pools) {
  std::map<std::string, PoolState> next;
  for (auto& [name, d] : pools) {
    auto it = pools_.find(name);
    PoolState s;
    if (it != pools_.end() && it->second.domain.domain == d.domain) s = it->second;
    s.domain = d;
    next[name] = std::move(s);
  }
  pools_ = std::move(next);
  poll(clock_.now());
}

void DnsManager::query(const Key& key) {
  CacheEntry& e = cache_[key];
  e.in_flight = true;
  auto* ctx = new QueryContext{this, key};
  ares_query(
      channel_, key.first.c_str(), ns_c_in, key.second,
      [](void* arg, int status, int, unsigned char* abuf, int alen) {
        std::unique_ptr<QueryContext> c(static_cast<QueryContext*>(arg));
        // ARES_EDESTRUCTION: the channel is going away with us; touch nothing.
        if (status == ARES_EDESTRUCTION) return;
        c->self->onAnswer(c->key, status, abuf, alen);
      },
      ctx);
}

void DnsManager::onAnswer(const Key& key, int status, const unsigned char* abuf, int alen) {
  Nanos now = clock_.now();
  CacheEntry& e = cache_[key];
  e.in_flight = false;
  std::string error;
  if (status == ARES_SUCCESS) {
    auto answer = readDnsAnswer({abuf, static_cast<size_t>(std::max(alen, 0))});
    if (answer) {
      DnsAnswer filtered;
      filtered.rcode = answer->rcode;
      for (auto& r : answer->records) {
        if (r.type == key.second) filtered.records.push_back(std::move(r));
      }
      uint32_t ttl = filtered.minTtl(key.second);
      Nanos life = std::clamp<Nanos>(std::chrono::seconds(ttl), config_.ttl_min, config_.ttl_max);
      e.answer = std::move(filtered);
      e.have = true;
      e.expires = now + life;
      e.refresh_at = now + std::chrono::duration_cast<Nanos>(life * config_.refresh_ahead);
      e.last_error.clear();
    } else {
      error = "junk answer: " + answer.error();
    }
  } else if (status == ARES_ENODATA || status == ARES_ENOTFOUND) {
    // An authoritative "nothing here": a real answer (negative-cached for ttl_min).
    e.answer = DnsAnswer{};
    e.have = true;
    e.expires = now + config_.ttl_min;
    e.refresh_at = now + std::max<Nanos>(config_.ttl_min, 1s);
    e.last_error.clear();
  } else {
    error = ares_strerror(status);
  }
  if (!error.empty()) {
    ++e.failures;
    e.last_error = error;
    e.refresh_at = now + config_.retry_interval;  // retry; the old answer stays in use
    spdlog::warn("DNS {} {}: {} ({})", key.first, typeName(key.second), error,
                 e.have ? "serving the last good answer" : "no answer yet");
    for (auto& [pool, state] : pools_) {
      if (lower(key.first).find(lower(state.domain.domain)) != std::string::npos || state.announced) {
        if (callbacks_.on_failure) callbacks_.on_failure(pool, error);
      }
    }
  }
  for (auto& [pool, state] : pools_) resolvePool(pool, state, now, error.empty());
}

DnsManager::CacheEntry* DnsManager::need(const Key& key, Nanos now, bool& waiting) {
  CacheEntry& e = cache_[key];
  if (!e.in_flight && (!e.have || now >= e.refresh_at) && (e.have || e.failures == 0 || now >= e.refresh_at)) {
    query(key);
  }
  if (!e.have) {
    // A first query still out, or failed with nothing to fall back on.
    if (e.in_flight || e.failures == 0) waiting = true;
    return nullptr;
  }
  return &e;
}

void DnsManager::resolvePool(const std::string& pool, PoolState& state, Nanos now, bool answered) {
  bool waiting = false;
  const std::string domain = lower(state.domain.domain);
  std::vector<std::string> srv_names;
  CacheEntry* naptr = need({domain, kDnsTypeNaptr}, now, waiting);
  if (waiting) return;
  if (naptr) {
    // RFC 3263 4.1: the lowest order among the transports we serve (UDP).
    std::vector<const DnsRecord*> d2u;
    for (const auto& r : naptr->answer.records) {
      if (lower(r.service) == "sip+d2u" && lower(r.flags) == "s" && !r.target.empty()) d2u.push_back(&r);
    }
    std::sort(d2u.begin(), d2u.end(), [](const DnsRecord* a, const DnsRecord* b) {
      return std::tie(a->order, a->preference) < std::tie(b->order, b->preference);
    });
    for (const DnsRecord* r : d2u) {
      if (r->order == d2u.front()->order) srv_names.push_back(r->target);
    }
  }
  if (srv_names.empty()) srv_names.push_back("_sip._udp." + domain);

  struct Target {
    std::string host;
    uint16_t port, priority, weight;
  };
  std::vector<Target> targets;
  bool any_srv = false;
  bool srv_unknown = false;
  for (const auto& name : srv_names) {
    CacheEntry* srv = need({name, kDnsTypeSrv}, now, waiting);
    if (!srv) {
      srv_unknown = true;  // failed with no answer ever: do not guess A records
      continue;
    }
    for (const auto& r : srv->answer.records) {
      any_srv = true;
      if (r.target.empty() || r.target == ".") continue;  // "decidedly not available"
      targets.push_back({r.target, r.port, r.priority, r.weight});
    }
  }
  if (waiting || srv_unknown) return;
  if (!any_srv) targets.push_back({domain, state.domain.default_port, 0, 1});  // RFC 3263 4.2: plain A/AAAA

  std::vector<DnsMember> members;
  for (const Target& t : targets) {
    for (int type : {kDnsTypeA, kDnsTypeAaaa}) {
      if ((type == kDnsTypeA && !config_.ipv4) || (type == kDnsTypeAaaa && !config_.ipv6)) continue;
      CacheEntry* a = need({t.host, type}, now, waiting);
      if (!a) continue;
      for (const auto& r : a->answer.records) {
        DnsMember m;
        m.address = r.address;
        m.address.port = t.port;
        m.priority = t.priority;
        m.weight = t.weight;
        m.target = t.host;
        members.push_back(m);
      }
    }
  }
  if (waiting) return;
  std::sort(members.begin(), members.end(), [](const DnsMember& a, const DnsMember& b) { return a.address < b.address; });
  members.erase(std::unique(members.begin(), members.end(),
                            [](const DnsMember& a, const DnsMember& b) { return a.address == b.address; }),
                members.end());
  if (!state.announced || members != state.last_members) {
    state.last_members = members;
    state.announced = true;
    if (callbacks_.on_members) callbacks_.on_members(pool, members);
  }
  if (answered && callbacks_.on_refreshed) callbacks_.on_refreshed(pool);
}

void DnsManager::poll(Nanos now) {
  if (!channel_) return;
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
  for (auto& [pool, state] : pools_) resolvePool(pool, state, now, false);
}

Nanos DnsManager::nextDeadline() const {
  Nanos next = Nanos::max();
  for (const auto& [key, e] : cache_) {
    if (!e.in_flight && (e.have || e.failures > 0)) next = std::min(next, e.refresh_at);
  }
  if (channel_) {
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv)) {
      next = std::min(next, clock_.now() + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    }
  }
  return next;
}

nlohmann::json DnsManager::status() const {
  Nanos now = clock_.now();
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json sets = nlohmann::json::array();
  for (const auto& [key, e] : cache_) {
    nlohmann::json j = {{"name", key.first}, {"type", typeName(key.second)}, {"records", e.answer.records.size()},
                        {"have_answer", e.have}, {"in_flight", e.in_flight}, {"failures", e.failures},
                        {"stale", e.have && now > e.expires},
                        {"refresh_in_s", toSeconds(e.refresh_at - now)}};
    if (e.have) j["ttl_s"] = e.answer.minTtl(key.second);
    if (!e.last_error.empty()) j["last_error"] = e.last_error;
    sets.push_back(j);
  }
  nlohmann::json pools = nlohmann::json::array();
  for (const auto& [name, s] : pools_) {
    nlohmann::json members = nlohmann::json::array();
    for (const auto& m : s.last_members) {
      members.push_back({{"address", m.address.toString()}, {"priority", m.priority}, {"weight", m.weight},
                         {"target", m.target}});
    }
    pools.push_back({{"pool", name}, {"domain", s.domain.domain}, {"resolved", s.announced}, {"members", members}});
  }
  out["pools"] = pools;
  out["record_sets"] = sets;
  return out;
}

}  // namespace sipsteer::control

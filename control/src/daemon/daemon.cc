#include "daemon/daemon.h"

#include <sipsteer/core/table_builder.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "dns/dns_manager.h"
#include "health/options_message.h"
#include "publish/table_assembler.h"

namespace sipsteer::control {

namespace {
constexpr size_t kEventHistory = 1000;
}

Daemon::Daemon(Config config, const Clock& clock, core::RandomSource& random)
    : config_(std::move(config)),
      clock_(clock),
      random_(random),
      health_(random, probe_socket_, *this),
      icmp_(config_.icmp, [this](uint32_t id) { return icmpView(id); }, clock.now()),
      api_(std::make_unique<ApiServer>(loop_)) {}

Daemon::~Daemon() = default;

std::expected<void, std::string> Daemon::start() {
  started_ = clock_.now();
  // Signals first: they are blocked for the signalfd, and threads started
  // later (the metrics exposer) inherit the mask. A thread started before
  // would take SIGTERM's default action and kill the process without the
  // clean stop (state saved, XDP programs detached).
  if (auto r = loop_.handleSignals([this](int sig) {
        if (sig == SIGHUP) {
          ApiReply reply = reload(config_.file);
          spdlog::info("SIGHUP reload: {}", reply.message);
        } else {
          spdlog::info("signal {}: stopping", sig);
          loop_.stop();
        }
      });
      !r) {
    return std::unexpected(r.error());
  }
  auto saved = loadState(config_.control.state_file);
  if (!saved) return std::unexpected(saved.error());
  saved_ = *saved;
  for (const auto& s : saved_.servers) {
    registry_.rememberId(s.pool, s.address, s.id);
    saved_by_key_[s.pool + "/" + s.address.toString()] = s;
  }
  generation_ = saved_.generation;
  // Hash key: config wins, then the state file, then a fresh random key
  // (saved at once, so the next start steers the same way).
  if (!config_.control.hash_key.empty()) {
    core::parseHashKey(config_.control.hash_key, hash_key_);
  } else if (!saved_.hash_key.empty() && core::parseHashKey(saved_.hash_key, hash_key_)) {
  } else {
    hash_key_ = core::randomHashKey();
    state_dirty_ = true;
  }

  if (auto r = probe_socket_.open(config_.control.probe_source_v4, config_.control.probe_source_v6); !r) {
    return std::unexpected(r.error());
  }
  ProbeSocket::Handlers handlers;
  handlers.on_datagram = [this](std::span<const uint8_t> d, const NetAddress& from) {
    auto reply = parseOptionsReply(d, from);
    if (!reply) {
      onReject(reply.error());
      return;
    }
    health_.onReply(*reply, clock_.now());
  };
  handlers.on_icmp = [this](const NetAddress& to, uint8_t type, uint8_t code) {
    spdlog::debug("probe socket: ICMP type {} code {} for {}", type, code, to.toString());
    bool matched = health_.onProbeIcmp(to, clock_.now());
    metrics_.icmpSignal("probe_socket", matched ? "accepted" : "no_probe");
  };
  for (int fd : {probe_socket_.fdV4(), probe_socket_.fdV6()}) {
    if (fd < 0) continue;
    if (auto r = loop_.watch(fd, [this, fd, handlers] { probe_socket_.onReadable(fd, handlers); }); !r) {
      return std::unexpected(r.error());
    }
  }
  if (!config_.control.metrics_listen.empty()) {
    if (auto r = metrics_.listen(config_.control.metrics_listen); !r) return std::unexpected(r.error());
  }
  if (auto r = api_->listen(config_.control.api_socket, config_.control.api_group); !r) {
    return std::unexpected(r.error());
  }
  DnsManager::Callbacks dns_callbacks;
  dns_callbacks.on_members = [this](const std::string& p, const std::vector<DnsMember>& m) { onDnsMembers(p, m); };
  dns_callbacks.on_failure = [this](const std::string& p, const std::string& r) { onDnsFailure(p, r); };
  dns_callbacks.on_refreshed = [this](const std::string& p) { onDnsRefreshed(p); };
  dns_ = std::make_unique<DnsManager>(config_.dns, loop_, clock_, dns_callbacks);
  if (auto r = dns_->init(); !r) return std::unexpected(r.error());

  if (auto r = startXdp(); !r) return std::unexpected(r.error());
  // Steer mode is the whole fast path: there is no sipsteer-dp to talk to.
  if (config_.xdp.mode != XdpMode::kSteer)
    dataplane_ = std::make_unique<DataplaneClient>(config_.dataplane.control_socket, clock_, *this);
  syncPools(true);
  spdlog::info("sipsteerd started: {} pools, {} servers, generation {}", config_.pools.size(),
               registry_.all().size(), generation_);
  return {};
}

void Daemon::run() {
  loop_.run(
      clock_,
      [this] {
        Nanos next = std::min(health_.nextDeadline(), dns_ ? dns_->nextDeadline() : Nanos::max());
        // The XDP counters have no fd to wake us: their read is a deadline.
        if (xdp_) next = std::min(next, next_xdp_counters_);
        // Same for asking the dataplane for its counters.
        if (dataplane_ && dataplane_->ready()) next = std::min(next, next_counters_);
        // A pending table goes out on the next pass, but only once the
        // start-up gate is open; before that, wake for the grace deadline
        // (waking "now" would spin until the gate opens).
        if (table_dirty_ && startup_gate_open_) return clock_.now();
        if (!startup_gate_open_) next = std::min(next, started_ + config_.control.startup_grace);
        return next;
      },
      [this] { onWake(); });
  saveStateNow();
  if (xdp_) {
    // Detach on a clean stop; the pinned maps (and the last table) stay for
    // the next start.
    if (auto r = xdp_->detach(); !r) spdlog::warn("xdp: detach: {}", r.error());
    else spdlog::info("xdp: detached {}", xdp_->describe());
    if (xdp_->eventFd() >= 0) loop_.unwatch(xdp_->eventFd());
    xdp_.reset();
  }
}

std::expected<void, std::string> Daemon::startXdp() {
  if (config_.xdp.mode == XdpMode::kOff) return {};
  auto link = openXdpLink(config_.xdp);
  if (!link) return std::unexpected("xdp " + std::string(xdpModeLabel(config_.xdp.mode)) + " mode: " + link.error());
  xdp_ = std::move(*link);
  if (auto r = loop_.watch(xdp_->eventFd(), [this] { onXdpEvents(); }); !r) {
    return std::unexpected("xdp: watching the event ring: " + r.error());
  }
  spdlog::info("xdp {} mode: {}", xdpModeLabel(config_.xdp.mode), xdp_->describe());
  return {};
}

void Daemon::onXdpEvents() {
  std::vector<sipsteer_event> batch;
  auto n = xdp_->drainEvents([&batch](const sipsteer_event& e) { batch.push_back(e); });
  if (!n) spdlog::warn("xdp events: {}", n.error());
  // The same ICMP policy as the dataplane's EVENTS (source XDP in the label).
  if (!batch.empty()) onEvents(batch);
}

void Daemon::readXdpCounters() {
  auto c = xdp_->counters();
  if (!c) {
    spdlog::warn("xdp counters: {}", c.error());
    return;
  }
  metrics_.xdp().update(std::move(*c));
}

void Daemon::onWake() {
  Nanos now = clock_.now();
  health_.poll(now);
  if (dns_) dns_->poll(now);
  if (xdp_ && now >= next_xdp_counters_) {
    next_xdp_counters_ = now + config_.control.counters_interval;
    readXdpCounters();
  }
  if (dataplane_ && !dataplane_->ready() && now >= next_connect_) {
    next_connect_ = now + 1s;
    if (auto r = dataplane_->connect(generation_); r) {
      if (auto w = loop_.watch(dataplane_->fd(), [this] { dataplane_->onReadable(); }); !w) {
        dataplane_->close(w.error());
      } else {
        spdlog::info("connected to dataplane at {}", config_.dataplane.control_socket);
      }
    }
  }
  if (dataplane_ && dataplane_->ready() && now >= next_counters_) {
    next_counters_ = now + config_.control.counters_interval;
    (void)dataplane_->requestCounters();
  }
  if (!startup_gate_open_) {
    // Publish once every server has had its first probe (or the grace is
    // over): publishing earlier would take healthy servers out of a running
    // dataplane's table just because we have not asked them yet.
    bool all_probed = true;
    for (const auto& [id, r] : registry_.all()) {
      const ServerFsm* f = health_.fsm(id);
      all_probed = all_probed && f && f->probed();
    }
    if (all_probed || now - started_ >= config_.control.startup_grace) {
      startup_gate_open_ = true;
      spdlog::info("start-up probing {}: publishing", all_probed ? "complete" : "grace over");
    }
  }
  if (table_dirty_ && startup_gate_open_) {
    if (auto r = publishNow(); !r) spdlog::warn("publish: {}", r.error());
  }
  if (state_dirty_ && now >= next_save_) {
    next_save_ = now + 1s;  // at most one write per second
    saveStateNow();
  }
}

std::expected<uint64_t, std::string> Daemon::publishNow() {
  Nanos now = clock_.now();
  uint64_t generation = generation_ + 1;
  core::TableSpec spec = assembleTable(
      config_, registry_,
      [this, now](uint32_t id) {
        PublishedServerState s;
        if (const ServerFsm* f = health_.fsm(id)) {
          s.state = f->state();
          s.weight_tenths = f->weightTenths(now);
        }
        return s;
      },
      generation, hash_key_);
  auto blob = core::buildTable(spec);
  table_dirty_ = false;
  if (!blob) {
    metrics_.tablePublished(generation, false);
    return std::unexpected("building table " + std::to_string(generation) + ": " + blob.error());
  }
  generation_ = generation;
  last_table_ = std::move(*blob);
  state_dirty_ = true;
  // The XDP program first: in front mode its VIP map decides what reaches
  // DPDK, and it works while sipsteer-dp is not connected (or not started).
  std::string failures;
  if (xdp_) {
    if (auto r = publishTo(xdp_->publisher(), generation, !dataplane_); !r) failures = r.error();
  }
  if (dataplane_) {
    if (!dataplane_->ready()) {
      metrics_.tablePublished(generation, false);
      return std::unexpected("table " + std::to_string(generation) + " built, dataplane not connected (sent on connect)" +
                             (failures.empty() ? "" : "; " + failures));
    }
    if (auto r = publishTo(*dataplane_, generation, true); !r)
      failures += (failures.empty() ? "" : "; ") + r.error();
  }
  if (!failures.empty()) return std::unexpected(failures);
  spdlog::debug("published table {} ({} bytes)", generation, last_table_.size());
  return generation;
}

// `primary`: the publisher whose result the table metrics and `status`
// report (the dataplane when there is one, else xdp_steer). Synchronous
// publishers (XDP) have applied the table when publish() returns.
std::expected<void, std::string> Daemon::publishTo(TablePublisher& publisher, uint64_t generation, bool primary) {
  const Nanos start = clock_.now();
  auto sent = publisher.publish(last_table_, generation);
  if (!sent) {
    if (primary) metrics_.tablePublished(generation, false);
    return std::unexpected(std::string(publisher.name()) + ": " + sent.error());
  }
  if (!primary) return {};
  metrics_.tablePublished(generation, true);
  if (&publisher != dataplane_.get()) {
    const Nanos latency = clock_.now() - start;
    metrics_.tableAcked(latency, true);
    applied_generation_ = generation;
    last_publish_latency_ = latency;
  }
  return {};
}

void Daemon::onTransition(uint32_t id, const Transition& t, Nanos) {
  const ServerRecord* r = registry_.find(id);
  std::string name = r ? r->name() : std::to_string(id);
  spdlog::info("server {} {} -> {} ({})", name, stateLabel(t.from), stateLabel(t.to), reasonLabel(t.reason));
  metrics_.transition(id, t.reason);
  metrics_.setState(id, t.to);
  logEvent({{"type", "transition"}, {"server", name}, {"id", id}, {"from", stateLabel(t.from)},
            {"to", stateLabel(t.to)}, {"reason", reasonLabel(t.reason)}});
  table_dirty_ = true;
  state_dirty_ = true;
}

void Daemon::onProbeDone(uint32_t id, ProbeOutcome outcome, std::optional<Nanos> rtt, uint16_t) {
  metrics_.probeDone(id, outcome, rtt);
  // Slow start and hold timers may change weights without a transition.
  if (const ServerFsm* f = health_.fsm(id); f && f->weightTenths(clock_.now()) < 10) table_dirty_ = true;
}

void Daemon::onProbeSent(uint32_t id) { metrics_.probeSent(id); }
void Daemon::onReject(ProbeReject why) { metrics_.probeRejected(why); }

void Daemon::onDataplaneHello(uint64_t generation, uint32_t pid) {
  spdlog::info("dataplane pid {} has table generation {}", pid, generation);
  // Re-sync: our next table must be newer than what it runs, and goes out
  // now (once the start-up gate is open) — the dataplane keeps forwarding
  // with its old table until then.
  generation_ = std::max(generation_, generation);
  table_dirty_ = true;
}

void Daemon::onTableAck(uint64_t generation, uint32_t status, uint32_t apply_ns, Nanos latency) {
  bool ok = status == SIPSTEER_TABLE_ERR_OK;
  metrics_.tableAcked(latency, ok);
  if (ok) {
    applied_generation_ = std::max(applied_generation_, generation);
    last_publish_latency_ = latency;
    spdlog::debug("table {} applied in {} us (swap {} ns)", generation, toMillis(latency) * 1000, apply_ns);
  } else {
    spdlog::warn("dataplane refused table {}: status {}", generation, status);
    if (status == SIPSTEER_TABLE_ERR_STALE) table_dirty_ = true;  // it has a newer one: go past it
  }
}

void Daemon::onEvents(std::span<const sipsteer_event> events) {
  Nanos now = clock_.now();
  for (const sipsteer_event& e : events) {
    if (e.type == SIPSTEER_EVENT_TABLE_APPLIED || e.type == SIPSTEER_EVENT_SERVER_LOCAL_DOWN) continue;
    if (e.type != SIPSTEER_EVENT_ICMP_UNREACHABLE && e.type != SIPSTEER_EVENT_ICMP_REJECTED) continue;
    IcmpVerdict v = icmp_.judge(e, now);
    metrics_.icmpSignal(e.source == SIPSTEER_EVENT_SOURCE_XDP ? "xdp" : "dataplane", icmpVerdictLabel(v));
    if (v == IcmpVerdict::kAccepted) health_.onIcmpSignal(e.server_id, now);
  }
}

void Daemon::onCounters(std::span<const uint8_t> blob) {
  if (blob.empty()) return;  // a dataplane with nothing to report yet
  auto c = parseCounters(blob);
  if (!c) {
    spdlog::warn("dataplane counters: {}", c.error());
    return;
  }
  // Passive signal: requests the dataplane forwarded without any reply since
  // the last read make us probe that server now (the probe decides).
  for (const auto& s : c->servers) {
    uint64_t u = s.values[SIPSTEER_SERVER_UNANSWERED];
    auto& prev = last_unanswered_[s.server_id];
    if (u > prev) health_.probeSoon(s.server_id, clock_.now());
    prev = u;
  }
  metrics_.dataplane().update(std::move(*c));
  removeRetiredWithoutDialogs();
}

void Daemon::onDataplaneError(const std::string& message) { spdlog::warn("dataplane: {}", message); }

void Daemon::onDataplaneDisconnect(const std::string& why) {
  spdlog::warn("dataplane disconnected: {} (it keeps its last table; reconnecting)", why);
  if (dataplane_ && dataplane_->fd() >= 0) loop_.unwatch(dataplane_->fd());
}

void Daemon::logEvent(nlohmann::json event) {
  event["time"] = wallSeconds();
  events_.push_back(event);
  while (events_.size() > kEventHistory) events_.pop_front();
  api_->broadcast(event);
}

void Daemon::saveStateNow() {
  SavedState s;
  s.generation = generation_;
  s.hash_key = core::formatHashKey(hash_key_);
  for (const auto& [id, r] : registry_.all()) {
    SavedServer v;
    v.pool = r.pool;
    v.address = r.address;
    v.id = id;
    v.weight_override = r.weight_override;
    if (const ServerFsm* f = health_.fsm(id)) {
      auto before = retiring_.find(id);  // the operator's state, not the retiring drain
      v.admin = before != retiring_.end() ? before->second : f->admin();
      v.healthy = f->healthUp();
    }
    s.servers.push_back(v);
  }
  // Ids of servers not present now (e.g. DNS answer shrank) stay reserved.
  for (const auto& [key, id] : registry_.ids()) {
    if (registry_.find(id)) continue;
    auto slash = key.find('/');
    auto a = parseAddressPort(key.substr(slash + 1));
    if (!a) continue;
    SavedServer v;
    v.pool = key.substr(0, slash);
    v.address = *a;
    v.id = id;
    if (auto it = saved_by_key_.find(key); it != saved_by_key_.end()) {
      v.admin = it->second.admin;
      v.weight_override = it->second.weight_override;
    }
    s.servers.push_back(v);
  }
  if (auto r = saveState(config_.control.state_file, s); !r) {
    spdlog::warn("{}", r.error());
    return;
  }
  state_dirty_ = false;
}

std::optional<IcmpServerView> Daemon::icmpView(uint32_t id) const {
  const ServerRecord* r = registry_.find(id);
  const ServerFsm* f = health_.fsm(id);
  if (!r || !f) return std::nullopt;
  IcmpServerView v;
  v.address = r->address;
  v.up = f->healthUp() && f->admin() != AdminState::kDisabled;
  for (const ServerRecord* o : registry_.inPool(r->pool)) {
    const ServerFsm* of = health_.fsm(o->id);
    if (of && of->state() == ServerState::kUp) ++v.pool_in_ring;
  }
  return v;
}

}  // namespace sipsteer::control

#include "metrics/metrics.h"

#include <sipsteer/abi/counters.h>

#include <thread>

namespace sipsteer::control {

namespace {
const prometheus::Histogram::BucketBoundaries kRttBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                             0.05,   0.1,   0.2,   0.5,   1.0,  2.0};
const prometheus::Histogram::BucketBoundaries kPublishBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                                 0.005,  0.01,    0.025,  0.05,  0.1,
                                                                 0.25,   0.5,     1.0};
}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      dataplane_(std::make_shared<DataplaneCollector>()),
      xdp_(std::make_shared<XdpCollector>()),
      state_(prometheus::BuildGauge().Name("sipsteer_server_state")
                 .Help("1 for the state the server is in (labels pool, server, state), else 0")
                 .Register(*registry_)),
      transitions_(prometheus::BuildCounter().Name("sipsteer_server_transitions_total")
                       .Help("State changes of a server, by reason").Register(*registry_)),
      probes_sent_(prometheus::BuildCounter().Name("sipsteer_probes_sent_total")
                       .Help("SIP OPTIONS probes sent").Register(*registry_)),
      probes_failed_(prometheus::BuildCounter().Name("sipsteer_probes_failed_total")
                         .Help("Probes that did not succeed, by reason").Register(*registry_)),
      probe_rtt_(prometheus::BuildHistogram().Name("sipsteer_probe_rtt_seconds")
                     .Help("Round-trip time of answered OPTIONS probes").Register(*registry_)),
      probe_rejected_(prometheus::BuildCounter().Name("sipsteer_probe_replies_rejected_total")
                          .Help("Datagrams on the probe socket that were not a valid reply, by reason")
                          .Register(*registry_)),
      icmp_signals_(prometheus::BuildCounter().Name("sipsteer_icmp_signals_total")
                        .Help("ICMP unreachable reports, by source and verdict (accepted or why not)")
                        .Register(*registry_)),
      dns_refreshes_(prometheus::BuildCounter().Name("sipsteer_dns_refreshes_total")
                         .Help("DNS resolutions of a pool's domain that gave an answer").Register(*registry_)),
      dns_failures_(prometheus::BuildCounter().Name("sipsteer_dns_failures_total")
                        .Help("DNS resolutions that failed (last good answer kept), by reason")
                        .Register(*registry_)),
      table_generation_(prometheus::BuildGauge().Name("sipsteer_table_generation")
                            .Help("Generation of the last table published").Register(*registry_)),
      table_publishes_(prometheus::BuildCounter().Name("sipsteer_table_publishes_total")
                           .Help("Tables published, by result").Register(*registry_)),
      publish_latency_(prometheus::BuildHistogram().Name("sipsteer_table_publish_latency_seconds")
                           .Help("From publishing a table to the dataplane's acknowledgement")
                           .Register(*registry_)),
      reloads_(prometheus::BuildCounter().Name("sipsteer_config_reloads_total")
                   .Help("Configuration reloads, by result").Register(*registry_)) {}

std::expected<void, std::string> Metrics::listen(const std::string& address) {
  // A restart right after a stop can find the port still held by the old
  // process's closing connections (civetweb binds without SO_REUSEADDR):
  // retry for a few seconds at start-up before giving up.
  for (int attempt = 0;; ++attempt) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
      break;
    } catch (const std::exception& e) {
      if (attempt >= 30) return std::unexpected("metrics listener on " + address + ": " + e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(dataplane_);
  exposer_->RegisterCollectable(xdp_);
  return {};
}

prometheus::Counter& Metrics::labelled(prometheus::Family<prometheus::Counter>& family,
                                       const std::map<std::string, std::string>& labels) {
  return family.Add(labels);  // Add returns the existing series for known labels
}

void Metrics::addServer(uint32_t id, const std::string& pool, const std::string& server) {
  if (servers_.count(id)) return;
  ServerMetrics& m = servers_[id];
  m.pool = pool;
  m.server = server;
  for (size_t s = 0; s < m.state.size(); ++s) {
    m.state[s] = &state_.Add({{"pool", pool}, {"server", server},
                              {"state", std::string(stateLabel(static_cast<ServerState>(s)))}});
  }
  m.sent = &probes_sent_.Add({{"pool", pool}, {"server", server}});
  m.rtt = &probe_rtt_.Add({{"pool", pool}, {"server", server}}, kRttBuckets);
}

void Metrics::removeServer(uint32_t id) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  ServerMetrics& m = it->second;
  for (auto* g : m.state) state_.Remove(g);
  probes_sent_.Remove(m.sent);
  probe_rtt_.Remove(m.rtt);
  for (auto& [k, c] : m.failed) probes_failed_.Remove(c);
  for (auto& [k, c] : m.transitions) transitions_.Remove(c);
  servers_.erase(it);
}

void Metrics::setState(uint32_t id, ServerState state) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  for (size_t s = 0; s < it->second.state.size(); ++s) {
    it->second.state[s]->Set(s == static_cast<size_t>(state) ? 1 : 0);
  }
}

void Metrics::transition(uint32_t id, FsmReason reason) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  std::string label(reasonLabel(reason));
  auto& slot = it->second.transitions[label];
  if (!slot) slot = &transitions_.Add({{"pool", it->second.pool}, {"server", it->second.server}, {"reason", label}});
  slot->Increment();
}

void Metrics::probeSent(uint32_t id) {
  auto it = servers_.find(id);
  if (it != servers_.end()) it->second.sent->Increment();
}

void Metrics::probeDone(uint32_t id, ProbeOutcome outcome, std::optional<Nanos> rtt) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  if (rtt) it->second.rtt->Observe(toSeconds(*rtt));
  if (outcome == ProbeOutcome::kOk) return;
  std::string label = probeOutcomeLabel(outcome);
  auto& slot = it->second.failed[label];
  if (!slot) slot = &probes_failed_.Add({{"pool", it->second.pool}, {"server", it->second.server}, {"reason", label}});
  slot->Increment();
}

void Metrics::probeRejected(ProbeReject why) { labelled(probe_rejected_, {{"reason", probeRejectLabel(why)}}).Increment(); }

void Metrics::icmpSignal(const char* source, const char* verdict) {
  labelled(icmp_signals_, {{"source", source}, {"verdict", verdict}}).Increment();
}

void Metrics::dnsRefresh(const std::string& pool, bool ok, const std::string& reason) {
  if (ok) labelled(dns_refreshes_, {{"pool", pool}}).Increment();
  else labelled(dns_failures_, {{"pool", pool}, {"reason", reason}}).Increment();
}

void Metrics::tablePublished(uint64_t generation, bool ok) {
  if (ok) table_generation_.Add({}).Set(static_cast<double>(generation));
  labelled(table_publishes_, {{"result", ok ? "sent" : "failed"}}).Increment();
}

void Metrics::tableAcked(Nanos latency, bool applied) {
  labelled(table_publishes_, {{"result", applied ? "applied" : "refused"}}).Increment();
  if (applied) publish_latency_.Add({}, kPublishBuckets).Observe(toSeconds(latency));
}

void Metrics::configReload(bool ok) { labelled(reloads_, {{"result", ok ? "applied" : "refused"}}).Increment(); }

// ---- dataplane counters -------------------------------------------------

void DataplaneCollector::update(DataplaneCounters counters) {
  std::lock_guard lock(mutex_);
  counters_ = std::move(counters);
}

void DataplaneCollector::setNames(std::unordered_map<uint32_t, std::pair<std::string, std::string>> servers,
                                  std::vector<std::string> vips) {
  std::lock_guard lock(mutex_);
  server_names_ = std::move(servers);
  vip_names_ = std::move(vips);
}

std::optional<DataplaneCounters> DataplaneCollector::latest() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

namespace {

prometheus::ClientMetric sample(std::vector<prometheus::ClientMetric::Label> labels, double value, bool gauge) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (gauge) m.gauge.value = value;
  else m.counter.value = value;
  return m;
}

prometheus::MetricFamily family(std::string name, std::string help, bool gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = gauge ? prometheus::MetricType::Gauge : prometheus::MetricType::Counter;
  return f;
}

}  // namespace

std::vector<prometheus::MetricFamily> DataplaneCollector::Collect() const {
  std::lock_guard lock(mutex_);
  std::vector<prometheus::MetricFamily> out;
  if (!counters_) return out;
  const DataplaneCounters& c = *counters_;
  auto drops = family("sipsteer_dataplane_drops_total", "Packets dropped or absorbed by the dataplane, by reason", false);
#define SIPSTEER_X(name, label, help) \
  drops.metric.push_back(sample({{"reason", label}}, static_cast<double>(c.drops[SIPSTEER_DROP_##name]), false));
  SIPSTEER_DROP_REASON_X(SIPSTEER_X)
#undef SIPSTEER_X
  out.push_back(std::move(drops));
  auto sip = family("sipsteer_sip_malformed_total", "SIP messages the dataplane's scanner refused, by reason", false);
#define SIPSTEER_X(name, label, help)                                                                  \
  if (SIPSTEER_SIP_##name != SIPSTEER_SIP_OK)                                                          \
    sip.metric.push_back(sample({{"reason", label}}, static_cast<double>(c.sip_errors[SIPSTEER_SIP_##name]), false));
  SIPSTEER_SIP_ERROR_X(SIPSTEER_X)
#undef SIPSTEER_X
  out.push_back(std::move(sip));
#define SIPSTEER_X(name, label, help)                                                                   \
  {                                                                                                     \
    auto f = family(std::string("sipsteer_dataplane_port_") + label + "_total", help, false);          \
    for (const auto& p : c.ports)                                                                       \
      f.metric.push_back(sample({{"port", std::to_string(p.port_id)}},                                 \
                                static_cast<double>(p.values[SIPSTEER_PORT_##name]), false));           \
    out.push_back(std::move(f));                                                                        \
  }
  SIPSTEER_PORT_COUNTER_X(SIPSTEER_X)
#undef SIPSTEER_X
#define SIPSTEER_X(name, label, help)                                                                   \
  {                                                                                                     \
    auto f = family(std::string("sipsteer_vip_") + label + "_total", help, false);                     \
    for (size_t i = 0; i < c.vips.size(); ++i)                                                          \
      f.metric.push_back(sample({{"vip", i < vip_names_.size() ? vip_names_[i] : std::to_string(i)}}, \
                                static_cast<double>(c.vips[i].values[SIPSTEER_VIP_##name]), false));    \
    out.push_back(std::move(f));                                                                        \
  }
  SIPSTEER_VIP_COUNTER_X(SIPSTEER_X)
#undef SIPSTEER_X
#define SIPSTEER_X(name, label, help)                                                                      \
  {                                                                                                        \
    bool gauge = SIPSTEER_SERVER_##name == SIPSTEER_SERVER_ACTIVE_DIALOGS;                                 \
    auto f = family(std::string("sipsteer_server_") + label + (gauge ? "" : "_total"), help, gauge);      \
    for (const auto& s : c.servers) {                                                                      \
      auto n = server_names_.find(s.server_id);                                                            \
      std::string pool = n == server_names_.end() ? "" : n->second.first;                                  \
      std::string server = n == server_names_.end() ? "id:" + std::to_string(s.server_id) : n->second.second; \
      f.metric.push_back(sample({{"pool", pool}, {"server", server}},                                      \
                                static_cast<double>(s.values[SIPSTEER_SERVER_##name]), gauge));            \
    }                                                                                                      \
    out.push_back(std::move(f));                                                                           \
  }
  SIPSTEER_SERVER_COUNTER_X(SIPSTEER_X)
#undef SIPSTEER_X
#define SIPSTEER_X(name, label, help)                                                                     \
  {                                                                                                       \
    const bool gauge = SIPSTEER_AFFINITY_##name == SIPSTEER_AFFINITY_ENTRIES ||                           \
                       SIPSTEER_AFFINITY_##name == SIPSTEER_AFFINITY_CAPACITY ||                          \
                       SIPSTEER_AFFINITY_##name == SIPSTEER_AFFINITY_MEMORY_BYTES;                        \
    auto f = family(std::string("sipsteer_dataplane_affinity_") + label + (gauge ? "" : "_total"), help, gauge); \
    f.metric.push_back(sample({}, static_cast<double>(c.affinity[SIPSTEER_AFFINITY_##name]), gauge));      \
    out.push_back(std::move(f));                                                                          \
  }
  SIPSTEER_AFFINITY_COUNTER_X(SIPSTEER_X)
#undef SIPSTEER_X
  auto gen = family("sipsteer_dataplane_table_generation", "Table generation the dataplane uses", true);
  gen.metric.push_back(sample({}, static_cast<double>(c.generation), true));
  out.push_back(std::move(gen));
  return out;
}

}  // namespace sipsteer::control

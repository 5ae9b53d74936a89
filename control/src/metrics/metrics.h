// The Prometheus exporter (prometheus-cpp pull). Metric names follow the
// prometheus.io guide: sipsteer_ prefix, base units, _total for counters.
// docs/control.md lists them all.
//
// Threads: the exposer (civetweb) scrapes on its own threads. prometheus-cpp
// metrics and Family::Add/Remove are internally locked; the dataplane
// counters snapshot is guarded by `mutex_`. Everything else is called from
// the event loop only.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fsm/server_fsm.h"
#include "health/probe_types.h"
#include "metrics/dataplane_counters.h"
#include "metrics/xdp_counters.h"

namespace sipsteer::control {

class DataplaneCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
  void update(DataplaneCounters counters);
  void setNames(std::unordered_map<uint32_t, std::pair<std::string, std::string>> servers,
                std::vector<std::string> vips);
  std::optional<DataplaneCounters> latest() const;

 private:
  mutable std::mutex mutex_;
  std::optional<DataplaneCounters> counters_;
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> server_names_;  // id -> pool, server
  std::vector<std::string> vip_names_;
};

class Metrics {
 public:
  Metrics();
  // Starts the HTTP exposer on "host:port"; error text on failure.
  std::expected<void, std::string> listen(const std::string& address);

  void addServer(uint32_t id, const std::string& pool, const std::string& server);
  void removeServer(uint32_t id);
  void setState(uint32_t id, ServerState state);
  void transition(uint32_t id, FsmReason reason);
  void probeSent(uint32_t id);
  void probeDone(uint32_t id, ProbeOutcome outcome, std::optional<Nanos> rtt);
  void probeRejected(ProbeReject why);
  void icmpSignal(const char* source, const char* verdict);
  void dnsRefresh(const std::string& pool, bool ok, const std::string& reason);
  void tablePublished(uint64_t generation, bool ok);
  void tableAcked(Nanos latency, bool applied);
  void configReload(bool ok);

  DataplaneCollector& dataplane() { return *dataplane_; }
  const DataplaneCollector& dataplane() const { return *dataplane_; }
  XdpCollector& xdp() { return *xdp_; }
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

 private:
  struct ServerMetrics {
    std::string pool, server;
    std::array<prometheus::Gauge*, 5> state{};
    prometheus::Counter* sent = nullptr;
    prometheus::Histogram* rtt = nullptr;
    std::map<std::string, prometheus::Counter*> failed;
    std::map<std::string, prometheus::Counter*> transitions;
  };
  prometheus::Counter& labelled(prometheus::Family<prometheus::Counter>& family,
                                const std::map<std::string, std::string>& labels);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<DataplaneCollector> dataplane_;
  std::shared_ptr<XdpCollector> xdp_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Counter>& transitions_;
  prometheus::Family<prometheus::Counter>& probes_sent_;
  prometheus::Family<prometheus::Counter>& probes_failed_;
  prometheus::Family<prometheus::Histogram>& probe_rtt_;
  prometheus::Family<prometheus::Counter>& probe_rejected_;
  prometheus::Family<prometheus::Counter>& icmp_signals_;
  prometheus::Family<prometheus::Counter>& dns_refreshes_;
  prometheus::Family<prometheus::Counter>& dns_failures_;
  prometheus::Family<prometheus::Gauge>& table_generation_;
  prometheus::Family<prometheus::Counter>& table_publishes_;
  prometheus::Family<prometheus::Histogram>& publish_latency_;
  prometheus::Family<prometheus::Counter>& reloads_;
  std::unordered_map<uint32_t, ServerMetrics> servers_;
};

}  // namespace sipsteer::control

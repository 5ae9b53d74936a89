#include "metrics/xdp_counters.h"

namespace sipsteer::control {

void XdpCollector::update(XdpCounters counters) {
  std::lock_guard lock(mutex_);
  counters_ = std::move(counters);
}

std::optional<XdpCounters> XdpCollector::latest() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

namespace {

prometheus::MetricFamily counterFamily(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Counter;
  return f;
}

prometheus::ClientMetric counterSample(std::vector<prometheus::ClientMetric::Label> labels, uint64_t value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = static_cast<double>(value);
  return m;
}

}  // namespace

std::vector<prometheus::MetricFamily> XdpCollector::Collect() const {
  std::lock_guard lock(mutex_);
  std::vector<prometheus::MetricFamily> out;
  if (!counters_) return out;  // nothing read yet: no series rather than zeros
  const XdpCounters& c = *counters_;
#define SIPSTEER_X(name, label, help)                                                    \
  {                                                                                      \
    auto f = counterFamily(std::string("sipsteer_xdp_") + label + "_total", help);       \
    f.metric.push_back(counterSample({{"program", c.program}}, c.counters[SIPSTEER_XDP_##name])); \
    out.push_back(std::move(f));                                                         \
  }
  SIPSTEER_XDP_COUNTER_X(SIPSTEER_X)
#undef SIPSTEER_X
  if (c.has_drops) {
    auto drops = counterFamily("sipsteer_xdp_drops_total", "Packets the XDP program dropped, by reason");
#define SIPSTEER_X(name, label, help) \
  drops.metric.push_back(counterSample({{"program", c.program}, {"reason", label}}, c.drops[SIPSTEER_DROP_##name]));
    SIPSTEER_DROP_REASON_X(SIPSTEER_X)
#undef SIPSTEER_X
    out.push_back(std::move(drops));
  }
  return out;
}

}  // namespace sipsteer::control

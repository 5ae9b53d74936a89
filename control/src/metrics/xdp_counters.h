// Counters of the XDP program sipsteerd runs (front or steer), as the
// exporter shows them (docs/control.md, "Metrics"):
//   sipsteer_xdp_<label>_total{program}        one per SIPSTEER_XDP_COUNTER_X
//   sipsteer_xdp_drops_total{program,reason}   steer only, SIPSTEER_DROP_REASON_X
// The event loop reads the per-CPU maps every control.counters_interval and
// update()s the snapshot; the exposer's threads read it under `mutex_`.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <sipsteer/abi/counters.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sipsteer::control {

struct XdpCounters {
  std::string program;  // "front" or "steer"
  std::array<uint64_t, SIPSTEER_XDP_COUNTER_COUNT> counters{};
  bool has_drops = false;  // only the steering program drops
  std::array<uint64_t, SIPSTEER_DROP_REASON_COUNT> drops{};
};

class XdpCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
  void update(XdpCounters counters);
  std::optional<XdpCounters> latest() const;

 private:
  mutable std::mutex mutex_;
  std::optional<XdpCounters> counters_;
};

}  // namespace sipsteer::control

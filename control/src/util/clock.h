// Injected time, so the state machine, the prober and the DNS cache can be
// driven tick by tick in tests. Everything in the control plane reads time
// through a Clock; only the daemon's main wires the real one.
#pragma once

#include <chrono>
#include <cstdint>

namespace sipsteer::control {

using Nanos = std::chrono::nanoseconds;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time (CLOCK_MONOTONIC in production), never goes back.
  virtual Nanos now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override {
    return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
  }
};

// Seconds since the Unix epoch, for the state file and logs (not for timers).
int64_t wallSeconds();

inline double toSeconds(Nanos d) { return std::chrono::duration<double>(d).count(); }
inline double toMillis(Nanos d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace sipsteer::control

// The per-server state machine: what the health signals mean for one server.
//
// Two orthogonal regions, one published state (abi/table.h SIPSTEER_STATE_*):
//   health: UP, DOWN, DIRTY (quarantined until a deadline)
//   admin:  none, DRAINING, DISABLED (operator)
// published = DISABLED if disabled; else DRAINING if draining and health is
// UP; else the health state. An ICMP signal marks an UP server "suspect":
// published DOWN at once (steered away) but only a failing probe confirms it
// (then DIRTY); a good probe clears it. The transition table is in
// docs/control.md; tests/unit/control/server_fsm_test.cc walks it tick by tick.
//
// Time comes in as arguments (no clock reads), so every method is a pure
// step. Not thread-safe; owned by the health checker on the event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "config/config.h"
#include "util/clock.h"

namespace sipsteer::control {

enum class ServerState : uint8_t { kUp = 0, kDown = 1, kDirty = 2, kDraining = 3, kDisabled = 4 };
enum class AdminState : uint8_t { kNone = 0, kDraining = 1, kDisabled = 2 };

std::string_view stateLabel(ServerState s);
std::string_view adminLabel(AdminState s);
std::optional<AdminState> parseAdmin(std::string_view s);
std::optional<ServerState> parseState(std::string_view s);

// Why a transition happened; label of sipsteer_server_transitions_total{reason}.
#define SIPSTEER_FSM_REASON_X(X)                                                    \
  X(kInitialProbeOk, "initial_probe_ok")       /* first probe of a new server */   \
  X(kProbeOk, "probe_ok")                      /* rise reached, no hold */          \
  X(kHoldDone, "failback_hold_done")           /* healthy through the hold */       \
  X(kProbeTimeout, "probe_timeout")            /* fall reached by timeouts */       \
  X(kProbeBadCode, "probe_bad_code")           /* fall reached by bad replies */    \
  X(kProbeIcmp, "probe_icmp")                  /* probe got ICMP unreachable */     \
  X(kIcmpSuspect, "icmp_suspect")              /* accepted ICMP signal */           \
  X(kIcmpConfirmed, "icmp_confirmed")          /* probe failed after ICMP */        \
  X(kIcmpUnconfirmed, "icmp_unconfirmed")      /* probe succeeded after ICMP */     \
  X(kRetryAfter, "retry_after")                /* 503 with Retry-After */           \
  X(kDirtyExpired, "dirty_expired")            /* quarantine over, probing */      \
  X(kAdminDrain, "admin_drain")                                                     \
  X(kAdminDisable, "admin_disable")                                                 \
  X(kAdminEnable, "admin_enable")                                                   \
  X(kRestored, "restored")                     /* state file at start-up */

enum class FsmReason : uint8_t {
#define SIPSTEER_X(name, label) name,
  SIPSTEER_FSM_REASON_X(SIPSTEER_X)
#undef SIPSTEER_X
      kCount
};
std::string_view reasonLabel(FsmReason r);

enum class ProbeFailure : uint8_t { kTimeout, kBadCode, kIcmp };

struct Transition {
  ServerState from;
  ServerState to;
  FsmReason reason;
};

class ServerFsm {
 public:
  // A new server: DOWN until its first probe answers (then UP at once, with
  // no rise/hold, because nothing depends on it yet).
  ServerFsm(const HealthConfig& config, Nanos now);

  // Restores a state saved before a restart (health UP/DOWN, admin state).
  void restore(bool healthy, AdminState admin, Nanos now);
  void setConfig(const HealthConfig& config) { config_ = config; }

  std::optional<Transition> onProbeSuccess(Nanos now);
  std::optional<Transition> onProbeFailure(Nanos now, ProbeFailure why);
  // 503 with Retry-After: out for that long (clamped to retry_after_max).
  std::optional<Transition> onRetryAfter(Nanos now, Nanos retry_after);
  // A validated, rate-limited ICMP signal: steer away now, confirm by probe.
  std::optional<Transition> onIcmpSuspect(Nanos now);
  std::optional<Transition> setAdmin(AdminState admin, Nanos now);
  // Advances timers (quarantine expiry, failback hold).
  std::optional<Transition> tick(Nanos now);

  ServerState state() const;
  AdminState admin() const { return admin_; }
  bool healthUp() const { return health_ == Health::kUp && !suspect_; }
  bool suspect() const { return suspect_; }
  bool probed() const { return probed_; }
  // Earliest time tick() has something to do, or Nanos::max().
  Nanos nextDeadline(Nanos now) const;
  // Slow start: share of the configured weight, in tenths (1..10), so a ramp
  // publishes at most ten tables.
  uint32_t weightTenths(Nanos now) const;
  Nanos dirtyUntil() const { return dirty_until_; }
  Nanos currentDirtyTtl() const { return dirty_ttl_; }
  Nanos stateSince() const { return since_; }
  uint32_t consecutiveSuccesses() const { return successes_; }
  uint32_t consecutiveFailures() const { return failures_; }
  bool recovering() const { return hold_started_ != kNever; }

 private:
  enum class Health : uint8_t { kUp, kDown, kDirty };
  static constexpr Nanos kNever = Nanos::min();
  std::optional<Transition> finish(ServerState before, FsmReason reason, Nanos now);
  void goDirty(Nanos now, Nanos ttl);
  void failFromUp(Nanos now);

  HealthConfig config_;
  Health health_ = Health::kDown;
  AdminState admin_ = AdminState::kNone;
  bool suspect_ = false;
  bool probed_ = false;
  bool failed_before_ = false;  // a later failure soon after recovery doubles the TTL
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
  Nanos dirty_until_{0};
  Nanos dirty_ttl_;
  Nanos hold_started_ = kNever;
  Nanos up_since_ = kNever;
  Nanos since_{0};
};

}  // namespace sipsteer::control

#include "fsm/server_fsm.h"

#include <algorithm>
#include <array>

namespace sipsteer::control {

namespace {
constexpr std::array<std::string_view, 5> kStateLabels = {"up", "down", "dirty", "draining",
                                                          "disabled"};
constexpr std::array<std::string_view, static_cast<size_t>(FsmReason::kCount)> kReasonLabels = {
#define SIPSTEER_X(name, label) label,
    SIPSTEER_FSM_REASON_X(SIPSTEER_X)
#undef SIPSTEER_X
};
}  // namespace

std::string_view stateLabel(ServerState s) { return kStateLabels[static_cast<size_t>(s)]; }

std::string_view adminLabel(AdminState s) {
  switch (s) {
    case AdminState::kNone: return "none";
    case AdminState::kDraining: return "draining";
    case AdminState::kDisabled: return "disabled";
  }
  return "none";
}

std::optional<AdminState> parseAdmin(std::string_view s) {
  if (s == "none") return AdminState::kNone;
  if (s == "draining") return AdminState::kDraining;
  if (s == "disabled") return AdminState::kDisabled;
  return std::nullopt;
}

std::optional<ServerState> parseState(std::string_view s) {
  for (size_t i = 0; i < kStateLabels.size(); ++i) {
    if (kStateLabels[i] == s) return static_cast<ServerState>(i);
  }
  return std::nullopt;
}

std::string_view reasonLabel(FsmReason r) { return kReasonLabels[static_cast<size_t>(r)]; }

ServerFsm::ServerFsm(const HealthConfig& config, Nanos now)
    : config_(config), dirty_ttl_(config.dirty_host_ttl), since_(now) {}

void ServerFsm::restore(bool healthy, AdminState admin, Nanos now) {
  health_ = healthy ? Health::kUp : Health::kDown;
  admin_ = admin;
  // A restored UP server was healthy a moment ago; it keeps serving while
  // probes confirm it, so a restart does not disturb traffic.
  probed_ = true;
  successes_ = failures_ = 0;
  up_since_ = healthy ? now - config_.slow_start : kNever;  // no second slow start
  since_ = now;
}

ServerState ServerFsm::state() const {
  if (admin_ == AdminState::kDisabled) return ServerState::kDisabled;
  if (suspect_) return ServerState::kDown;
  switch (health_) {
    case Health::kUp:
      return admin_ == AdminState::kDraining ? ServerState::kDraining : ServerState::kUp;
    case Health::kDown: return ServerState::kDown;
    case Health::kDirty: return ServerState::kDirty;
  }
  return ServerState::kDown;
}

std::optional<Transition> ServerFsm::finish(ServerState before, FsmReason reason, Nanos now) {
  ServerState after = state();
  if (after == before) return std::nullopt;
  since_ = now;
  return Transition{before, after, reason};
}

void ServerFsm::goDirty(Nanos now, Nanos ttl) {
  health_ = ttl > Nanos::zero() ? Health::kDirty : Health::kDown;
  dirty_until_ = now + ttl;
  successes_ = 0;
  hold_started_ = kNever;
  up_since_ = kNever;
}

void ServerFsm::failFromUp(Nanos now) {
  // Failing again soon after a recovery doubles the quarantine (up to the
  // cap); a server that stayed up longer than the cap starts from the base.
  if (failed_before_ && up_since_ != kNever && now - up_since_ < config_.dirty_host_ttl_max) {
    dirty_ttl_ = std::min(dirty_ttl_ * 2, config_.dirty_host_ttl_max);
  } else {
    dirty_ttl_ = config_.dirty_host_ttl;
  }
  failed_before_ = true;
  goDirty(now, dirty_ttl_);
}

std::optional<Transition> ServerFsm::onProbeSuccess(Nanos now) {
  ServerState before = state();
  failures_ = 0;
  ++successes_;
  if (!probed_) {
    probed_ = true;
    health_ = Health::kUp;
    up_since_ = now;
    return finish(before, FsmReason::kInitialProbeOk, now);
  }
  if (suspect_) {
    suspect_ = false;
    return finish(before, FsmReason::kIcmpUnconfirmed, now);
  }
  if (health_ == Health::kDown && successes_ >= config_.rise) {
    if (config_.failback_hold <= Nanos::zero()) {
      health_ = Health::kUp;
      up_since_ = now;
      return finish(before, FsmReason::kProbeOk, now);
    }
    if (hold_started_ == kNever) hold_started_ = now;
    return tick(now);
  }
  return std::nullopt;
}

std::optional<Transition> ServerFsm::onProbeFailure(Nanos now, ProbeFailure why) {
  ServerState before = state();
  probed_ = true;
  successes_ = 0;
  hold_started_ = kNever;
  ++failures_;
  if (suspect_) {
    suspect_ = false;
    failFromUp(now);
    return finish(before, FsmReason::kIcmpConfirmed, now);
  }
  if (health_ == Health::kUp && failures_ >= config_.fall) {
    failFromUp(now);
    FsmReason reason = why == ProbeFailure::kTimeout   ? FsmReason::kProbeTimeout
                       : why == ProbeFailure::kBadCode ? FsmReason::kProbeBadCode
                                                       : FsmReason::kProbeIcmp;
    return finish(before, reason, now);
  }
  return std::nullopt;
}

std::optional<Transition> ServerFsm::onRetryAfter(Nanos now, Nanos retry_after) {
  ServerState before = state();
  probed_ = true;
  suspect_ = false;
  failures_ = 0;
  retry_after = std::clamp(retry_after, Nanos(1s), config_.retry_after_max);
  // The server said how long; its word replaces (not doubles) the quarantine.
  goDirty(now, retry_after);
  return finish(before, FsmReason::kRetryAfter, now);
}

std::optional<Transition> ServerFsm::onIcmpSuspect(Nanos now) {
  ServerState before = state();
  if (health_ != Health::kUp || suspect_) return std::nullopt;
  suspect_ = true;
  return finish(before, FsmReason::kIcmpSuspect, now);
}

std::optional<Transition> ServerFsm::setAdmin(AdminState admin, Nanos now) {
  ServerState before = state();
  admin_ = admin;
  FsmReason reason = admin == AdminState::kDraining   ? FsmReason::kAdminDrain
                     : admin == AdminState::kDisabled ? FsmReason::kAdminDisable
                                                      : FsmReason::kAdminEnable;
  return finish(before, reason, now);
}

std::optional<Transition> ServerFsm::tick(Nanos now) {
  ServerState before = state();
  if (health_ == Health::kDirty && now >= dirty_until_) {
    health_ = Health::kDown;
    successes_ = 0;
    return finish(before, FsmReason::kDirtyExpired, now);
  }
  if (health_ == Health::kDown && hold_started_ != kNever &&
      now - hold_started_ >= config_.failback_hold) {
    health_ = Health::kUp;
    hold_started_ = kNever;
    up_since_ = now;
    return finish(before, FsmReason::kHoldDone, now);
  }
  return std::nullopt;
}

Nanos ServerFsm::nextDeadline(Nanos now) const {
  Nanos next = Nanos::max();
  if (health_ == Health::kDirty) next = std::min(next, dirty_until_);
  if (health_ == Health::kDown && hold_started_ != kNever) {
    next = std::min(next, hold_started_ + config_.failback_hold);
  }
  if (health_ == Health::kUp && config_.slow_start > Nanos::zero() && up_since_ != kNever) {
    uint32_t tenths = weightTenths(now);
    if (tenths < 10) next = std::min(next, up_since_ + config_.slow_start * tenths / 10);
  }
  return next;
}

uint32_t ServerFsm::weightTenths(Nanos now) const {
  if (config_.slow_start <= Nanos::zero() || up_since_ == kNever) return 10;
  Nanos age = now - up_since_;
  if (age >= config_.slow_start) return 10;
  auto tenths = static_cast<uint32_t>(age * 10 / config_.slow_start) + 1;
  return std::min<uint32_t>(tenths, 10);
}

}  // namespace sipsteer::control

#include "health/health_checker.h"

#include <algorithm>
#include <cstdio>

#include "health/options_message.h"

namespace sipsteer::control {

namespace {
// Gap before re-probing a server whose probe drew an ICMP error.
constexpr Nanos kIcmpReprobeGap = std::chrono::milliseconds(10);
}  // namespace

HealthChecker::HealthChecker(core::RandomSource& random, ProbeSender& sender,
                             HealthListener& listener)
    : random_(random), sender_(sender), listener_(listener) {}

Nanos HealthChecker::jittered(const HealthConfig& c) {
  // interval * (1 +- jitter), uniform: servers added together drift apart.
  auto span = static_cast<int64_t>(static_cast<double>(c.interval.count()) * c.jitter);
  if (span <= 0) return c.interval;
  auto pick = static_cast<int64_t>(random_.uniformInclusive(1000000)) * (2 * span) / 1000000;
  return c.interval - Nanos(span) + Nanos(pick);
}

std::string HealthChecker::token() {
  // 64 random bits (unguessable with a CSPRNG source) plus a counter so two
  // probes can never share a branch even with a scripted source.
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%08x%llx", random_.uniformInclusive(0xffffffffu),
                random_.uniformInclusive(0xffffffffu),
                static_cast<unsigned long long>(++token_counter_));
  return buf;
}

void HealthChecker::add(uint32_t id, const NetAddress& address, const HealthConfig& config, Nanos now) {
  if (servers_.count(id)) return;
  Entry e{address, config, ServerFsm(config, now)};
  // First probe at a random point of the first interval: no probe storm when
  // hundreds of servers appear at once (start-up, DNS change).
  auto spread = static_cast<int64_t>(random_.uniformInclusive(1000000));
  e.next_probe = now + Nanos(config.interval.count() / 1000000 * spread);
  auto [it, ok] = servers_.emplace(id, std::move(e));
  it->second.wake = Nanos::max();
  reschedule(id, it->second, now);
}

void HealthChecker::restore(uint32_t id, bool healthy, AdminState admin, Nanos now) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  it->second.fsm.restore(healthy, admin, now);
  reschedule(id, it->second, now);
}

void HealthChecker::remove(uint32_t id) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  if (it->second.pending) by_branch_.erase(it->second.pending->branch);
  wakeups_.erase({it->second.wake, id});
  servers_.erase(it);
}

void HealthChecker::setConfig(uint32_t id, const HealthConfig& config) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  it->second.config = config;
  it->second.fsm.setConfig(config);
}

void HealthChecker::reschedule(uint32_t id, Entry& e, Nanos now) {
  Nanos wake = e.pending ? std::min(e.pending->deadline, e.next_probe) : e.next_probe;
  wake = std::min(wake, e.fsm.nextDeadline(now));
  if (wake == e.wake) return;
  wakeups_.erase({e.wake, id});
  e.wake = wake;
  wakeups_.insert({wake, id});
}

void HealthChecker::emit(uint32_t id, const std::optional<Transition>& t, Nanos now) {
  if (t) listener_.onTransition(id, *t, now);
}

void HealthChecker::sendProbe(uint32_t id, Entry& e, Nanos now) {
  OptionsRequest req = buildOptions(e.address, sender_.localAddress(e.address.family), token(), ++e.cseq);
  e.next_probe = now + jittered(e.config);
  ++e.probes_sent;
  listener_.onProbeSent(id);
  auto sent = sender_.send(e.address, req.bytes);
  if (!sent) {
    // Could not even send (no route, socket error): a failed probe now, not
    // a timeout later.
    finishProbe(id, e, ProbeOutcome::kSendError, now, 0, -1);
    return;
  }
  e.pending = Pending{req.branch, now, now + e.config.timeout};
  by_branch_[req.branch] = id;
}

void HealthChecker::finishProbe(uint32_t id, Entry& e, ProbeOutcome outcome, Nanos now,
                                uint16_t status, int32_t retry_after) {
  std::optional<Nanos> rtt;
  if (e.pending) {
    if (outcome == ProbeOutcome::kOk || outcome == ProbeOutcome::kBadCode ||
        outcome == ProbeOutcome::kRetryAfter) {
      rtt = now - e.pending->sent;
    }
    by_branch_.erase(e.pending->branch);
    e.pending.reset();
  }
  e.last_outcome = outcome;
  e.last_status = status;
  if (rtt) e.last_rtt = rtt;
  if (outcome != ProbeOutcome::kOk) ++e.probes_failed;
  listener_.onProbeDone(id, outcome, rtt, status);
  switch (outcome) {
    case ProbeOutcome::kOk: emit(id, e.fsm.onProbeSuccess(now), now); break;
    case ProbeOutcome::kTimeout:
    case ProbeOutcome::kSendError:
      emit(id, e.fsm.onProbeFailure(now, ProbeFailure::kTimeout), now);
      break;
    case ProbeOutcome::kBadCode: emit(id, e.fsm.onProbeFailure(now, ProbeFailure::kBadCode), now); break;
    case ProbeOutcome::kIcmp:
      emit(id, e.fsm.onProbeFailure(now, ProbeFailure::kIcmp), now);
      // ICMP is strong, cheap evidence: confirm at once instead of waiting
      // an interval per failure, so a dead process is out after `fall`
      // round trips. Bounded: once out, probing returns to the interval.
      if (e.fsm.healthUp()) e.next_probe = std::min(e.next_probe, now + kIcmpReprobeGap);
      break;
    case ProbeOutcome::kRetryAfter:
      emit(id, e.fsm.onRetryAfter(now, std::chrono::seconds(std::max(retry_after, 0))), now);
      break;
  }
  reschedule(id, e, now);
}

void HealthChecker::onReply(const ProbeReply& reply, Nanos now) {
  auto b = by_branch_.find(reply.branch);
  if (b == by_branch_.end()) {
    listener_.onReject(ProbeReject::kUnknownBranch);
    return;
  }
  auto it = servers_.find(b->second);
  if (it == servers_.end()) return;
  Entry& e = it->second;
  if (!(reply.from == e.address)) {
    // Right branch, wrong sender: someone saw or guessed the probe. Ignore
    // it; the real reply (or the timeout) still decides.
    listener_.onReject(ProbeReject::kStranger);
    return;
  }
  if (reply.status < 200) return;  // provisional: wait for the final reply
  ProbeOutcome outcome = ProbeOutcome::kBadCode;
  if (reply.status == 503 && reply.retry_after > 0) {
    outcome = ProbeOutcome::kRetryAfter;
  } else {
    for (const CodeRange& r : e.config.accepted_codes) {
      if (reply.status >= r.first && reply.status <= r.last) outcome = ProbeOutcome::kOk;
    }
  }
  finishProbe(it->first, e, outcome, now, reply.status, reply.retry_after);
}

bool HealthChecker::onProbeIcmp(const NetAddress& to, Nanos now) {
  // The kernel matched the ICMP to a datagram this socket sent; it counts
  // only if that datagram was an outstanding probe to that exact server.
  for (auto& [id, e] : servers_) {
    if (e.pending && e.address == to) {
      finishProbe(id, e, ProbeOutcome::kIcmp, now, 0, -1);
      return true;
    }
  }
  listener_.onReject(ProbeReject::kIcmpNoProbe);
  return false;
}

void HealthChecker::onIcmpSignal(uint32_t id, Nanos now) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  emit(id, it->second.fsm.onIcmpSuspect(now), now);
  probeSoon(id, now);
}

void HealthChecker::probeSoon(uint32_t id, Nanos now) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  Entry& e = it->second;
  if (!e.pending) e.next_probe = std::min(e.next_probe, now);
  reschedule(id, e, now);
}

std::optional<Transition> HealthChecker::setAdmin(uint32_t id, AdminState admin, Nanos now) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return std::nullopt;
  auto t = it->second.fsm.setAdmin(admin, now);
  emit(id, t, now);
  reschedule(id, it->second, now);
  return t;
}

void HealthChecker::service(uint32_t id, Entry& e, Nanos now) {
  if (e.pending && now >= e.pending->deadline) finishProbe(id, e, ProbeOutcome::kTimeout, now, 0, -1);
  emit(id, e.fsm.tick(now), now);
  if (!e.pending && now >= e.next_probe) sendProbe(id, e, now);
  reschedule(id, e, now);
}

void HealthChecker::poll(Nanos now) {
  // Bounded: each server is serviced at most once per poll.
  std::vector<uint32_t> due;
  for (auto it = wakeups_.begin(); it != wakeups_.end() && it->first <= now; ++it) due.push_back(it->second);
  for (uint32_t id : due) {
    auto it = servers_.find(id);
    if (it != servers_.end()) service(id, it->second, now);
  }
}

Nanos HealthChecker::nextDeadline() const {
  return wakeups_.empty() ? Nanos::max() : wakeups_.begin()->first;
}

std::optional<HealthSnapshot> HealthChecker::snapshot(uint32_t id) const {
  auto it = servers_.find(id);
  if (it == servers_.end()) return std::nullopt;
  const Entry& e = it->second;
  HealthSnapshot s;
  s.state = e.fsm.state();
  s.admin = e.fsm.admin();
  s.suspect = e.fsm.suspect();
  s.recovering = e.fsm.recovering();
  s.successes = e.fsm.consecutiveSuccesses();
  s.failures = e.fsm.consecutiveFailures();
  s.last_rtt = e.last_rtt;
  s.last_status = e.last_status;
  s.last_outcome = e.last_outcome;
  s.probed = e.fsm.probed();
  s.state_since = e.fsm.stateSince();
  s.dirty_until = e.fsm.dirtyUntil();
  s.probes_sent = e.probes_sent;
  s.probes_failed = e.probes_failed;
  return s;
}

const ServerFsm* HealthChecker::fsm(uint32_t id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second.fsm;
}

}  // namespace sipsteer::control

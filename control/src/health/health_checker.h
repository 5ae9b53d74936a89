// What to do about probes: schedules one OPTIONS per server per interval
// (jittered, first probe at a random offset so servers are never probed on
// the same tick), matches replies by branch, times probes out on its own
// timer, and feeds each outcome into the server's state machine.
//
// Single-threaded: call everything from the event loop. Time is passed in
// (poll(now)), randomness comes from the injected RandomSource, and probes
// leave through the injected ProbeSender, so tests drive it tick by tick.
#pragma once

#include <sipsteer/core/random_source.h>

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "fsm/server_fsm.h"
#include "health/probe_types.h"

namespace sipsteer::control {

class ProbeSender {
 public:
  virtual ~ProbeSender() = default;
  // The address probes to `family` leave from (Via sent-by).
  virtual NetAddress localAddress(uint8_t family) const = 0;
  virtual std::expected<void, std::string> send(const NetAddress& to, const std::string& bytes) = 0;
};

class HealthListener {
 public:
  virtual ~HealthListener() = default;
  virtual void onTransition(uint32_t server_id, const Transition& t, Nanos now) = 0;
  virtual void onProbeDone(uint32_t server_id, ProbeOutcome outcome, std::optional<Nanos> rtt,
                           uint16_t status) = 0;
  virtual void onProbeSent(uint32_t server_id) = 0;
  virtual void onReject(ProbeReject why) = 0;
};

// What the checker knows about one server, for status output.
struct HealthSnapshot {
  ServerState state = ServerState::kDown;
  AdminState admin = AdminState::kNone;
  bool suspect = false;
  bool recovering = false;
  uint32_t successes = 0;
  uint32_t failures = 0;
  std::optional<Nanos> last_rtt;
  uint16_t last_status = 0;
  ProbeOutcome last_outcome = ProbeOutcome::kOk;
  bool probed = false;
  Nanos state_since{0};
  Nanos dirty_until{0};
  uint64_t probes_sent = 0;
  uint64_t probes_failed = 0;
};

class HealthChecker {
 public:
  HealthChecker(core::RandomSource& random, ProbeSender& sender, HealthListener& listener);

  // Starts watching a server; its first probe goes out within one interval.
  void add(uint32_t server_id, const NetAddress& address, const HealthConfig& config, Nanos now);
  // Restores saved health/admin state (state file) for an added server.
  void restore(uint32_t server_id, bool healthy, AdminState admin, Nanos now);
  void remove(uint32_t server_id);
  void setConfig(uint32_t server_id, const HealthConfig& config);
  bool contains(uint32_t server_id) const { return servers_.count(server_id) != 0; }

  void onReply(const ProbeReply& reply, Nanos now);
  // The probe socket's error queue says a probe to `to` drew an ICMP error.
  // True if it matched an outstanding probe (and failed it).
  bool onProbeIcmp(const NetAddress& to, Nanos now);
  // A validated ICMP signal from the dataplane (after IcmpPolicy): steer
  // away now and probe at once to confirm.
  void onIcmpSignal(uint32_t server_id, Nanos now);
  // A passive hint (e.g. unanswered requests): probe now, change nothing yet.
  void probeSoon(uint32_t server_id, Nanos now);
  std::optional<Transition> setAdmin(uint32_t server_id, AdminState admin, Nanos now);

  // Sends due probes, expires timeouts, advances state-machine timers.
  void poll(Nanos now);
  Nanos nextDeadline() const;

  std::optional<HealthSnapshot> snapshot(uint32_t server_id) const;
  const ServerFsm* fsm(uint32_t server_id) const;
  size_t pendingProbes() const { return by_branch_.size(); }

 private:
  struct Pending {
    std::string branch;
    Nanos sent{0};
    Nanos deadline{0};
  };
  struct Entry {
    NetAddress address;
    HealthConfig config;
    ServerFsm fsm;
    Nanos next_probe{0};
    std::optional<Pending> pending;
    Nanos wake{0};  // key in wakeups_
    uint32_t cseq = 0;
    std::optional<Nanos> last_rtt;
    uint16_t last_status = 0;
    ProbeOutcome last_outcome = ProbeOutcome::kOk;
    uint64_t probes_sent = 0;
    uint64_t probes_failed = 0;
  };

  void service(uint32_t id, Entry& e, Nanos now);
  void sendProbe(uint32_t id, Entry& e, Nanos now);
  void finishProbe(uint32_t id, Entry& e, ProbeOutcome outcome, Nanos now, uint16_t status,
                   int32_t retry_after);
  void reschedule(uint32_t id, Entry& e, Nanos now);
  void emit(uint32_t id, const std::optional<Transition>& t, Nanos now);
  Nanos jittered(const HealthConfig& c);
  std::string token();

  core::RandomSource& random_;
  ProbeSender& sender_;
  HealthListener& listener_;
  std::unordered_map<uint32_t, Entry> servers_;
  std::unordered_map<std::string, uint32_t> by_branch_;
  std::set<std::pair<Nanos, uint32_t>> wakeups_;
  uint64_t token_counter_ = 0;
};

}  // namespace sipsteer::control

// Whether an ICMP destination-unreachable report may move a server. The
// policy (docs/control.md, "ICMP policy"):
//  1. the report must name a server we know, quote a UDP datagram to exactly
//     that server's address and port, and be a destination-unreachable;
//  2. at most `burst` reports are accepted at once and `rate_per_second` on
//     average over all servers (token bucket), and one per server per
//     `per_server_interval`: a flood is counted, not obeyed;
//  3. an accepted report never takes the last server of a pool that takes
//     new dialogs out of the ring (only probes may empty a pool);
//  4. an accepted report only makes the server "suspect" (steered away at
//     once) and triggers a probe; the probe decides whether it goes down.
// Pure: time is passed in; not thread-safe (event loop).
#pragma once

#include <sipsteer/abi/events.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

#include "config/config.h"
#include "util/clock.h"
#include "util/net_address.h"

namespace sipsteer::control {

#define SIPSTEER_ICMP_VERDICT_X(X)                                        \
  X(kAccepted, "accepted")                                                \
  X(kNotUnreachable, "not_unreachable")   /* other ICMP type */          \
  X(kNotUdp, "not_udp")                   /* quoted packet not UDP */     \
  X(kUnknownServer, "unknown_server")     /* no such server id */         \
  X(kAddressMismatch, "address_mismatch") /* quote names another host */  \
  X(kRateLimited, "rate_limited")         /* global token bucket empty */ \
  X(kServerRateLimited, "server_rate_limited")                            \
  X(kLastServer, "last_server")           /* would empty the pool */      \
  X(kNotUp, "not_up")                     /* server already out */        \
  X(kDataplaneRejected, "dataplane_rejected") /* quoted no flow (dp) */

enum class IcmpVerdict : uint8_t {
#define SIPSTEER_X(name, label) name,
  SIPSTEER_ICMP_VERDICT_X(SIPSTEER_X)
#undef SIPSTEER_X
      kCount
};
const char* icmpVerdictLabel(IcmpVerdict v);

// What the policy needs to know about the server an event names.
struct IcmpServerView {
  NetAddress address;
  bool up = false;               // published UP or DRAINING (not suspect)
  uint32_t pool_in_ring = 0;     // servers of its pool that take new dialogs
};

class IcmpPolicy {
 public:
  using Lookup = std::function<std::optional<IcmpServerView>(uint32_t server_id)>;
  IcmpPolicy(const IcmpConfig& config, Lookup lookup, Nanos now);
  void setConfig(const IcmpConfig& config) { config_ = config; }

  IcmpVerdict judge(const sipsteer_event& event, Nanos now);

 private:
  IcmpConfig config_;
  Lookup lookup_;
  double tokens_;
  Nanos refilled_;
  std::unordered_map<uint32_t, Nanos> last_accepted_;
};

}  // namespace sipsteer::control

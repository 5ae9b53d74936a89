#include "icmp/icmp_policy.h"

#include <algorithm>
#include <array>
#include <arpa/inet.h>

#include <cstring>

namespace sipsteer::control {

const char* icmpVerdictLabel(IcmpVerdict v) {
  static constexpr std::array<const char*, static_cast<size_t>(IcmpVerdict::kCount)> kLabels = {
#define SIPSTEER_X(name, label) label,
      SIPSTEER_ICMP_VERDICT_X(SIPSTEER_X)
#undef SIPSTEER_X
  };
  return kLabels[static_cast<size_t>(v)];
}

IcmpPolicy::IcmpPolicy(const IcmpConfig& config, Lookup lookup, Nanos now)
    : config_(config), lookup_(std::move(lookup)), tokens_(config.burst), refilled_(now) {}

namespace {
bool isUnreachable(const sipsteer_event& e) {
  if (e.family == SIPSTEER_FAMILY_IPV6) return e.icmp_type == 1;  // ICMPv6 destination unreachable
  return e.icmp_type == 3;                                          // ICMP destination unreachable
}
}  // namespace

IcmpVerdict IcmpPolicy::judge(const sipsteer_event& e, Nanos now) {
  if (e.type == SIPSTEER_EVENT_ICMP_REJECTED) return IcmpVerdict::kDataplaneRejected;
  if (!isUnreachable(e)) return IcmpVerdict::kNotUnreachable;
  if (e.quoted_proto != 17) return IcmpVerdict::kNotUdp;
  auto view = lookup_(e.server_id);
  if (!view) return IcmpVerdict::kUnknownServer;
  NetAddress quoted;
  quoted.family = e.family;
  std::memcpy(quoted.addr.bytes, e.quoted_dst.bytes, 16);
  quoted.port = ntohs(e.quoted_dport);
  if (!(quoted == view->address)) return IcmpVerdict::kAddressMismatch;
  if (!view->up) return IcmpVerdict::kNotUp;

  // Token bucket over all servers, refilled by elapsed time.
  double elapsed = std::max(0.0, toSeconds(now - refilled_));
  tokens_ = std::min<double>(config_.burst, tokens_ + elapsed * config_.rate_per_second);
  refilled_ = now;
  auto last = last_accepted_.find(e.server_id);
  if (last != last_accepted_.end() && now - last->second < config_.per_server_interval) {
    return IcmpVerdict::kServerRateLimited;
  }
  if (tokens_ < 1.0) return IcmpVerdict::kRateLimited;
  if (view->pool_in_ring <= 1) return IcmpVerdict::kLastServer;
  tokens_ -= 1.0;
  last_accepted_[e.server_id] = now;
  return IcmpVerdict::kAccepted;
}

}  // namespace sipsteer::control

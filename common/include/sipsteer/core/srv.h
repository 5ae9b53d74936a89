// The RFC 2782 model: SRV targets, priority tiers, and the RFC's weighted
// ordering of a target list. Used by the health checker (which order to try),
// by "explain" (what would a phone do) and by the table builder (tiers).
#pragma once

#include <sipsteer/core/random_source.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sipsteer::core {

struct SrvTarget {
  std::string target;  // host name or address literal
  uint16_t port = 0;
  uint16_t priority = 0;  // lower is preferred
  uint16_t weight = 0;    // relative within a priority; 0 = "almost never"
  friend bool operator==(const SrvTarget&, const SrvTarget&) = default;
};

// The targets of one priority, in input order.
struct SrvTier {
  uint16_t priority = 0;
  std::vector<SrvTarget> targets;
};

// Groups targets by priority, ascending. Stable within a tier.
std::vector<SrvTier> groupTiers(std::span<const SrvTarget> targets);

// The order in which a client following RFC 2782 would try `targets`:
// ascending priority; within a priority, repeated weighted random selection
// over running sums with zero-weight targets placed first, so a weight-0
// target is chosen only with the small chance the RFC intends (and always
// when every target of the tier has weight 0).
std::vector<SrvTarget> orderRfc2782(std::span<const SrvTarget> targets, RandomSource& random);

// RFC 2782: a single SRV record with target "." means "service decidedly not
// available at this domain".
bool isServiceDecidedlyUnavailable(std::span<const SrvTarget> targets) noexcept;

}  // namespace sipsteer::core

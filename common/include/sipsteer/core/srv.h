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

// The order in which a client following RFC 2782 ("Usage rules") would try
// `targets`: ascending priority; within a priority, repeated selection: zero-
// weight targets first, then the others, each group in a random order (the
// RFC allows "any order"); draw r uniform in [0, sum of weights] inclusive;
// take the first target whose running sum is >= r; remove it; repeat.
// Consequences (tested): a weight-0 target is first with probability
// 1/(S+1) shared among the zero-weight targets of a tier with weight sum S;
// a target of weight w > 0 with probability w/(S+1), plus 1/(n(S+1)) when the
// tier has no zero weights (n targets; the random order spreads the extra
// share the inclusive draw gives to the first entry); an all-zero tier is
// uniform. Uses `random` only; deterministic for a seeded source.
std::vector<SrvTarget> orderRfc2782(std::span<const SrvTarget> targets, RandomSource& random);

// RFC 2782: a single SRV record with target "." means "service decidedly not
// available at this domain". "" counts as "." (some resolvers return the root
// name empty). A "." among other records is just an unusable target.
bool isServiceDecidedlyUnavailable(std::span<const SrvTarget> targets) noexcept;

}  // namespace sipsteer::core

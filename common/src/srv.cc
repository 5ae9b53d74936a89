#include <sipsteer/core/srv.h>

#include <algorithm>
#include <utility>

namespace sipsteer::core {

std::vector<SrvTier> groupTiers(std::span<const SrvTarget> targets) {
  std::vector<SrvTarget> sorted(targets.begin(), targets.end());
  // stable_sort keeps input order inside a tier, which callers (and "explain")
  // rely on to show the records as the DNS answer listed them.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SrvTarget& a, const SrvTarget& b) { return a.priority < b.priority; });
  std::vector<SrvTier> tiers;
  for (SrvTarget& target : sorted) {
    if (tiers.empty() || tiers.back().priority != target.priority) {
      tiers.push_back(SrvTier{target.priority, {}});
    }
    tiers.back().targets.push_back(std::move(target));
  }
  return tiers;
}

namespace {

// Fisher-Yates over [first, last) with the injected source.
void shuffle(std::vector<SrvTarget>::iterator first, std::vector<SrvTarget>::iterator last,
             RandomSource& random) {
  const auto count = static_cast<uint32_t>(last - first);
  for (uint32_t i = count; i > 1; --i) {
    const uint32_t j = random.uniformInclusive(i - 1);
    std::iter_swap(first + (i - 1), first + j);
  }
}

// RFC 2782 "Usage rules" for one priority, appending the chosen order to `out`.
void orderTier(std::vector<SrvTarget> tier, RandomSource& random, std::vector<SrvTarget>& out) {
  // "arrange all SRV RRs (that have not been ordered yet) in any order,
  // except that all those with weight 0 are placed at the beginning".
  // We pick a random order (zero weights first): the RFC allows any order,
  // and a random one spreads the extra share that the inclusive draw below
  // gives to the first entry, so that an all-zero tier is uniform and {1, 1}
  // is 50/50 instead of the 2/3 : 1/3 a fixed order would give.
  const auto zero_end = std::stable_partition(
      tier.begin(), tier.end(), [](const SrvTarget& t) { return t.weight == 0; });
  shuffle(tier.begin(), zero_end, random);
  shuffle(zero_end, tier.end(), random);

  while (!tier.empty()) {
    // "Compute the sum of the weights of those RRs ... choose a uniform random
    // number between 0 and the sum computed (inclusive), and select the RR
    // whose running sum value is the first in the selected order which is
    // greater than or equal to the random number selected."
    uint32_t sum = 0;
    // A DNS message (<= 65535 bytes) holds far fewer than 65537 records, so
    // the sum of 16-bit weights fits 32 bits.
    for (const SrvTarget& t : tier) sum += t.weight;
    const uint32_t pick = random.uniformInclusive(sum);
    uint32_t running = 0;
    size_t chosen = tier.size() - 1;
    for (size_t i = 0; i < tier.size(); ++i) {
      running += tier[i].weight;
      if (running >= pick) {
        chosen = i;
        break;
      }
    }
    // "Remove this SRV RR from the set of the unordered SRV RRs": erase keeps
    // the relative order of the rest, zero weights still at the beginning.
    out.push_back(std::move(tier[chosen]));
    tier.erase(tier.begin() + static_cast<std::ptrdiff_t>(chosen));
  }
}

}  // namespace

std::vector<SrvTarget> orderRfc2782(std::span<const SrvTarget> targets, RandomSource& random) {
  std::vector<SrvTarget> ordered;
  ordered.reserve(targets.size());
  for (SrvTier& tier : groupTiers(targets)) orderTier(std::move(tier.targets), random, ordered);
  return ordered;
}

bool isServiceDecidedlyUnavailable(std::span<const SrvTarget> targets) noexcept {
  // Some resolvers hand the root name over as "" rather than ".".
  return targets.size() == 1 && (targets[0].target == "." || targets[0].target.empty());
}

}  // namespace sipsteer::core

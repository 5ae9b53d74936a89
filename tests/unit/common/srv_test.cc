// RFC 2782 model: tiers, the weighted ordering (exact rule with a scripted
// source, distributions with seeded sources), weight 0 and ".".
#include <sipsteer/core/random_source.h>
#include <sipsteer/core/srv.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace sipsteer::core {
namespace {

SrvTarget t(std::string name, uint16_t priority, uint16_t weight, uint16_t port = 5060) {
  return SrvTarget{std::move(name), port, priority, weight};
}

// Returns scripted values and records the bounds it was asked for.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<uint32_t> values) : values_(std::move(values)) {}
  uint32_t uniformInclusive(uint32_t bound) override {
    bounds.push_back(bound);
    if (values_.empty()) return 0;
    const uint32_t v = values_.front();
    values_.pop_front();
    EXPECT_LE(v, bound) << "script value out of the requested range";
    return std::min(v, bound);
  }
  std::vector<uint32_t> bounds;

 private:
  std::deque<uint32_t> values_;
};

std::vector<std::string> names(const std::vector<SrvTarget>& targets) {
  std::vector<std::string> out;
  for (const auto& target : targets) out.push_back(target.target);
  return out;
}

TEST(SrvTest, GroupTiersSortsByPriorityAndKeepsInputOrder) {
  const std::vector<SrvTarget> targets = {t("c", 20, 1), t("a", 10, 5), t("d", 20, 0),
                                          t("b", 10, 1), t("e", 5, 0)};
  const auto tiers = groupTiers(targets);
  ASSERT_EQ(tiers.size(), 3u);
  EXPECT_EQ(tiers[0].priority, 5);
  EXPECT_EQ(names(tiers[0].targets), (std::vector<std::string>{"e"}));
  EXPECT_EQ(tiers[1].priority, 10);
  EXPECT_EQ(names(tiers[1].targets), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(tiers[2].priority, 20);
  EXPECT_EQ(names(tiers[2].targets), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(groupTiers({}).empty());
}

TEST(SrvTest, OrderIsAPermutationWithAscendingPriority) {
  const std::vector<SrvTarget> targets = {t("p2a", 2, 10), t("p0a", 0, 0), t("p1a", 1, 50),
                                          t("p0b", 0, 7),  t("p1b", 1, 0), t("p2b", 2, 90),
                                          t("p0c", 0, 65535)};
  SeededRandom random(42);
  for (int trial = 0; trial < 2000; ++trial) {
    const auto ordered = orderRfc2782(targets, random);
    ASSERT_EQ(ordered.size(), targets.size());
    EXPECT_TRUE(std::is_permutation(ordered.begin(), ordered.end(), targets.begin()));
    for (size_t i = 1; i < ordered.size(); ++i) {
      ASSERT_LE(ordered[i - 1].priority, ordered[i].priority) << "trial " << trial;
    }
  }
  EXPECT_TRUE(orderRfc2782({}, random).empty());
}

// The RFC's rule, step by step: draw in [0, sum] inclusive, take the first
// running sum >= the draw, remove it, repeat with the rest.
TEST(SrvTest, SelectionFollowsTheRunningSumRule) {
  const std::vector<SrvTarget> targets = {t("a", 0, 5), t("b", 0, 3), t("c", 0, 2)};
  // Shuffle draws (bounds 2, 1) leave the order a, b, c: j = i - 1 each time.
  // Then draw 5: running sums 5, 8, 10 -> "a" (5 >= 5, inclusive).
  // Then sums 3, 5 over b, c; draw 4 -> "c". Then "b" alone, draw 0.
  ScriptedRandom random({2, 1, 5, 4, 0});
  const auto ordered = orderRfc2782(targets, random);
  EXPECT_EQ(names(ordered), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(random.bounds, (std::vector<uint32_t>{2, 1, 10, 5, 3}));

  ScriptedRandom next({2, 1, 6, 0, 0});  // 6 > 5 -> "b" (running sum 8)
  EXPECT_EQ(orderRfc2782(targets, next)[0].target, "b");
  ScriptedRandom last({2, 1, 10, 0, 0});  // the top of the inclusive range -> "c"
  EXPECT_EQ(orderRfc2782(targets, last)[0].target, "c");
}

TEST(SrvTest, ZeroWeightsArePlacedFirstSoDrawZeroPicksThem) {
  // Input lists the zero weight last; the RFC puts it at the beginning, so a
  // draw of 0 (running sum 0 >= 0) selects it.
  const std::vector<SrvTarget> targets = {t("heavy", 0, 100), t("zero", 0, 0)};
  ScriptedRandom random({0, 0, 0});  // no shuffle draws: each group has one entry
  EXPECT_EQ(orderRfc2782(targets, random)[0].target, "zero");
  EXPECT_EQ(random.bounds.front(), 100u);
  ScriptedRandom one({1, 0});
  EXPECT_EQ(orderRfc2782(targets, one)[0].target, "heavy");
}

// Frequency of each target in first position over `trials` seeded orderings.
std::map<std::string, double> firstChoice(const std::vector<SrvTarget>& targets, uint64_t seed,
                                          int trials) {
  SeededRandom random(seed);
  std::map<std::string, double> counts;
  for (int i = 0; i < trials; ++i) counts[orderRfc2782(targets, random)[0].target] += 1;
  for (auto& [name, count] : counts) count /= trials;
  return counts;
}

// Deterministic seeds, so these cannot flake; the tolerance (6 sigma of a
// binomial with 200k trials, >= 0.0066) still catches any systematic error
// of a wrong rule (e.g. a fixed order gives {1,1} 2/3 : 1/3).
constexpr int kTrials = 200000;
void expectProbability(const std::map<std::string, double>& seen, const std::string& name,
                       double expected) {
  const double observed = seen.count(name) ? seen.at(name) : 0.0;
  const double sigma = std::sqrt(expected * (1 - expected) / kTrials);
  EXPECT_NEAR(observed, expected, std::max(6 * sigma, 1e-9)) << name;
}

TEST(SrvTest, FirstChoiceFollowsWeights) {
  // No zero weights: P(i) = w_i/(S+1) + 1/(n(S+1)), S = 100, n = 4.
  const std::vector<SrvTarget> targets = {t("w10", 0, 10), t("w20", 0, 20), t("w30", 0, 30),
                                          t("w40", 0, 40)};
  const auto seen = firstChoice(targets, 1, kTrials);
  for (const auto& target : targets) {
    expectProbability(seen, target.target, (target.weight + 0.25) / 101.0);
  }
}

TEST(SrvTest, EqualWeightsAreEven) {
  const auto seen = firstChoice({t("a", 0, 1), t("b", 0, 1)}, 2, kTrials);
  expectProbability(seen, "a", 0.5);
  expectProbability(seen, "b", 0.5);
}

TEST(SrvTest, ZeroWeightHasASmallChance) {
  // Zero weights share 1/(S+1) of first choices; others w/(S+1). S = 200.
  const std::vector<SrvTarget> targets = {t("z1", 0, 0), t("a", 0, 100), t("z2", 0, 0),
                                          t("b", 0, 100)};
  const auto seen = firstChoice(targets, 3, kTrials);
  expectProbability(seen, "z1", 0.5 / 201);
  expectProbability(seen, "z2", 0.5 / 201);
  expectProbability(seen, "a", 100.0 / 201);
  expectProbability(seen, "b", 100.0 / 201);
  EXPECT_GT(seen.at("z1"), 0.0);  // "very small", not never
}

TEST(SrvTest, AllZeroTierIsUniform) {
  const std::vector<SrvTarget> targets = {t("a", 0, 0), t("b", 0, 0), t("c", 0, 0)};
  const auto seen = firstChoice(targets, 4, kTrials);
  for (const char* name : {"a", "b", "c"}) expectProbability(seen, name, 1.0 / 3);
}

TEST(SrvTest, WeightsApplyWithinEachTierOnly) {
  // The backup tier's first entry is chosen by its own weights, and never
  // before a primary entry, whatever the weights.
  const std::vector<SrvTarget> targets = {t("backup-heavy", 20, 65535), t("primary", 10, 0),
                                          t("backup-light", 20, 1)};
  SeededRandom random(5);
  int heavy_third = 0;
  constexpr int kRuns = 20000;
  for (int i = 0; i < kRuns; ++i) {
    const auto ordered = orderRfc2782(targets, random);
    ASSERT_EQ(ordered[0].target, "primary");
    heavy_third += ordered[1].target == "backup-heavy" ? 0 : 1;
  }
  // light first in its tier with P = (1 + 0.5) / 65537.
  EXPECT_LT(heavy_third, 10);
}

TEST(SrvTest, SameSeedSameOrder) {
  const std::vector<SrvTarget> targets = {t("a", 0, 1), t("b", 0, 2), t("c", 1, 0),
                                          t("d", 1, 0), t("e", 0, 3)};
  SeededRandom one(99), two(99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(orderRfc2782(targets, one), orderRfc2782(targets, two));
}

TEST(SrvTest, DotMeansDecidedlyUnavailable) {
  EXPECT_TRUE(isServiceDecidedlyUnavailable(std::vector<SrvTarget>{t(".", 0, 0, 0)}));
  EXPECT_TRUE(isServiceDecidedlyUnavailable(std::vector<SrvTarget>{t("", 0, 0, 0)}));
  EXPECT_FALSE(isServiceDecidedlyUnavailable({}));
  EXPECT_FALSE(isServiceDecidedlyUnavailable(std::vector<SrvTarget>{t("sip1.example.com", 0, 0)}));
  EXPECT_FALSE(isServiceDecidedlyUnavailable(std::vector<SrvTarget>{t("sip1.", 0, 0)}));
  EXPECT_FALSE(
      isServiceDecidedlyUnavailable(std::vector<SrvTarget>{t(".", 0, 0), t("sip1.", 0, 0)}));
}

}  // namespace
}  // namespace sipsteer::core

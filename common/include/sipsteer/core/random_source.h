// An injectable source of randomness, so RFC 2782 selection, probe jitter and
// anything else random can be tested with a seeded or scripted source.
#pragma once

#include <cstdint>
#include <random>

namespace sipsteer::core {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [0, bound], inclusive (RFC 2782 picks in [0, running sum]).
  virtual uint32_t uniformInclusive(uint32_t bound) = 0;
};

// Deterministic for a given seed (std::mt19937_64 is fully specified).
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint32_t uniformInclusive(uint32_t bound) override {
    return static_cast<uint32_t>(engine_() % (static_cast<uint64_t>(bound) + 1));
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace sipsteer::core

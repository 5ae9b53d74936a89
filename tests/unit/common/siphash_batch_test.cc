// siphash24Batch gives libsodium's SipHash-2-4 (hashCallId) for every input,
// on both paths (scalar, and AVX-512 where the CPU has it), for any batch
// size and input length, and reads only the inputs' own bytes.
#include <gtest/gtest.h>
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/siphash_batch.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/guard_pages.h"

namespace sipsteer::core {
namespace {

using ::sipsteer::testing::GuardedPages;

using detail::BatchPath;

std::string pathName(const ::testing::TestParamInfo<BatchPath>& info) {
  switch (info.param) {
    case BatchPath::kAuto:
      return "Auto";
    case BatchPath::kScalar:
      return "Scalar";
    case BatchPath::kAvx512:
      return "Avx512";
  }
  return "Unknown";
}

class SipHashBatchTest : public ::testing::TestWithParam<BatchPath> {
 protected:
  void SetUp() override {
    if (!detail::siphash24BatchPathAvailable(GetParam())) GTEST_SKIP() << "this CPU lacks AVX-512";
  }
  void hash(const HashKey& key, const std::vector<const uint8_t*>& data,
            const std::vector<uint32_t>& len, std::vector<uint64_t>& out) const {
    out.assign(data.size(), 0);
    detail::siphash24BatchWith(GetParam(), key.bytes.data(), data.data(), len.data(),
                               static_cast<uint32_t>(data.size()), out.data());
  }
};

INSTANTIATE_TEST_SUITE_P(Paths, SipHashBatchTest,
                         ::testing::Values(BatchPath::kScalar, BatchPath::kAvx512,
                                           BatchPath::kAuto),
                         pathName);

HashKey randomKey(std::mt19937_64& random) {
  HashKey key;
  for (auto& b : key.bytes) b = static_cast<uint8_t>(random());
  return key;
}

// Lengths around every block boundary the vector path treats differently:
// empty, shorter than one word (bytewise tail), whole words (no tail bytes),
// one byte either side.
constexpr uint32_t kEdgeLengths[] = {0,  1,  2,  7,  8,  9,  15, 16, 17,  23,  24,
                                     31, 32, 39, 40, 41, 63, 64, 65, 127, 128, 300};

TEST_P(SipHashBatchTest, MatchesLibsodiumOnRandomBatches) {
  std::mt19937_64 random(20261122);  // fixed seed: a failure reproduces
  std::uniform_int_distribution<uint32_t> count_of(0, 64);
  std::uniform_int_distribution<uint32_t> length_of(0, 300);
  std::uniform_int_distribution<size_t> edge(0, std::size(kEdgeLengths) - 1);
  for (int round = 0; round < 400; ++round) {
    const HashKey key = randomKey(random);
    const uint32_t count = count_of(random);
    // Each input in its own heap block of exactly its size: ASan reports a
    // read before or after it (the scalar parts; gathers are checked by
    // ReadsNothingOutsideItsInputs).
    std::vector<std::unique_ptr<uint8_t[]>> buffers;
    std::vector<const uint8_t*> data;
    std::vector<uint32_t> len;
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t n = (random() & 1) ? kEdgeLengths[edge(random)] : length_of(random);
      buffers.emplace_back(new uint8_t[n]);
      for (uint32_t b = 0; b < n; ++b) buffers.back()[b] = static_cast<uint8_t>(random());
      data.push_back(buffers.back().get());
      len.push_back(n);
    }
    std::vector<uint64_t> out;
    hash(key, data, len, out);
    for (uint32_t i = 0; i < count; ++i)
      ASSERT_EQ(out[i], hashCallId(key, std::span<const uint8_t>(data[i], len[i])))
          << "round " << round << " input " << i << " of " << count << " length " << len[i];
  }
}

TEST_P(SipHashBatchTest, EveryLengthUpTo130InEveryLane) {
  // All lengths side by side, so each lands in each lane position over the
  // rotations, next to shorter and longer neighbours.
  std::mt19937_64 random(7);
  const HashKey key = randomKey(random);
  std::vector<uint8_t> bytes(131);
  for (auto& b : bytes) b = static_cast<uint8_t>(random());
  for (uint32_t shift = 0; shift < 8; ++shift) {
    std::vector<const uint8_t*> data;
    std::vector<uint32_t> len;
    for (uint32_t n = 0; n <= 130; ++n) {
      const uint32_t length = (n + shift * 17) % 131;
      data.push_back(bytes.data() + (131 - length));  // ends at the buffer's end
      len.push_back(length);
    }
    std::vector<uint64_t> out;
    hash(key, data, len, out);
    for (size_t i = 0; i < data.size(); ++i)
      ASSERT_EQ(out[i], hashCallId(key, std::span<const uint8_t>(data[i], len[i])))
          << "shift " << shift << " length " << len[i];
  }
}

TEST_P(SipHashBatchTest, MatchesTheReferenceVectors) {
  // Aumasson & Bernstein's key 00..0f and messages 00, 00 01, ...: the
  // first output bytes of their vectors, here from libsodium (which
  // callid_hash_test holds to all 64 vectors).
  HashKey key;
  for (int i = 0; i < 16; ++i) key.bytes[i] = static_cast<uint8_t>(i);
  uint8_t message[64];
  for (int i = 0; i < 64; ++i) message[i] = static_cast<uint8_t>(i);
  std::vector<const uint8_t*> data(64, message);
  std::vector<uint32_t> len;
  for (uint32_t n = 0; n < 64; ++n) len.push_back(n);
  std::vector<uint64_t> out;
  hash(key, data, len, out);
  EXPECT_EQ(out[0], 0x726fdb47dd0e0e31ull);   // "310e0edd47db6f72" read little-endian
  EXPECT_EQ(out[15], 0xa129ca6149be45e5ull);  // the paper's example, appendix A
  for (uint32_t n = 0; n < 64; ++n)
    EXPECT_EQ(out[n], hashCallId(key, std::span<const uint8_t>(message, n))) << n;
}

TEST_P(SipHashBatchTest, ReadsNothingOutsideItsInputs) {
  GuardedPages page;  // nothing readable on either side, gathers included
  ASSERT_TRUE(page.ok()) << "mmap/mprotect: " << std::strerror(errno);
  std::mt19937_64 random(11);
  for (uint8_t* b = page.begin(); b != page.end(); ++b) *b = static_cast<uint8_t>(random());
  const HashKey key = randomKey(random);
  // Every length 0..70 twice: once starting at the page's first byte, once
  // ending at its last.
  std::vector<const uint8_t*> data;
  std::vector<uint32_t> len;
  for (uint32_t n = 0; n <= 70; ++n) {
    data.push_back(page.begin());
    len.push_back(n);
    data.push_back(page.end() - n);
    len.push_back(n);
  }
  std::vector<uint64_t> out;
  hash(key, data, len, out);
  for (size_t i = 0; i < data.size(); ++i)
    ASSERT_EQ(out[i], hashCallId(key, std::span<const uint8_t>(data[i], len[i]))) << "input " << i;
}

TEST_P(SipHashBatchTest, EmptyBatchWritesNothing) {
  const HashKey key{};
  uint64_t out = 42;
  detail::siphash24BatchWith(GetParam(), key.bytes.data(), nullptr, nullptr, 0, &out);
  EXPECT_EQ(out, 42u);
}

TEST_P(SipHashBatchTest, PartialVectorWritesOnlyItsOutputs) {
  // 11 inputs: one full vector and three lanes of a second; out[11..] stays.
  std::mt19937_64 random(3);
  const HashKey key = randomKey(random);
  const std::string id = "a84b4c76e66710@198.18.0.1";
  std::vector<const uint8_t*> data(11, reinterpret_cast<const uint8_t*>(id.data()));
  std::vector<uint32_t> len(11, static_cast<uint32_t>(id.size()));
  std::vector<uint64_t> out(16, 7);
  detail::siphash24BatchWith(GetParam(), key.bytes.data(), data.data(), len.data(), 11, out.data());
  for (size_t i = 0; i < 11; ++i) EXPECT_EQ(out[i], hashCallId(key, id)) << i;
  for (size_t i = 11; i < 16; ++i) EXPECT_EQ(out[i], 7u) << i;
}

TEST(SipHashBatchDispatchTest, VectorPathIsChosenWhereTheCpuHasIt) {
  __builtin_cpu_init();
  const bool cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#if defined(__x86_64__)
  EXPECT_EQ(siphash24BatchIsVector(), cpu);
#else
  EXPECT_FALSE(siphash24BatchIsVector());
  (void)cpu;
#endif
}

}  // namespace
}  // namespace sipsteer::core

// checksumSum (AVX2 where the CPU has it, SSE2, scalar tail) against a
// byte-pair RFC 1071 reference on random data of every length and alignment,
// and the incremental update against a full recomputation.
#include "pkt/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace sipsteer::dp {
namespace {

// RFC 1071, the textbook loop: network-order 16-bit words, odd byte padded.
uint16_t referenceSum(const uint8_t* p, size_t n, uint32_t initial) {
  uint64_t sum = initial;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The bulk loops checksumSum may take on this CPU: the baseline one always,
// the AVX2 one where the CPU has it (it is what checksumSum picks there).
std::vector<bool> bulkPaths() {
  std::vector<bool> paths{false};
  if (detail::kCpuHasAvx2) paths.push_back(true);
  return paths;
}

TEST(ChecksumTest, PicksAvx2WhereTheCpuHasIt) {
  const std::vector<uint8_t> data(300, 0x5a);
  EXPECT_EQ(checksumSum(data.data(), data.size()),
            checksumSumWith(detail::kCpuHasAvx2, data.data(), data.size()));
  if (!detail::kCpuHasAvx2) GTEST_SKIP() << "no AVX2 on this CPU: only the baseline loop is tested";
}

TEST(ChecksumTest, SumMatchesReferenceForEveryLengthAndAlignment) {
  for (const bool avx2 : bulkPaths()) {
    SCOPED_TRACE(avx2 ? "AVX2" : "baseline");
    std::mt19937 random(1071);
    std::vector<uint8_t> buffer(2100);
    for (int round = 0; round < 3; ++round) {
      for (auto& b : buffer) b = static_cast<uint8_t>(random());
      for (size_t offset = 0; offset < 4; ++offset) {
        for (size_t n = 0; n + offset <= 2048; ++n) {
          const uint32_t initial = round == 0 ? 0 : random() & 0xffff;
          ASSERT_EQ(checksumSumWith(avx2, buffer.data() + offset, n, initial),
                    referenceSum(buffer.data() + offset, n, initial))
              << "offset " << offset << " length " << n;
        }
      }
    }
  }
}

TEST(ChecksumTest, SumOfAllOnesDoesNotOverflow) {
  // The worst case for the lane accumulators: a maximal datagram of 0xff.
  // For the AVX2 loop 0xffff is its most negative biased word (+32767 each).
  const std::vector<uint8_t> ones(65535, 0xff);
  const std::vector<uint8_t> zeros(65535, 0x00);  // biased: -32768 each
  for (const bool avx2 : bulkPaths()) {
    SCOPED_TRACE(avx2 ? "AVX2" : "baseline");
    EXPECT_EQ(checksumSumWith(avx2, ones.data(), ones.size()),
              referenceSum(ones.data(), ones.size(), 0));
    EXPECT_EQ(checksumSumWith(avx2, ones.data(), ones.size() - 1), 0xffff);  // 0xffff words only
    EXPECT_EQ(checksumSumWith(avx2, ones.data(), ones.size()), 0xff00);  // plus 0xff padded: 0xff00
    EXPECT_EQ(checksumSumWith(avx2, zeros.data(), zeros.size()), 0);
  }
}

TEST(ChecksumTest, IncrementalReplaceMatchesRecomputation) {
  std::mt19937 random(1624);
  std::vector<uint8_t> data(512);
  for (int round = 0; round < 200; ++round) {
    for (auto& b : data) b = static_cast<uint8_t>(random());
    const uint16_t check = static_cast<uint16_t>(~checksumSum(data.data(), data.size()));
    const size_t at = (random() % 250) * 2;
    std::vector<uint8_t> before(data.begin() + at, data.begin() + at + 8);
    for (size_t i = 0; i < 8; ++i) data[at + i] = static_cast<uint8_t>(random());
    const uint16_t updated = checksumReplace(check, before.data(), data.data() + at, 8);
    // Both are valid checksums of the new data: their one's-complement sums
    // with it are all ones (0 and 0xffff are the same number).
    EXPECT_EQ(referenceSum(data.data(), data.size(), updated), 0xffff) << "round " << round;
  }
}

// NAT's short fold must agree with the general one wherever the sum can
// carry twice: every checksum against sums around each multiple of 0x10000
// up to 2^20 (where the first fold lands near 0xffff), and random ones.
TEST(ChecksumTest, SmallReplacementFoldsLikeTheGeneralOne) {
  std::mt19937 random(1071);
  for (uint32_t check = 0; check <= 0xffff; ++check) {
    for (uint32_t high = 0; high < 16; ++high) {
      for (uint32_t low : {0u, 1u, 0xfff0u + (check & 0xf), 0xfffeu, 0xffffu}) {
        const uint32_t sum = high << 16 | low;
        ASSERT_EQ(applySmallReplacement(static_cast<uint16_t>(check), sum),
                  applyReplacement(static_cast<uint16_t>(check), sum))
            << "check " << check << " sum " << sum;
      }
    }
    const uint32_t sum = static_cast<uint32_t>(random()) & 0xfffff;
    ASSERT_EQ(applySmallReplacement(static_cast<uint16_t>(check), sum),
              applyReplacement(static_cast<uint16_t>(check), sum));
  }
}

}  // namespace
}  // namespace sipsteer::dp

// checksumSum's bulk loops (AVX-512 and AVX2 where the CPU has them, SSE2,
// scalar tail), each forced through checksumSumWith, against a byte-pair
// RFC 1071 reference on random data of every length and alignment,
// the folds and the native-order helpers the parser uses, and the
// incremental update against a full recomputation.
#include "pkt/checksum.h"
#include "support/guard_pages.h"

#include <gtest/gtest.h>


#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace sipsteer::dp {
namespace {

using ::sipsteer::testing::GuardedPages;

// RFC 1071, the textbook loop: network-order 16-bit words, odd byte padded.
uint16_t referenceSum(const uint8_t* p, size_t n, uint32_t initial) {
  uint64_t sum = initial;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The bulk loops checksumSum may take on this CPU: the baseline one always,
// the AVX2 and AVX-512 ones where the CPU has them (checksumSum picks the
// widest).
std::vector<SumPath> bulkPaths() {
  std::vector<SumPath> paths;
  for (const SumPath path : {SumPath::kBaseline, SumPath::kAvx2, SumPath::kAvx512})
    if (sumPathAvailable(path)) paths.push_back(path);
  return paths;
}
const char* pathName(SumPath path) {
  switch (path) {
    case SumPath::kBaseline:
      return "baseline";
    case SumPath::kAvx2:
      return "AVX2";
    case SumPath::kAvx512:
      return "AVX-512";
  }
  return "?";
}

TEST(ChecksumTest, PicksTheWidestLoopTheCpuHas) {
  const SumPath widest = bulkPaths().back();
  EXPECT_EQ(detail::kBestSumPath, widest) << pathName(detail::kBestSumPath);
  const std::vector<uint8_t> data(300, 0x5a);
  EXPECT_EQ(checksumSum(data.data(), data.size()), checksumSumWith(widest, data.data(), data.size()));
  if (widest != SumPath::kAvx512) GTEST_SKIP() << "no AVX-512 on this CPU: " << pathName(widest) << " is the widest tested";
}

TEST(ChecksumTest, SumMatchesReferenceForEveryLengthAndAlignment) {
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    std::mt19937 random(1071);
    std::vector<uint8_t> buffer(2100);
    for (int round = 0; round < 3; ++round) {
      for (auto& b : buffer) b = static_cast<uint8_t>(random());
      for (size_t offset = 0; offset < 4; ++offset) {
        for (size_t n = 0; n + offset <= 2048; ++n) {
          const uint32_t initial = round == 0 ? 0 : random() & 0xffff;
          ASSERT_EQ(checksumSumWith(path, buffer.data() + offset, n, initial),
                    referenceSum(buffer.data() + offset, n, initial))
              << "offset " << offset << " length " << n;
        }
      }
    }
  }
}

// Short sums are where the vector loops' masked tails do all the work:
// every length 0..300 (odd ones end in a padded byte), every start
// alignment 0..7, in a heap block that ends exactly at the last byte so that
// ASan reports any load past it, with random bytes before the start that
// must not count.
TEST(ChecksumTest, ShortSumsMatchReferenceInExactBuffers) {
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    std::mt19937 random(791);
    for (size_t offset = 0; offset < 8; ++offset) {
      for (size_t n = 0; n <= 300; ++n) {
        const size_t size = offset + n;
        const std::unique_ptr<uint8_t[]> block(new uint8_t[size == 0 ? 1 : size]);
        for (size_t i = 0; i < size; ++i) block[i] = static_cast<uint8_t>(random());
        const uint8_t* p = block.get() + offset;
        const uint32_t initial = random() & 0xffff;
        ASSERT_EQ(checksumSumWith(path, p, n, initial), referenceSum(p, n, initial))
            << "offset " << offset << " length " << n;
        // The native sum behind it: the same value once folded and swapped.
        const uint16_t native = foldSum(nativeSumWith(path, p, n));
        ASSERT_EQ(static_cast<uint16_t>(native << 8 | native >> 8), referenceSum(p, n, 0))
            << "offset " << offset << " length " << n;
      }
    }
  }
}

// Every length 0..2100 (a datagram up to a jumbo-ish frame: several full
// turns of each loop, and every tail) at a random start offset, each in its
// own heap block that ends at the last byte (ASan reports loads past it) and
// holds random bytes before the start that must not count.
TEST(ChecksumTest, EveryLengthInAnExactBufferMatchesReference) {
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    std::mt19937 random(2100);
    for (size_t n = 0; n <= 2100; ++n) {
      const size_t offset = random() % 64;
      const size_t size = offset + n;
      const std::unique_ptr<uint8_t[]> block(new uint8_t[size == 0 ? 1 : size]);
      for (size_t i = 0; i < size; ++i) block[i] = static_cast<uint8_t>(random());
      const uint8_t* p = block.get() + offset;
      const uint32_t initial = random() & 0xffff;
      ASSERT_EQ(checksumSumWith(path, p, n, initial), referenceSum(p, n, initial))
          << "offset " << offset << " length " << n;
    }
  }
}

TEST(ChecksumTest, EveryLengthBetweenGuardPagesMatchesReference) {
  // ASan does not see inside AVX-512 masked loads: the guard pages do.
  GuardedPages pages(2);
  ASSERT_TRUE(pages.ok()) << "mmap/mprotect of guard pages failed";
  std::mt19937 random(4096);
  for (uint8_t* b = pages.begin(); b != pages.end(); ++b) *b = static_cast<uint8_t>(random());
  ASSERT_GE(pages.end() - pages.begin(), 2100);
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    for (size_t n = 0; n <= 2100; ++n) {
      const uint8_t* at_end = pages.end() - n;  // odd starts for odd n
      ASSERT_EQ(checksumSumWith(path, at_end, n), referenceSum(at_end, n, 0)) << "ending at the guard, length " << n;
      const uint8_t* at_start = pages.begin() + (n & 1);
      ASSERT_EQ(checksumSumWith(path, at_start, n), referenceSum(at_start, n, 0))
          << "starting after the guard, length " << n;
    }
  }
}

// All-0xff and all-zero data are the extremes of the biased vector words
// (+32767 and -32768): every short length, so each tail mask meets both.
TEST(ChecksumTest, ShortSumsOfExtremeBytes) {
  const std::vector<uint8_t> ones(300, 0xff);
  const std::vector<uint8_t> zeros(300, 0x00);
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    for (size_t n = 0; n <= 300; ++n) {
      ASSERT_EQ(checksumSumWith(path, ones.data(), n), referenceSum(ones.data(), n, 0)) << "length " << n;
      ASSERT_EQ(checksumSumWith(path, zeros.data(), n), 0) << "length " << n;
    }
  }
}

// End-around carry, the textbook way.
uint16_t referenceFold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

TEST(ChecksumTest, FoldMatchesTheTextbookLoop) {
  const uint64_t edges[] = {0,           1,           0xffff,          0x10000,         0x1ffff,
                            0xfffe0001,  0xffff0000,  0xffffffff,      0x100000000ull,  0x1fffffffeull,
                            0xffffffffffffffffull,     0xffff0000ffff0000ull,        0x8000000080000000ull};
  for (const uint64_t sum : edges) EXPECT_EQ(foldSum(sum), referenceFold(sum)) << std::hex << sum;
  std::mt19937_64 random(65535);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t sum = random() >> (random() % 64);
    ASSERT_EQ(foldSum(sum), referenceFold(sum)) << std::hex << sum;
  }
}

// The parser's helpers (native pseudo-header, checksumValid, the IPv4
// header) against checksumSum on the same bytes, with a checksum inserted
// so that the sum is all ones, and one flipped bit that must be caught.
TEST(ChecksumTest, ValidityHelpersAgreeWithTheSum) {
  std::mt19937 random(768);
  for (int round = 0; round < 2000; ++round) {
    uint8_t addrs[32];
    for (auto& b : addrs) b = static_cast<uint8_t>(random());
    const size_t alen = round % 2 == 0 ? 4 : 16;
    const size_t n = 8 + random() % 600;
    std::vector<uint8_t> udp(n);
    for (auto& b : udp) b = static_cast<uint8_t>(random());
    udp[6] = udp[7] = 0;
    const uint32_t pseudo = pseudoHeaderSum(addrs, addrs + alen, alen, 17, static_cast<uint32_t>(n));
    // The pseudo-header, textbook: the addresses, a zero byte and the
    // protocol, the length.
    std::vector<uint8_t> header(addrs, addrs + 2 * alen);
    header.push_back(0);
    header.push_back(17);
    header.push_back(static_cast<uint8_t>(n >> 8));
    header.push_back(static_cast<uint8_t>(n));
    ASSERT_EQ(pseudo, referenceSum(header.data(), header.size(), 0));
    store16be(udp.data() + 6, static_cast<uint16_t>(~checksumSum(udp.data(), n, pseudo)));
    const uint64_t native = pseudoHeaderNativeSum(addrs, addrs + alen, alen, 17, static_cast<uint32_t>(n));
    ASSERT_TRUE(checksumValid(udp.data(), n, native)) << "round " << round;
    udp[random() % n] ^= static_cast<uint8_t>(1u << (random() % 8));
    ASSERT_FALSE(checksumValid(udp.data(), n, native)) << "round " << round;
  }
  for (size_t ihl = 20; ihl <= 60; ihl += 4) {
    std::vector<uint8_t> ip(ihl);
    for (auto& b : ip) b = static_cast<uint8_t>(random());
    ip[10] = ip[11] = 0;
    store16be(ip.data() + 10, static_cast<uint16_t>(~checksumSum(ip.data(), ihl)));
    EXPECT_TRUE(ipv4HeaderChecksumValid(ip.data(), ihl)) << "ihl " << ihl;
    ip[ihl - 1] ^= 0x10;  // the last word counts too
    EXPECT_FALSE(ipv4HeaderChecksumValid(ip.data(), ihl)) << "ihl " << ihl;
  }
}

TEST(ChecksumTest, SumOfAllOnesDoesNotOverflow) {
  // The worst case for the lane accumulators: a maximal datagram of 0xff.
  // For the vector loops 0xffff is the largest biased word (+32767 each).
  const std::vector<uint8_t> ones(65535, 0xff);
  const std::vector<uint8_t> zeros(65535, 0x00);  // biased: -32768 each
  for (const SumPath path : bulkPaths()) {
    SCOPED_TRACE(pathName(path));
    EXPECT_EQ(checksumSumWith(path, ones.data(), ones.size()),
              referenceSum(ones.data(), ones.size(), 0));
    EXPECT_EQ(checksumSumWith(path, ones.data(), ones.size() - 1), 0xffff);  // 0xffff words only
    EXPECT_EQ(checksumSumWith(path, ones.data(), ones.size()), 0xff00);  // plus 0xff padded: 0xff00
    EXPECT_EQ(checksumSumWith(path, zeros.data(), zeros.size()), 0);
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

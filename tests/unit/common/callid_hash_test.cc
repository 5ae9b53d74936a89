// hashCallId is SipHash-2-4 exactly (reference vectors), ringSlot maps evenly,
// and hash keys parse/format round trip.
#include <sipsteer/core/callid_hash.h>

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sipsteer::core {
namespace {

// The 64 outputs of the SipHash-2-4 reference implementation (vectors.h of
// github.com/veorq/SipHash, the SipHash paper's test setup): key 00 01 .. 0f,
// message 00 01 .. (n-1) for n = 0..63. Each constant spells the 8 output
// bytes in order (byte 0 first), as the reference lists them.
constexpr uint64_t kReferenceBytes[64] = {
    0x310e0edd47db6f72, 0xfd67dc93c539f874, 0x5a4fa9d909806c0d, 0x2d7efbd796666785,
    0xb7877127e09427cf, 0x8da699cd64557618, 0xcee3fe586e46c9cb, 0x37d1018bf50002ab,
    0x6224939a79f5f593, 0xb0e4a90bdf82009e, 0xf3b9dd94c5bb5d7a, 0xa7ad6b22462fb3f4,
    0xfbe50e86bc8f1e75, 0x903d84c02756ea14, 0xeef27a8e90ca23f7, 0xe545be4961ca29a1,
    0xdb9bc2577fcc2a3f, 0x9447be2cf5e99a69, 0x9cd38d96f0b3c14b, 0xbd6179a71dc96dbb,
    0x98eea21af25cd6be, 0xc7673b2eb0cbf2d0, 0x883ea3e395675393, 0xc8ce5ccd8c030ca8,
    0x94af49f6c650adb8, 0xeab8858ade92e1bc, 0xf315bb5bb835d817, 0xadcf6b0763612e2f,
    0xa5c91da7acaa4dde, 0x716595876650a2a6, 0x28ef495c53a387ad, 0x42c341d8fa92d832,
    0xce7cf2722f512771, 0xe37859f94623f3a7, 0x381205bb1ab0e012, 0xae97a10fd434e015,
    0xb4a31508beff4d31, 0x81396229f0907902, 0x4d0cf49ee5d4dcca, 0x5c73336a76d8bf9a,
    0xd0a704536ba93e0e, 0x925958fcd6420cad, 0xa915c29bc8067318, 0x952b79f3bc0aa6d4,
    0xf21df2e41d4535f9, 0x87577519048f53a9, 0x10a56cf5dfcd9adb, 0xeb75095ccd986cd0,
    0x51a9cb9ecba312e6, 0x96afadfc2ce666c7, 0x72fe52975a4364ee, 0x5a1645b276d592a1,
    0xb274cb8ebf87870a, 0x6f9bb4203de7b381, 0xeaecb2a30b22a87f, 0x9924a43cc1315724,
    0xbd838d3aafbf8db7, 0x0b1a2a3265d51aea, 0x135079a3231ce660, 0x932b2846e4d70666,
    0xe1915f5cb1eca46c, 0xf325965ca16d629f, 0x575ff28e60381be5, 0x724506eb4c328a95,
};

HashKey referenceKey() {
  HashKey key;
  for (uint8_t i = 0; i < 16; ++i) key.bytes[i] = i;
  return key;
}

TEST(CallIdHashTest, MatchesSipHashReferenceVectors) {
  const HashKey key = referenceKey();
  std::vector<uint8_t> message;
  for (size_t n = 0; n < 64; ++n) {
    // hashCallId returns the output read little-endian (SipHash's own
    // convention); the reference lists the bytes, i.e. the byte-swapped value.
    EXPECT_EQ(__builtin_bswap64(hashCallId(key, std::span<const uint8_t>(message))),
              kReferenceBytes[n])
        << "message length " << n;
    message.push_back(static_cast<uint8_t>(n));
  }
}

TEST(CallIdHashTest, MatchesThePaperExample) {
  // SipHash paper, appendix A: 15-byte message 00..0e -> a129ca6149be45e5.
  std::string message;
  for (char c = 0; c < 15; ++c) message.push_back(c);
  EXPECT_EQ(hashCallId(referenceKey(), message), 0xa129ca6149be45e5ull);
}

TEST(CallIdHashTest, StringAndSpanAgreeAndKeyMatters) {
  const std::string call_id = "a84b4c76e66710@pc33.atlanta.example.com";
  const HashKey key = referenceKey();
  EXPECT_EQ(hashCallId(key, call_id),
            hashCallId(key, std::span<const uint8_t>(
                                reinterpret_cast<const uint8_t*>(call_id.data()), call_id.size())));
  HashKey other = key;
  other.bytes[15] ^= 1;
  EXPECT_NE(hashCallId(key, call_id), hashCallId(other, call_id));
  EXPECT_NE(hashCallId(key, call_id), hashCallId(key, call_id + " "));
}

TEST(CallIdHashTest, RingSlotUsesTheHighBitsAndStaysInRange) {
  EXPECT_EQ(ringSlot(0, 65537), 0u);
  EXPECT_EQ(ringSlot(~0ull, 65537), 65536u);
  EXPECT_EQ(ringSlot(0x00000000ffffffffull, 65537), 0u);  // low bits ignored
  EXPECT_EQ(ringSlot(0x8000000000000000ull, 65537), 32768u);
  EXPECT_EQ(ringSlot(0x8000000000000000ull, 2), 1u);
  for (uint32_t size : {1u, 2u, 3u, 13u, 65537u, 4294967291u}) {
    for (uint64_t h : {0ull, 1ull, 0x123456789abcdef0ull, ~0ull, 0xffffffff00000000ull}) {
      EXPECT_LT(ringSlot(h, size), size);
    }
  }
}

TEST(CallIdHashTest, RingSlotSpreadsHashesEvenly) {
  // The high 32 bits swept evenly land within one of n/size per slot.
  constexpr uint32_t kSize = 13;
  std::vector<uint32_t> counts(kSize, 0);
  constexpr uint32_t kSteps = 13 * 1000;
  for (uint32_t i = 0; i < kSteps; ++i) {
    const uint64_t high = (static_cast<uint64_t>(i) << 32) / kSteps;
    ++counts[ringSlot(high << 32, kSize)];
  }
  for (uint32_t c : counts) EXPECT_NEAR(c, 1000, 1);
}

TEST(CallIdHashTest, ParseAndFormatRoundTrip) {
  HashKey key;
  ASSERT_TRUE(parseHashKey("000102030405060708090a0b0c0d0e0f", key));
  EXPECT_EQ(key, referenceKey());
  EXPECT_EQ(formatHashKey(key), "000102030405060708090a0b0c0d0e0f");
  ASSERT_TRUE(parseHashKey("A0B1C2D3E4F5a6b7c8d9eAfBFFff0010", key));
  EXPECT_EQ(formatHashKey(key), "a0b1c2d3e4f5a6b7c8d9eafbffff0010");
  for (int i = 0; i < 20; ++i) {
    const HashKey random = randomHashKey();
    HashKey parsed;
    ASSERT_TRUE(parseHashKey(formatHashKey(random), parsed));
    EXPECT_EQ(parsed, random);
  }
}

TEST(CallIdHashTest, ParseRejectsMalformedKeysAndLeavesOutputAlone) {
  const HashKey before = referenceKey();
  for (const char* bad : {"", "00", "000102030405060708090a0b0c0d0e0", "000102030405060708090a0b0c0d0e0f0",
                          "000102030405060708090a0b0c0d0e0g", " 00102030405060708090a0b0c0d0e0f",
                          "0x0102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e-f"}) {
    HashKey out = before;
    EXPECT_FALSE(parseHashKey(bad, out)) << bad;
    EXPECT_EQ(out, before) << bad;
  }
}

// The inline SipHash (sipsteer/core/siphash.h) the fast path uses must be
// bit-for-bit the libsodium one that hashCallId wraps: the BPF programs and
// other appliances of a cluster hash the same Call-ID to the same value.
TEST(CallIdHashTest, InlineSipHashMatchesReferenceVectorsAndLibsodium) {
  const HashKey key = referenceKey();
  std::vector<uint8_t> message;
  for (size_t n = 0; n < 64; ++n) {
    const uint64_t inline_hash = hashCallIdInline(key, message);
    EXPECT_EQ(__builtin_bswap64(inline_hash), kReferenceBytes[n]) << "message length " << n;
    unsigned char sodium[crypto_shorthash_BYTES];
    crypto_shorthash(sodium, message.data(), message.size(), key.bytes.data());
    uint64_t sodium_value;
    std::memcpy(&sodium_value, sodium, 8);
    EXPECT_EQ(inline_hash, sodium_value) << "message length " << n;
    message.push_back(static_cast<uint8_t>(n));
  }
}

TEST(CallIdHashTest, InlineSipHashMatchesLibsodiumOnRandomInput) {
  std::mt19937_64 random(20261121);  // fixed seed: a failure reproduces
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 300);
  for (int round = 0; round < 5000; ++round) {
    HashKey key;
    for (auto& b : key.bytes) b = static_cast<uint8_t>(byte(random));
    // Start at an odd offset half the time: the inline version reads
    // unaligned 8-byte words.
    std::vector<uint8_t> buffer(length(random) + 1);
    for (auto& b : buffer) b = static_cast<uint8_t>(byte(random));
    const std::span<const uint8_t> message(buffer.data() + (round & 1), buffer.size() - 1);
    ASSERT_EQ(hashCallIdInline(key, message), hashCallId(key, message))
        << "round " << round << " length " << message.size();
  }
}

TEST(CallIdHashTest, RandomKeysDiffer) {
  // 2^-128 chance of a false failure per pair.
  EXPECT_NE(randomHashKey(), randomHashKey());
  EXPECT_NE(randomHashKey(), HashKey{});
}

}  // namespace
}  // namespace sipsteer::core

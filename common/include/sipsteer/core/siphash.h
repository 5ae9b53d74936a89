// SipHash-2-4 (Aumasson & Bernstein), header-only, for the fast path.
//
// Why not libsodium's crypto_shorthash on the fast path: it is a call
// through the shared library's PLT that the compiler cannot schedule around.
// SipHash-2-4 itself is latency-bound (each round depends on the previous
// one), so in isolation the inline version is only ~10 % faster
// (common_callid_hash_bench, 40 B: 28.8 vs 30.7 ns CPU); inlined into the
// pipeline's first pass its rounds overlap with the neighbouring packets'
// independent work. The result is bit-for-bit libsodium's
// (tests/unit/common/callid_hash_test.cc holds both to the 64 reference
// vectors and to random inputs).
//
// Returns the 64-bit output read little-endian (SipHash's own convention),
// which is what hashCallId() has always returned. Assumes a little-endian
// host (x86-64, arm64), as the rest of the fast path does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sipsteer::core {

namespace siphash_detail {

inline uint64_t rotl(uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

inline uint64_t load64le(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

struct State {
  uint64_t v0, v1, v2, v3;

  void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }

  void absorb(uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace siphash_detail

// SipHash-2-4 of data[0, n) under the 16-byte key `key` (k0 = bytes 0..7 and
// k1 = bytes 8..15, little-endian, as the reference defines them).
inline uint64_t siphash24(const uint8_t key[16], const uint8_t* data, size_t n) noexcept {
  using namespace siphash_detail;
  const uint64_t k0 = load64le(key);
  const uint64_t k1 = load64le(key + 8);
  State s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
          k1 ^ 0x7465646279746573ull};
  const uint8_t* end = data + (n & ~size_t{7});
  for (; data != end; data += 8) s.absorb(load64le(data));
  // Last block: the remaining 0..7 bytes, little-endian, length byte on top.
  uint64_t b = static_cast<uint64_t>(n) << 56;
  switch (n & 7) {
    case 7: b |= static_cast<uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: b |= static_cast<uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: b |= static_cast<uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: b |= static_cast<uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: b |= static_cast<uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: b |= static_cast<uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1: b |= static_cast<uint64_t>(data[0]); [[fallthrough]];
    case 0: break;
  }
  s.absorb(b);
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace sipsteer::core

// Internet checksum helpers (RFC 1071 sum, RFC 1624 incremental update) on
// raw bytes. DPDK-free so the classifier compiles in the fuzz build (clang 14,
// C++20). All 16-bit values here are "as the bytes read in network order".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipsteer::dp {

inline uint16_t load16be(const uint8_t* p) noexcept {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline void store16be(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint32_t load32be(const uint8_t* p) noexcept {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

inline uint16_t foldSum(uint64_t sum) noexcept {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// One's-complement sum of `n` bytes, folded, in network-order semantics.
// Sums native-order words and swaps once at the end: the one's-complement
// sum is byte-order independent (RFC 1071 section 2(B)). Assumes a
// little-endian host (x86-64, arm64 as configured by DPDK).
inline uint16_t checksumSum(const uint8_t* p, size_t n, uint32_t initial_be = 0) noexcept {
  uint64_t sum = 0;
#if defined(__SSE2__)
  // 32 bytes per step: the 16-bit words are widened to 32-bit lanes (unpack
  // with zero) and added lane-wise. No carries to track: a lane receives two
  // words per step, so even a 64 KiB datagram (2048 steps) stays below 2^32.
  // The scalar version this replaces went through the stack (memcpy into a
  // word array) and was the hottest part of the UDP check.
  const __m128i zero = _mm_setzero_si128();
  __m128i lo = zero, hi = zero;
  while (n >= 32) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
    lo = _mm_add_epi32(lo, _mm_add_epi32(_mm_unpacklo_epi16(a, zero), _mm_unpacklo_epi16(b, zero)));
    hi = _mm_add_epi32(hi, _mm_add_epi32(_mm_unpackhi_epi16(a, zero), _mm_unpackhi_epi16(b, zero)));
    p += 32;
    n -= 32;
  }
  uint32_t lanes[8];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), lo);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes + 4), hi);
  for (uint32_t lane : lanes) sum += lane;
#else
  // Four independent accumulators of 32-bit words: no carries to track (a
  // 64-bit sum of 32-bit values cannot overflow below 2^32 words) and no
  // dependency chain, so the compiler keeps several adds in flight.
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  while (n >= 32) {
    uint32_t w[8];
    std::memcpy(w, p, 32);
    s0 += static_cast<uint64_t>(w[0]) + w[4];
    s1 += static_cast<uint64_t>(w[1]) + w[5];
    s2 += static_cast<uint64_t>(w[2]) + w[6];
    s3 += static_cast<uint64_t>(w[3]) + w[7];
    p += 32;
    n -= 32;
  }
  sum = (s0 & 0xffffffffu) + (s0 >> 32) + (s1 & 0xffffffffu) + (s1 >> 32) + (s2 & 0xffffffffu) + (s2 >> 32) +
        (s3 & 0xffffffffu) + (s3 >> 32);
#endif
  while (n >= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    sum += a;
    sum += b;
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    uint32_t a;
    std::memcpy(&a, p, 4);
    sum += a;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t a;
    std::memcpy(&a, p, 2);
    sum += a;
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += p[0];  // the high byte of a network-order word: low byte natively
  const uint16_t native = foldSum(sum);
  const uint16_t swapped = static_cast<uint16_t>(native << 8 | native >> 8);
  return foldSum(static_cast<uint64_t>(swapped) + initial_be);
}

// Sum of the UDP/ICMPv6 pseudo-header (addresses of `addr_len` bytes each).
inline uint32_t pseudoHeaderSum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                                uint8_t protocol, uint32_t length) noexcept {
  uint64_t sum = checksumSum(src, addr_len);
  sum += checksumSum(dst, addr_len);
  sum += protocol;
  sum += length & 0xffff;
  sum += length >> 16;
  return foldSum(sum);
}

// RFC 1624 eqn. 3: the checksum after `n` bytes (even) change from `before`
// to `after`: HC' = ~(~HC + ~m + m').
inline uint16_t checksumReplace(uint16_t check, const uint8_t* before, const uint8_t* after,
                                size_t n) noexcept {
  uint64_t sum = static_cast<uint16_t>(~check);
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint16_t>(~load16be(before + i));
    sum += load16be(after + i);
  }
  return static_cast<uint16_t>(~foldSum(sum));
}

inline uint16_t checksumReplace16(uint16_t check, uint16_t before, uint16_t after) noexcept {
  uint64_t sum = static_cast<uint16_t>(~check);
  sum += static_cast<uint16_t>(~before);
  sum += after;
  return static_cast<uint16_t>(~foldSum(sum));
}

}  // namespace sipsteer::dp

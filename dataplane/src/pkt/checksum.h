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
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SIPSTEER_CHECKSUM_AVX2 1
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

namespace detail {

#if defined(SIPSTEER_CHECKSUM_AVX2)
// 64 bytes per step, three instructions per 32: each 16-bit word is biased
// into a signed one (xor 0x8000 = w - 32768) so that vpmaddwd with ones adds
// word pairs into 32-bit lanes; the bias comes back once at the end. A lane
// gains at most 4 * 32767 per step, so 1024 steps (64 KiB) stay below 2^31.
// Half the instructions of the SSE2 loop on a 500-byte SIP datagram, which
// every packet pays when the NIC does not check UDP. Consumes whole 64-byte
// steps of [p, p + n) and returns their native-order word sum.
__attribute__((target("avx2,tune=haswell"))) inline uint64_t sumWordsAvx2(const uint8_t*& p_inout, size_t& n_inout) noexcept {
  // Locals, not the references: stores through them would stay in the loop.
  const uint8_t* p = p_inout;
  size_t n = n_inout;
  const __m256i bias = _mm256_set1_epi16(static_cast<short>(0x8000));
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc0 = _mm256_setzero_si256();
  __m256i acc1 = _mm256_setzero_si256();
  uint64_t words = 0;
  while (n >= 64) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_xor_si256(a, bias), ones));
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_xor_si256(b, bias), ones));
    p += 64;
    n -= 64;
    words += 32;
  }
  p_inout = p;
  n_inout = n;
  int32_t lanes[8];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi32(acc0, acc1));
  int64_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  return static_cast<uint64_t>(sum + static_cast<int64_t>(words) * 32768);
}

inline bool cpuHasAvx2() noexcept {
  __builtin_cpu_init();  // may run from a static initializer, before main
  return __builtin_cpu_supports("avx2");
}
// Checked once per process: DPDK's Debian build targets corei7 (SSE4.2), and
// the appliance's binary must run on any x86-64 edge box.
inline const bool kCpuHasAvx2 = cpuHasAvx2();
#else
inline constexpr bool kCpuHasAvx2 = false;
#endif

}  // namespace detail

// One's-complement sum of `n` bytes, folded, in network-order semantics.
// Sums native-order words and swaps once at the end: the one's-complement
// sum is byte-order independent (RFC 1071 section 2(B)). Assumes a
// little-endian host (x86-64, arm64 as configured by DPDK). `use_avx2`
// (tests) may only be true where detail::kCpuHasAvx2 is.
inline uint16_t checksumSumWith(bool use_avx2, const uint8_t* p, size_t n, uint32_t initial_be = 0) noexcept {
  uint64_t sum = 0;
#if defined(SIPSTEER_CHECKSUM_AVX2)
  if (use_avx2 && n >= 64) sum = detail::sumWordsAvx2(p, n);
#else
  (void)use_avx2;
#endif
#if defined(__SSE2__)
  // 32 bytes per step: the 16-bit words are widened to 32-bit lanes (unpack
  // with zero) and added lane-wise. No carries to track: a lane receives two
  // words per step, so even a 64 KiB datagram (2048 steps) stays below 2^32.
  // The scalar version this replaces went through the stack (memcpy into a
  // word array) and was the hottest part of the UDP check.
  if (n >= 32) {
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
  }
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
  sum += (s0 & 0xffffffffu) + (s0 >> 32) + (s1 & 0xffffffffu) + (s1 >> 32) + (s2 & 0xffffffffu) + (s2 >> 32) +
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

inline uint16_t checksumSum(const uint8_t* p, size_t n, uint32_t initial_be = 0) noexcept {
  return checksumSumWith(detail::kCpuHasAvx2, p, n, initial_be);
}

// Sum of the UDP/ICMPv6 pseudo-header (addresses of `addr_len` bytes each,
// 4 or 16). The addresses are added as native 32-bit words and swapped once,
// as in checksumSum, without its loops: every UDP packet checked pays this.
inline uint32_t pseudoHeaderSum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                                uint8_t protocol, uint32_t length) noexcept {
  uint64_t native = 0;
  for (size_t i = 0; i < addr_len; i += 4) {
    uint32_t a, b;
    std::memcpy(&a, src + i, 4);
    std::memcpy(&b, dst + i, 4);
    native += uint64_t{a} + b;
  }
  const uint16_t folded = foldSum(native);
  uint64_t sum = static_cast<uint16_t>(folded << 8 | folded >> 8);
  sum += protocol;
  sum += length & 0xffff;
  sum += length >> 16;
  return foldSum(sum);
}

// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), in two halves so that one change
// can update several checksums (NAT: the address is in the IPv4 header's and
// in the UDP checksum). replacementSum: the "~m + m'" of `n` (even) bytes
// changing from `before` to `after`; sums of several changes add up.
inline uint64_t replacementSum(const uint8_t* before, const uint8_t* after, size_t n) noexcept {
  uint64_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint16_t>(~load16be(before + i)) + load16be(after + i);
  return sum;
}
inline uint64_t replacementSum16(uint16_t before, uint16_t after) noexcept {
  return static_cast<uint16_t>(~before) + uint64_t{after};
}
// The checksum `check` after the changes summed in `sum`.
inline uint16_t applyReplacement(uint16_t check, uint64_t sum) noexcept {
  return static_cast<uint16_t>(~foldSum(sum + static_cast<uint16_t>(~check)));
}

// applyReplacement for a sum below 2^20 (a few 16-bit changes, as NAT adds
// up): two 16-bit folds are enough, the 64-bit ones are skipped.
inline uint16_t applySmallReplacement(uint16_t check, uint32_t sum) noexcept {
  sum += static_cast<uint16_t>(~check);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The checksum after `n` bytes (even) change from `before` to `after`.
inline uint16_t checksumReplace(uint16_t check, const uint8_t* before, const uint8_t* after,
                                size_t n) noexcept {
  return applyReplacement(check, replacementSum(before, after, n));
}

}  // namespace sipsteer::dp

// Internal to scanForSteering: skips, 64 bytes at a time, the header lines
// the steering scan would only count. Walking them one LF at a time cost ~25
// instructions per line (find the LF, then blank, WSP, limit and name tests
// on the byte after it), for every line before Call-ID. Here one block
// classification (two AVX2 or four SSE2 loads) gives the LF positions and
// the bytes that may begin a line the per-line loop must see, and the next
// such line start is a tzcnt away; the lines in between are counted with
// popcount.
#pragma once

#include <bit>
#include <cstdint>

#include "sip_chars.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SIPSTEER_SCAN_AVX2 1
#endif

namespace sipsteer::sip::detail {

// Bytes [base, base + 64) of a message: bit i of `lf` is set when byte
// base + i is LF; bit i of `first` when that byte may begin a line that is
// not just counted: c/C (Call-ID, CSeq), i/I (compact Call-ID), or any byte
// <= 0x20 (a blank line starts with CR or LF, a continuation with SP or
// HTAB; the other control bytes ride along, the per-line loop treats them
// as any other first byte).
struct BlockMasks {
  uint64_t lf;
  uint64_t first;
};

// The first-byte test of BlockMasks::first for one byte.
inline bool mayNeedLineLoop(uint8_t c) noexcept {
  const uint32_t lower = c | 0x20u;
  return c <= 0x20 || lower == 'c' || lower == 'i';
}

// No classifier: the per-line loop sees every line (non-x86 builds, tests).
struct NoBlocks {
  static constexpr bool kSkips = false;
  static BlockMasks classify(const uint8_t*) noexcept { return {0, 0}; }
  static uint32_t count(uint64_t) noexcept { return 0; }
};

#if defined(__SSE2__)
struct Sse2Blocks {
  static constexpr bool kSkips = true;
  // Baseline x86-64 has no POPCNT, and GCC's builtin would be a libgcc call.
  static uint32_t count(uint64_t x) noexcept {
#if defined(__POPCNT__)
    return static_cast<uint32_t>(__builtin_popcountll(x));
#else
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return static_cast<uint32_t>((x * 0x0101010101010101ull) >> 56);
#endif
  }
  static BlockMasks classify(const uint8_t* p) noexcept {
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i fold = _mm_set1_epi8(0x20);
    const __m128i c = _mm_set1_epi8('c');
    const __m128i i = _mm_set1_epi8('i');
    BlockMasks m{0, 0};
    for (int k = 0; k < 4; ++k) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const __m128i lower = _mm_or_si128(x, fold);
      const __m128i low_byte = _mm_cmpeq_epi8(_mm_min_epu8(x, fold), x);  // x <= 0x20
      const __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(lower, c), _mm_cmpeq_epi8(lower, i)), low_byte);
      m.lf |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl))))
              << (16 * k);
      m.first |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(hit))) << (16 * k);
    }
    return m;
  }
};
#endif

#if defined(SIPSTEER_SCAN_AVX2)
// Same masks from two 32-byte halves. Only called from code compiled for
// AVX2 (see scanForSteering's dispatch), so it inlines there.
struct Avx2Blocks {
  static constexpr bool kSkips = true;
  __attribute__((target("avx2,popcnt,bmi,bmi2"))) static uint32_t count(uint64_t x) noexcept {
    return static_cast<uint32_t>(__builtin_popcountll(x));
  }
  __attribute__((target("avx2,popcnt,bmi,bmi2"))) static BlockMasks classify(
      const uint8_t* p) noexcept {
    const __m256i nl = _mm256_set1_epi8('\n');
    const __m256i fold = _mm256_set1_epi8(0x20);
    const __m256i c = _mm256_set1_epi8('c');
    const __m256i i = _mm256_set1_epi8('i');
    uint32_t lf[2], first[2];
    for (int k = 0; k < 2; ++k) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
      const __m256i lower = _mm256_or_si256(x, fold);
      const __m256i low_byte = _mm256_cmpeq_epi8(_mm256_min_epu8(x, fold), x);  // x <= 0x20
      const __m256i hit = _mm256_or_si256(
          _mm256_or_si256(_mm256_cmpeq_epi8(lower, c), _mm256_cmpeq_epi8(lower, i)), low_byte);
      lf[k] = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, nl)));
      first[k] = static_cast<uint32_t>(_mm256_movemask_epi8(hit));
    }
    return {lf[0] | static_cast<uint64_t>(lf[1]) << 32, first[0] | static_cast<uint64_t>(first[1]) << 32};
  }
};
#endif

// From `pos`, the start of a header line, skips the lines whose first byte
// fails mayNeedLineLoop and that end with an LF inside the message, adds
// their number to `lines`, and returns the first line start the per-line
// loop must look at: a line starting with such a byte, the last line (no LF
// before `size`), or `size`. The skipped lines are exactly those the
// per-line loop would only have counted and stepped over, so their count
// alone decides kTOO_MANY_HEADERS. `lf` is left holding the block of the
// returned line, so framing it needs no second LF search there. Messages
// under 64 bytes are left to the per-line loop.
template <class Blocks>
inline uint32_t skipCountedLines(const uint8_t* d, uint32_t size, uint32_t pos, uint32_t& lines,
                                 LfFinder& lf) noexcept {
  if constexpr (!Blocks::kSkips) {
    (void)d, (void)size, (void)lines, (void)lf;
    return pos;
  } else {
    if (size < 64 || pos >= size || mayNeedLineLoop(d[pos])) return pos;
    uint32_t base = pos;
    uint64_t carry = 0;         // bit 0: a line starts at `base` (LF just before it)
    uint32_t last_start = pos;  // latest line start seen
    for (;;) {
      const bool last_block = base + 64 >= size;
      BlockMasks m;
      if (base + 64 <= size) {
        m = Blocks::classify(d + base);
      } else {
        // The 64 bytes ending at `size`, shifted: bits from size - base on are 0.
        const uint32_t shift = base - (size - 64);
        m = Blocks::classify(d + size - 64);
        m.lf >>= shift;
        m.first >>= shift;
      }
      const uint64_t hits = ((m.lf << 1) | carry) & m.first;
      if (hits != 0) {
        const auto at = static_cast<uint32_t>(std::countr_zero(hits));
        lines += Blocks::count(m.lf & ((1ull << at) - 1));
        lf.seed(base, m.lf);
        return base + at;
      }
      lines += Blocks::count(m.lf);
      if (m.lf != 0) last_start = base + 64 - static_cast<uint32_t>(std::countl_zero(m.lf));
      if (last_block) {
        lf.seed(base, m.lf);
        return last_start;
      }
      carry = m.lf >> 63;
      base += 64;
    }
  }
}

}  // namespace sipsteer::sip::detail

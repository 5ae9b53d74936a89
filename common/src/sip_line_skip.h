// Internal to scanForSteering: steps over the header lines the steering scan
// would only count. The per-line loop spent ~50 instructions on each of them
// (bounds, blank-line, WSP, limit and name tests, then an LF search that
// re-derives its place in the 64-byte LF mask from an offset). Here a line
// costs ~18: the next LF comes from clearing the lowest bit of the mask, and
// one table lookup on the byte after it decides whether the per-line loop
// must see the next line. The 64-byte LF masks come from AVX2 (two loads)
// where the CPU has it, picked once per process by scanForSteering.
#pragma once

#include <array>
#include <cstdint>

#include "sip_chars.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SIPSTEER_SCAN_AVX2 1
// Everything that runs in the AVX2 build of scanForSteering. Without a
// tune= part, so that GCC still inlines the default-target helpers into it.
#define SIPSTEER_AVX2_TARGET __attribute__((target("avx2,bmi,bmi2")))
#endif

namespace sipsteer::sip::detail {

#if defined(SIPSTEER_SCAN_AVX2)
struct Avx2LfMask {
  static constexpr bool kBlocks = true;
  SIPSTEER_AVX2_TARGET static uint64_t mask64(const uint8_t* p) noexcept {
    const __m256i nl = _mm256_set1_epi8('\n');
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    const auto lo_bits = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, nl)));
    const auto hi_bits = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, nl)));
    return lo_bits | static_cast<uint64_t>(hi_bits) << 32;
  }
};
#endif

// What the first byte of a line says about it, for the steering scan:
// kCounted lines are only counted and stepped over by the per-line loop;
// kLoop lines need it (CR or LF: maybe the blank line; SP/HTAB: a
// continuation, an error as the first header line; i/I: maybe compact
// Call-ID); kIfSecond ('c'/'C') need it only when the next letter can
// continue "Call-ID" (or, while a response still wants it, "CSeq").
enum LineStart : uint8_t { kCounted = 0, kLoop = 1, kIfSecond = 2 };

constexpr std::array<uint8_t, 256> makeLineStartTable() {
  std::array<uint8_t, 256> t{};
  for (int c : {'\r', '\n', ' ', '\t', 'i', 'I'}) t[c] = kLoop;
  for (int c : {'c', 'C'}) t[c] = kIfSecond;
  return t;
}

inline constexpr std::array<uint8_t, 256> kLineStart = makeLineStartTable();

// The second letters (lowercase) after 'c' that make a line a candidate.
struct SecondLetters {
  uint8_t a;
  uint8_t b;
};

// True when the line starting at `p` (< size) must go through the per-line
// loop. A "c" line whose second byte is neither letter (Contact,
// Content-Length) can be neither Call-ID nor CSeq: matchWanted() would
// reject it, and the loop would only have counted it.
inline bool needsLineLoop(const uint8_t* d, uint32_t size, uint32_t p, SecondLetters second) noexcept {
  const uint8_t kind = kLineStart[d[p]];
  if (kind == kCounted) return false;
  if (kind == kLoop || p + 1 >= size) return true;
  const uint32_t next = d[p + 1] | 0x20u;
  return next == second.a || next == second.b;
}

// From `pos`, the start of a header line, steps over the lines that do not
// need the per-line loop and end with an LF inside the message, adds their
// number to `lines`, and returns the first line start the loop must look
// at: one that needs it, the last line (no LF before `size`), or `size`.
// The lines stepped over are exactly those the loop would only have counted
// (not blank, not a continuation, not a wanted name, LF present), so their
// count alone decides kTOO_MANY_HEADERS. Finders without blocks (non-x86,
// the line-by-line reference in tests) step over nothing.
template <class Finder>
inline uint32_t skipCountedLines(const uint8_t* d, uint32_t size, uint32_t pos, SecondLetters second,
                                 uint32_t& lines, Finder& lf) noexcept {
  if constexpr (!Finder::kBlocks) {
    (void)d, (void)size, (void)second, (void)lines, (void)lf;
    return pos;
  } else {
    if (pos >= size || needsLineLoop(d, size, pos, second)) return pos;
    uint32_t start = pos;  // the line being stepped over
    uint64_t m = lf.blockAt(pos);  // sets base(): before reading it
    m &= ~0ull << (pos - lf.base());
    for (;;) {
      while (m != 0) {
        const uint32_t next = lf.base() + static_cast<uint32_t>(__builtin_ctzll(m)) + 1;
        ++lines;
        if (next >= size || needsLineLoop(d, size, next, second)) return next;
        start = next;
        m &= m - 1;
      }
      const uint32_t from = lf.base() + 64;
      if (from >= size) return start;  // no LF ends it: the loop reports it
      m = lf.blockAt(from);
    }
  }
}

}  // namespace sipsteer::sip::detail

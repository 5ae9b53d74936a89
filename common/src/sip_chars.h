// Internal to the SIP scanner: character classes, line framing and number
// parsing shared by sip_scanner.cc, sip_header_values.cc and
// sip_header_cursor.cc. Everything is inline and table-driven: no <cctype>
// (locale-dependent and a call per byte), no allocation, and every loop is
// bounded by an explicit end offset that callers keep inside the message.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipsteer::sip::detail {

enum CharClass : uint8_t {
  kToken = 1,   // RFC 3261 token: alphanum - . ! % * _ + ` ' ~
  kWord = 2,    // RFC 3261 word: token + ( ) < > : \ " / [ ] ? { }
  kDigit = 4,
  kScheme = 8,  // URI scheme after its first letter: alphanum + - .
  kWsp = 16,    // SP, HTAB
  kLws = 32,    // SP, HTAB, CR, LF: whitespace inside a (possibly folded) value
  kAlpha = 64,
};

constexpr std::array<uint8_t, 256> makeCharTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha) v |= kAlpha;
    if (digit) v |= kDigit;
    if (alpha || digit) v |= kToken | kWord | kScheme;
    for (char m : {'-', '.', '!', '%', '*', '_', '+', '`', '\'', '~'})
      if (c == m) v |= kToken | kWord;
    for (char m : {'(', ')', '<', '>', ':', '\\', '"', '/', '[', ']', '?', '{', '}'})
      if (c == m) v |= kWord;
    if (c == '+' || c == '-' || c == '.') v |= kScheme;
    if (c == ' ' || c == '\t') v |= kWsp | kLws;
    if (c == '\r' || c == '\n') v |= kLws;
    t[c] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kChars = makeCharTable();

inline bool is(uint8_t c, CharClass cls) noexcept { return (kChars[c] & cls) != 0; }

// Skips whitespace (including folds) forward from `i`, not past `end`.
inline uint32_t skipLws(const uint8_t* d, uint32_t i, uint32_t end) noexcept {
  while (i < end && is(d[i], kLws)) ++i;
  return i;
}

// Trims whitespace (including folds) from the end of [begin, end).
inline uint32_t trimLwsBack(const uint8_t* d, uint32_t begin, uint32_t end) noexcept {
  while (end > begin && is(d[end - 1], kLws)) --end;
  return end;
}

inline uint32_t skipClass(const uint8_t* d, uint32_t i, uint32_t end, CharClass cls) noexcept {
  while (i < end && is(d[i], cls)) ++i;
  return i;
}

// Packs bytes [from, from + 4) of the literal `lit` into a little-endian
// word, or the |0x20 fold mask of those that are letters (constant-folded:
// the literals are known where the comparisons below are inlined).
template <size_t N>
constexpr uint32_t literalWord(const char (&lit)[N], size_t from, bool fold_mask) noexcept {
  uint32_t w = 0;
  for (size_t i = 0; i < 4; ++i) {
    const auto l = static_cast<uint8_t>(lit[from + i]);
    const uint8_t b = fold_mask ? ((l >= 'a' && l <= 'z') ? 0x20 : 0) : l;
    w |= static_cast<uint32_t>(b) << (8 * i);
  }
  return w;
}

// N-1 bytes at `p` against the literal, letters folded with |0x20 when
// kFoldCase. Names of 4 to 8 bytes ("sip/", "call-id", "cseq", the methods)
// compare as two overlapping 32-bit words, with one branch: this runs on
// every fast-path packet. Reads exactly N-1 bytes, as the byte loop does.
template <bool kFoldCase, size_t N>
inline bool eqLiteral(const uint8_t* p, const char (&lit)[N]) noexcept {
  constexpr size_t n = N - 1;
  static_assert(std::endian::native == std::endian::little, "literalWord packs little-endian");
  if constexpr (n >= 4 && n <= 8) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    if constexpr (kFoldCase) {
      head |= literalWord(lit, 0, true);
      tail |= literalWord(lit, n - 4, true);
    }
    return ((head ^ literalWord(lit, 0, false)) | (tail ^ literalWord(lit, n - 4, false))) == 0;
  } else {
    bool eq = true;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t l = static_cast<uint8_t>(lit[i]);
      const uint8_t fold = kFoldCase && l >= 'a' && l <= 'z' ? 0x20 : 0;
      eq &= static_cast<uint8_t>(p[i] | fold) == l;
    }
    return eq;
  }
}

// Case-insensitive comparison of exactly N-1 bytes at `p` against the
// lowercase literal `lit`. Letters compare with |0x20 (exact: only A-Z and
// a-z map onto a-z that way); every other byte must match exactly.
template <size_t N>
inline bool eqLower(const uint8_t* p, const char (&lit)[N]) noexcept {
  return eqLiteral<true>(p, lit);
}

// Offset of the first `byte` in [from, size), or `size` if none. Inline SSE2
// for the usual 20-80 byte header lines: a libc memchr call per line costs
// more in call and setup than the search itself. Never reads past `size`.
inline uint32_t findByte(const uint8_t* d, uint32_t from, uint32_t size, uint8_t byte) noexcept {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(static_cast<char>(byte));
  while (from + 16 <= size) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + from));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle)));
    if (mask != 0) return from + static_cast<uint32_t>(__builtin_ctz(mask));
    from += 16;
  }
  while (from < size && d[from] != byte) ++from;
  return from;
#else
  const void* hit = from < size ? std::memchr(d + from, byte, size - from) : nullptr;
  return hit ? static_cast<uint32_t>(static_cast<const uint8_t*>(hit) - d) : size;
#endif
}

// Exact comparison of N-1 bytes at `p` with the literal (inlined, no memcmp call).
template <size_t N>
inline bool eqExact(const uint8_t* p, const char (&lit)[N]) noexcept {
  return eqLiteral<false>(p, lit);
}

// How a BasicLfFinder classifies 64 bytes into an LF bit mask: four SSE2
// compares here; scanForSteering adds an AVX2 variant (sip_line_skip.h).
// Without SSE2 there are no blocks and find() is a byte search.
struct NoLfMask {
  static constexpr bool kBlocks = false;
  static uint64_t mask64(const uint8_t*) noexcept { return 0; }
};
#if defined(__SSE2__)
struct Sse2LfMask {
  static constexpr bool kBlocks = true;
  static uint64_t mask64(const uint8_t* p) noexcept {
    const __m128i nl = _mm_set1_epi8('\n');
    uint64_t m = 0;
    for (int i = 0; i < 4; ++i) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      m |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, nl))))
           << (16 * i);
    }
    return m;
  }
};
using DefaultLfMask = Sse2LfMask;
#else
using DefaultLfMask = NoLfMask;
#endif

// Finds the line feeds of one message in order. With blocks it classifies
// 64 bytes at a time into a bit mask and then hands out one LF per tzcnt, so
// walking ten header lines costs a few block loads and no per-line search
// loop whose exit the branch predictor cannot learn. Never reads outside
// [0, size): the last partial block is loaded as the 64 bytes ending at
// `size` and shifted.
template <class Mask>
class BasicLfFinder {
 public:
  static constexpr bool kBlocks = Mask::kBlocks;

  BasicLfFinder(const uint8_t* d, uint32_t size) noexcept : d_(d), size_(size) {}

  // First LF at or after `from`, or `size` if none.
  uint32_t find(uint32_t from) noexcept {
    if constexpr (kBlocks) {
      for (;;) {
        if (from >= size_) return size_;
        const uint64_t block = blockAt(from);  // sets base_: before reading it
        const uint64_t m = block & (~0ull << (from - base_));
        if (m != 0) return base_ + static_cast<uint32_t>(__builtin_ctzll(m));
        from = base_ + 64;
      }
    } else {
      return findByte(d_, from, size_, '\n');
    }
  }

  // With blocks: the LF mask of the block holding `at` (< size), loading it
  // unless it is the current one; bit i is byte base() + i, bits from
  // `size` on are clear.
  uint64_t blockAt(uint32_t at) noexcept {
    if (at - base_ >= 64) load(at);  // also when at < base_ (wraps)
    return mask_;
  }
  uint32_t base() const noexcept { return base_; }

 private:
  void load(uint32_t at) noexcept {
    base_ = at;
    if (at + 64 <= size_) {
      mask_ = Mask::mask64(d_ + at);
    } else if (size_ >= 64) {
      mask_ = Mask::mask64(d_ + size_ - 64) >> (at - (size_ - 64));
    } else {
      mask_ = 0;
      for (uint32_t i = at; i < size_; ++i) mask_ |= static_cast<uint64_t>(d_[i] == '\n') << (i - at);
    }
  }

  uint32_t base_ = 0x80000000u;  // far from any offset: the first find() loads
  uint64_t mask_ = 0;
  const uint8_t* d_;
  uint32_t size_;
};

using LfFinder = BasicLfFinder<DefaultLfMask>;

// One logical header line: [begin, end) is its content without the final
// line end (it may contain folds), next is the first byte after its line end.
struct Line {
  uint32_t begin;
  uint32_t end;
  uint32_t next;
  bool blank;
};

// Reads the physical line starting at `pos` plus, when `fold`, its
// continuation lines. False when no LF ends it inside the buffer. A blank
// line never folds. kMayBeBlank = false: the caller has already seen that
// the line does not start with LF or CRLF (scanForSteering, on every
// packet: its start line begins after the skipped line ends, and its loop
// returns at the blank line before framing one), so the blank test is left
// out and line.blank is false.
template <bool kMayBeBlank = true, class Finder>
inline bool readLine(Finder& lf, const uint8_t* d, uint32_t size, uint32_t pos, bool fold,
                     Line& line) noexcept {
  line.begin = pos;
  if constexpr (!kMayBeBlank) line.blank = false;
  uint32_t from = pos;
  for (;;) {
    const uint32_t e = lf.find(from);
    if (e >= size) return false;
    if (kMayBeBlank && from == pos) {
      line.blank = e == pos || (e == pos + 1 && d[pos] == '\r');
      if (line.blank) {
        line.end = pos;
        line.next = e + 1;
        return true;
      }
    }
    if (fold && e + 1 < size && is(d[e + 1], kWsp)) {
      from = e + 1;
      continue;
    }
    line.end = (e > from && d[e - 1] == '\r') ? e - 1 : e;
    line.next = e + 1;
    return true;
  }
}

// Parses 1+ decimal digits at `i` (leading zeros allowed) into `value` if it
// is <= `max`; returns the offset after the digits, or 0 when there is no
// digit or the number is larger than `max` (0 is never a valid end: callers
// only parse values, which never start at offset 0).
inline uint32_t parseNumber(const uint8_t* d, uint32_t i, uint32_t end, uint64_t max,
                            uint64_t& value) noexcept {
  const uint32_t start = i;
  uint64_t v = 0;
  // '0'-'9' by subtraction: one compare per digit, no table load (CSeq
  // numbers on every response the fast path steers).
  while (i < end && static_cast<uint8_t>(d[i] - '0') < 10) {
    v = v * 10 + (d[i] - '0');
    if (v > max) return 0;  // checked every digit, so v*10 never overflows
    ++i;
  }
  if (i == start) return 0;
  value = v;
  return i;
}

// Bytes a header line may not contain outside a quoted-pair: C0 controls
// other than HTAB, and DEL. CR and LF are allowed only as part of a fold.
inline bool isCtl(uint8_t c) noexcept { return (c < 0x20 && c != '\t') || c == 0x7f; }

// Fast pre-check, 8 bytes at a time: true if [p, p+n) may hold a byte < 0x20
// or 0x7f (HTAB and fold CR/LF trigger it too; the exact check follows).
inline bool mayHaveCtl(const uint8_t* p, uint32_t n) noexcept {
  constexpr uint64_t k01 = 0x0101010101010101ull;
  constexpr uint64_t k80 = 0x8080808080808080ull;
  uint32_t i = 0;
  uint64_t hit = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    const uint64_t y = x ^ (k01 * 0x7f);
    hit |= ((x - k01 * 0x20) & ~x & k80) | ((y - k01) & ~y & k80);
  }
  for (; i < n; ++i) hit |= p[i] < 0x20 || p[i] == 0x7f;
  return hit != 0;
}

// Exact check of a logical line: control bytes are allowed only as the
// escaped byte of a quoted-pair inside a quoted string (RFC 3261 25.1, which
// RFC 4475 intmeth uses for NUL, BEL and DEL), CR/LF only as folds.
inline bool ctlOnlyWhereAllowed(const uint8_t* d, uint32_t begin, uint32_t end) noexcept {
  bool quoted = false;
  for (uint32_t i = begin; i < end; ++i) {
    const uint8_t c = d[i];
    if (c == '\r' || c == '\n') {
      // A fold: [CR] LF followed by SP/HTAB (readLine guarantees the WSP).
      if (c == '\r' && !(i + 1 < end && d[i + 1] == '\n')) return false;
      if (c == '\r') ++i;
      continue;
    }
    if (quoted && c == '\\' && i + 1 < end && d[i + 1] != '\r' && d[i + 1] != '\n') {
      ++i;  // quoted-pair: the escaped byte may be a control byte
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (isCtl(c)) return false;
  }
  return true;
}

}  // namespace sipsteer::sip::detail

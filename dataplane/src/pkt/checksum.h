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
// The AVX2 and AVX-512 loops: compiled for their targets by attribute (the
// build itself stays portable), chosen at run time.
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

// The one's-complement sum of `sum` folded to 16 bits (end-around carries).
// Zero only for zero, otherwise 1..0xffff: the same representative the
// textbook loop gives. 2^32 = 1 and 2^16 = 1 (mod 0xffff), so adding the
// halves with their carry back in keeps the value; for the 32-to-16 step the
// upper half of r + rotl(r, 16) is hi + lo + the carry of lo + hi (Linux's
// csum_fold).
inline uint16_t foldSum(uint64_t sum) noexcept {
  const uint32_t lo = static_cast<uint32_t>(sum);
  uint32_t r = lo + static_cast<uint32_t>(sum >> 32);
  r += r < lo;  // the carry out of bit 31 comes back in at bit 0
  return static_cast<uint16_t>((r + (r << 16 | r >> 16)) >> 16);
}

// Byte order, the arithmetic behind the helpers below. Modulo 0xffff,
// multiplying by 256 rotates a 16-bit value by one byte (256 * 256 = 65536 = 1),
// so a byte swap of a sum is the sum times 256, and a network-order value
// becomes a native-order (little-endian) one by `<< 8`. Sums are therefore
// kept native and unfolded, and folded and swapped once at the end, if at
// all: a check for 0xffff does not need the swap.
inline uint16_t swap16(uint16_t v) noexcept { return static_cast<uint16_t>(v << 8 | v >> 8); }

namespace detail {

// kTailMask + r: 32 bytes whose last r are 0xff (r = 0..32); kTailMask + 16
// + r: 16 bytes whose last r are (r = 0..16).
alignas(64) inline constexpr uint8_t kTailMask[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#if defined(SIPSTEER_CHECKSUM_AVX2)
// vpshufb controls: [0] keeps each 16-bit lane, [1] swaps its two bytes.
alignas(64) inline constexpr uint8_t kLaneSwap[2][32] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14}};
// 0x8000 and 1 per 16-bit word, the constants of the pair sums below.
alignas(32) inline constexpr uint16_t kPairConstants[2][16] = {
    {0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000,
     0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000},
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};

struct Avx2PairConstants {
  __m256i bias;  // 0x8000 per word
  __m256i ones;  // 1 per word
};
// The biased pair sums of one 32-byte block (see sumWordsAvx2).
__attribute__((target("avx2,tune=haswell"), always_inline)) inline __m256i pairSumsAvx2(
    __m256i block, const Avx2PairConstants& c) noexcept {
  return _mm256_madd_epi16(_mm256_xor_si256(block, c.bias), c.ones);
}
__attribute__((target("avx2,tune=haswell"), always_inline)) inline __m256i pairSumsAvx2(
    const uint8_t* p, const Avx2PairConstants& c) noexcept {
  return pairSumsAvx2(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), c);
}

// The whole native-order word sum of [p, p + n), n >= 32, unfolded, plus
// `initial` (the caller then keeps nothing live across the call). Every
// 32 bytes cost three instructions: each 16-bit word is biased into a
// signed one (xor 0x8000 = w - 32768) so that vpmaddwd with ones adds word
// pairs into 32-bit lanes; the bias comes back once at the end.
//
// The last n % 32 bytes are not a scalar loop (it cost as much as the vector
// loop on a 500-byte datagram): one load of the 32 bytes that end at p + n
// (inside the buffer since n >= 32), the bytes already summed masked off.
// That vector starts at an odd distance from p when n is odd, so its lanes
// pair the bytes the other way round; swapping the bytes of each lane gives
// every byte its weight again (a byte's weight, 1 or 256, depends only on
// the parity of its offset, not on which byte it is paired with), and the
// odd last byte lands as the RFC 1071 zero-padded high byte.
//
// Bounds: the biased total is at most 32768 per word in magnitude, so the
// 32-bit horizontal sum is exact up to 2^31 / 32768 * 2 = 128 KiB; callers
// sum IP packets (<= 64 KiB).
__attribute__((target("avx2,tune=haswell"))) inline uint64_t sumWordsAvx2(const uint8_t* p, size_t n,
                                                                          uint64_t initial) noexcept {
  // Loaded through a pointer the compiler cannot see into: as constants,
  // GCC rebuilds them from immediates (three instructions each) before use.
  const uint16_t(*constants)[16] = kPairConstants;
  __asm__("" : "+r"(constants));
  const Avx2PairConstants c{_mm256_load_si256(reinterpret_cast<const __m256i*>(constants[0])),
                            _mm256_load_si256(reinterpret_cast<const __m256i*>(constants[1]))};
  const uint8_t* const end = p + n;
  __m256i acc = _mm256_setzero_si256();
  // 128 bytes per turn: the loop's own count, branch and pointer step cost
  // as much as a block.
  for (size_t turns = n / 128; turns != 0; --turns, p += 128) {
    const __m256i ab = _mm256_add_epi32(pairSumsAvx2(p, c), pairSumsAvx2(p + 32, c));
    const __m256i cd = _mm256_add_epi32(pairSumsAvx2(p + 64, c), pairSumsAvx2(p + 96, c));
    acc = _mm256_add_epi32(acc, _mm256_add_epi32(ab, cd));
  }
  if ((n & 64) != 0) {
    acc = _mm256_add_epi32(acc, _mm256_add_epi32(pairSumsAvx2(p, c), pairSumsAvx2(p + 32, c)));
    p += 64;
  }
  if ((n & 32) != 0) acc = _mm256_add_epi32(acc, pairSumsAvx2(p, c));
  // The last n % 32 bytes (0 included: an all-zero block adds 16 words of
  // -32768, which the word count below gives back).
  const __m256i last = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(end - 32));
  const __m256i keep = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + (n & 31)));
  const __m256i order = _mm256_load_si256(reinterpret_cast<const __m256i*>(kLaneSwap[n & 1]));
  acc = _mm256_add_epi32(acc, pairSumsAvx2(_mm256_shuffle_epi8(_mm256_and_si256(last, keep), order), c));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  const int64_t biased = _mm_cvtsi128_si32(s);
  const uint64_t blocks = n / 32 + 1;  // 16 words each
  return static_cast<uint64_t>(biased + static_cast<int64_t>(blocks << 19)) + initial;
}

#define SIPSTEER_AVX512_TARGET "avx512f,avx512bw,avx512vl,avx512dq"
struct Avx512PairConstants {
  __m512i bias;  // 0x8000 per word
  __m512i ones;  // 1 per word
};
// The biased pair sums of one 64-byte block (see sumWordsAvx2).
__attribute__((target(SIPSTEER_AVX512_TARGET), always_inline)) inline __m512i pairSumsAvx512(
    __m512i block, const Avx512PairConstants& c) noexcept {
  return _mm512_madd_epi16(_mm512_xor_si512(block, c.bias), c.ones);
}
__attribute__((target(SIPSTEER_AVX512_TARGET), always_inline)) inline __m512i pairSumsAvx512(
    const uint8_t* p, const Avx512PairConstants& c) noexcept {
  return pairSumsAvx512(_mm512_loadu_si512(p), c);
}

// The whole native-order word sum of [p, p + n), any n (0 included),
// unfolded, plus `initial`: sumWordsAvx2 with 64-byte vectors (three
// instructions per 64 bytes: xor with the bias folds the load, vpmaddwd,
// vpaddd) and a masked load for the last n % 64 bytes. The masked load
// reads exactly the bytes left (masked-off bytes neither fault nor count:
// they load as zero), so there is no need for sumWordsAvx2's load that ends
// at p + n nor for its lane swap: the tail starts at an even distance from
// p, pairs its bytes the same way as the blocks before it, and an odd last
// byte loads as the low byte of a word whose high byte is zero, which is
// the RFC 1071 zero-padded word natively. Correct for any n (below 64
// bytes the tail is all there is), though nativeSumWith sends sums below 32
// bytes to the baseline loop.
//
// Bounds as sumWordsAvx2: the biased total is at most 32768 per word in
// magnitude (the zero-filled rest of the tail included), exact in the
// 32-bit horizontal sum below 128 KiB; callers sum IP packets (<= 64 KiB).
__attribute__((target(SIPSTEER_AVX512_TARGET))) inline uint64_t sumWordsAvx512(
    const uint8_t* p, size_t n, uint64_t initial) noexcept {
  // sumWordsAvx2's constants, each broadcast from memory in one
  // instruction, through a pointer the compiler cannot see into (as
  // constants, GCC rebuilds them from immediates before every use). The
  // zero-masking form keeps all lanes: see the horizontal sum below.
  const uint16_t(*constants)[16] = kPairConstants;
  __asm__("" : "+r"(constants));
  const Avx512PairConstants c{
      _mm512_maskz_broadcast_i64x4(0xff, _mm256_load_si256(reinterpret_cast<const __m256i*>(constants[0]))),
      _mm512_maskz_broadcast_i64x4(0xff, _mm256_load_si256(reinterpret_cast<const __m256i*>(constants[1])))};
  __m512i acc = _mm512_setzero_si512();
  // 256 bytes per turn, in two independent chains: the loop's own count,
  // branch and pointer step are then a small share.
  for (size_t turns = n / 256; turns != 0; --turns, p += 256) {
    const __m512i ab = _mm512_add_epi32(pairSumsAvx512(p, c), pairSumsAvx512(p + 64, c));
    const __m512i cd = _mm512_add_epi32(pairSumsAvx512(p + 128, c), pairSumsAvx512(p + 192, c));
    acc = _mm512_add_epi32(acc, _mm512_add_epi32(ab, cd));
  }
  if ((n & 128) != 0) {
    acc = _mm512_add_epi32(acc, _mm512_add_epi32(pairSumsAvx512(p, c), pairSumsAvx512(p + 64, c)));
    p += 128;
  }
  if ((n & 64) != 0) {
    acc = _mm512_add_epi32(acc, pairSumsAvx512(p, c));
    p += 64;
  }
  // The last n % 64 bytes, always (0 included: an all-zero block adds 32
  // words of -32768, which the word count below gives back).
  const __mmask64 rest = _cvtu64_mask64((uint64_t{1} << (n & 63)) - 1);
  acc = _mm512_add_epi32(acc, pairSumsAvx512(_mm512_maskz_loadu_epi8(rest, p), c));
  // The horizontal sum. The zero-masking forms with every lane kept are
  // the plain instructions; the unmasked intrinsics (and the 512-to-256
  // extracts) pass an undefined vector that GCC 12 warns about
  // (-Wuninitialized).
  acc = _mm512_add_epi32(acc, _mm512_maskz_shuffle_i64x2(0xff, acc, acc, 0x4e));  // 256-bit halves
  acc = _mm512_add_epi32(acc, _mm512_maskz_shuffle_i64x2(0xff, acc, acc, 0xb1));  // 128-bit quarters
  acc = _mm512_add_epi32(acc, _mm512_maskz_shuffle_epi32(0xffff, acc, _MM_PERM_BADC));
  acc = _mm512_add_epi32(acc, _mm512_maskz_shuffle_epi32(0xffff, acc, _MM_PERM_CDAB));
  const int64_t biased = _mm512_cvtsi512_si32(acc);
  const uint64_t blocks = n / 64 + 1;  // 32 words each
  return static_cast<uint64_t>(biased + static_cast<int64_t>(blocks << 20)) + initial;
}
#undef SIPSTEER_AVX512_TARGET

inline bool cpuHasAvx2() noexcept {
  __builtin_cpu_init();  // may run from a static initializer, before main
  return __builtin_cpu_supports("avx2");
}
// libgcc and compiler-rt report AVX-512 only where the OS saves the ZMM and
// mask registers (XCR0), so the four are enough to run sumWordsAvx512. It
// is used only from Ice Lake on (AVX512_VBMI2 is new there; Zen 4 has it
// too): on Skylake-SP and Cascade Lake any 512-bit instruction, however
// sparse, moves the core to a lower clock license for a while (more so for
// multiplies such as vpmaddwd), which would slow all the scalar work of
// every packet by more than the ~30 instructions the sum saves; Ice Lake
// mostly dropped that (travisdowns.github.io/blog/2020/08/19/icl-avx512-freq.html).
// Those CPUs keep the AVX2 loop. Not measured here: this VM is a Sapphire
// Rapids.
inline bool cpuHasAvx512() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vbmi2");
}
// Checked once per process: DPDK's Debian build targets corei7 (SSE4.2), and
// the appliance's binary must run on any x86-64 edge box.
inline const bool kCpuHasAvx2 = cpuHasAvx2();
inline const bool kCpuHasAvx512 = cpuHasAvx512();
#else
inline constexpr bool kCpuHasAvx2 = false;
inline constexpr bool kCpuHasAvx512 = false;
#endif

// Native-order word sum of [p, p + n), unfolded, without AVX2.
inline uint64_t sumWordsBaseline(const uint8_t* p, size_t n) noexcept {
  uint64_t sum = 0;
#if defined(__SSE2__)
  // As sumWordsAvx2, 16 bytes a vector: words biased by xor 0x8000,
  // pmaddwd with ones into 32-bit lanes (the biased total stays below 2^31
  // up to 128 KiB), the bias given back once, and the last n % 16 bytes one
  // masked load of the 16 bytes ending at p + n. Without pshufb (SSSE3) the
  // lanes of an odd n are not swapped: that vector's sum is kept apart and
  // multiplied by 256 instead, which is the same thing modulo 0xffff.
  // Below 32 bytes (an IPv4 header) the scalar steps are fewer instructions.
  if (n >= 32) {
    const __m128i bias = _mm_set1_epi16(static_cast<short>(0x8000));
    const __m128i ones = _mm_set1_epi16(1);
    const uint8_t* const end = p + n;
    const size_t whole = n;
    __m128i acc = _mm_setzero_si128();
    for (; n >= 32; p += 32, n -= 32) {
      const __m128i a = _mm_madd_epi16(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), bias), ones);
      const __m128i b =
          _mm_madd_epi16(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), bias), ones);
      acc = _mm_add_epi32(acc, _mm_add_epi32(a, b));
    }
    if (n >= 16) {
      acc = _mm_add_epi32(
          acc, _mm_madd_epi16(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), bias), ones));
      n -= 16;
    }
    const __m128i last = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(end - 16)),
                                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(kTailMask + 16 + n)));
    __m128i tail = _mm_madd_epi16(_mm_xor_si128(last, bias), ones);
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
    tail = _mm_add_epi32(tail, _mm_shuffle_epi32(tail, 0x4e));
    tail = _mm_add_epi32(tail, _mm_shuffle_epi32(tail, 0xb1));
    const int64_t body = _mm_cvtsi128_si32(acc) + static_cast<int64_t>((whole / 16) << 18);  // 8 words a vector
    const uint64_t rest = static_cast<uint64_t>(_mm_cvtsi128_si32(tail) + (int64_t{1} << 18));
    return static_cast<uint64_t>(body) + (rest << ((whole & 1) * 8));
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
  sum = s0 + s1 + s2 + s3;  // four sums below 2^59 each
#endif
  while (n >= 8) {
    uint64_t a;
    std::memcpy(&a, p, 8);
    sum += (a & 0xffffffffu) + (a >> 32);
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
  return sum;
}

}  // namespace detail

// The bulk loops a sum can take. Each is selectable (tests, benchmarks)
// where the CPU has it: sumPathAvailable.
enum class SumPath : uint8_t { kBaseline, kAvx2, kAvx512 };

inline bool sumPathAvailable(SumPath path) noexcept {
  switch (path) {
    case SumPath::kBaseline:
      return true;
    case SumPath::kAvx2:
      return detail::kCpuHasAvx2;
    case SumPath::kAvx512:
      return detail::kCpuHasAvx512;
  }
  return false;
}

namespace detail {
inline SumPath bestSumPath() noexcept {
  if (kCpuHasAvx512) return SumPath::kAvx512;
  return kCpuHasAvx2 ? SumPath::kAvx2 : SumPath::kBaseline;
}
// The widest loop this CPU runs, chosen once per process. Valgrind 3.19
// cannot execute AVX-512 and hides it from CPUID, so under callgrind this
// is the AVX2 loop.
inline const SumPath kBestSumPath = bestSumPath();
}  // namespace detail

// Native-order (little-endian host: x86-64, arm64 as configured by DPDK)
// word sum of `n` bytes, unfolded, through `path` (only one that
// sumPathAvailable says this CPU has).
inline uint64_t nativeSumWith(SumPath path, const uint8_t* p, size_t n, uint64_t initial = 0) noexcept {
#if defined(SIPSTEER_CHECKSUM_AVX2)
  // Below 32 bytes the baseline's scalar steps are quicker than either
  // vector loop's fixed cost (the horizontal sum): 3.1 against 4.7 ns for
  // 20 bytes with AVX-512 (bench_dataplane_parse_checksum).
  // Nested so that the length is tested once (GCC otherwise keeps the
  // comparison in a flag register and tests it for each loop).
  if (n >= 32) {
    if (path == SumPath::kAvx512) return detail::sumWordsAvx512(p, n, initial);
    if (path == SumPath::kAvx2) return detail::sumWordsAvx2(p, n, initial);
  }
#else
  (void)path;
#endif
  return detail::sumWordsBaseline(p, n) + initial;
}
inline uint64_t nativeSum(const uint8_t* p, size_t n, uint64_t initial = 0) noexcept {
  return nativeSumWith(detail::kBestSumPath, p, n, initial);
}

// One's-complement sum of `n` bytes, folded, in network-order semantics
// (RFC 1071 section 2(B): the sum is byte-order independent, so native
// words are summed and the result swapped once). `initial_be` joins the sum
// natively as initial_be * 256 (see above).
inline uint16_t checksumSumWith(SumPath path, const uint8_t* p, size_t n, uint32_t initial_be = 0) noexcept {
  return swap16(foldSum(nativeSumWith(path, p, n, uint64_t{initial_be} << 8)));
}

inline uint16_t checksumSum(const uint8_t* p, size_t n, uint32_t initial_be = 0) noexcept {
  return checksumSumWith(detail::kBestSumPath, p, n, initial_be);
}

// True when `n` bytes plus `initial_native` (a nativeSum-style value) sum to
// all ones, i.e. the checksum they carry is right. No swap: 0xffff is its
// own byte swap.
inline bool checksumValid(const uint8_t* p, size_t n, uint64_t initial_native = 0) noexcept {
  return foldSum(nativeSum(p, n, initial_native)) == 0xffff;
}

// The IPv4 header (ihl: 20..60, a multiple of 4) sums to all ones. Five
// 32-bit loads for the usual 20 bytes instead of the general loops.
inline bool ipv4HeaderChecksumValid(const uint8_t* ip, size_t ihl) noexcept {
  uint64_t sum = 0;
  for (size_t i = 0; i < 20; i += 4) {
    uint32_t w;
    std::memcpy(&w, ip + i, 4);
    sum += w;
  }
  for (size_t i = 20; i < ihl; i += 4) {
    uint32_t w;
    std::memcpy(&w, ip + i, 4);
    sum += w;
  }
  return foldSum(sum) == 0xffff;
}

// The UDP/ICMPv6 pseudo-header (addresses of `addr_len` bytes each, 4 or 16)
// as a native-order unfolded sum, for nativeSum/checksumValid.
inline uint64_t pseudoHeaderNativeSum(const uint8_t* src, const uint8_t* dst, size_t addr_len, uint8_t protocol,
                                      uint32_t length) noexcept {
  uint64_t native = 0;
  for (size_t i = 0; i < addr_len; i += 4) {
    uint32_t a, b;
    std::memcpy(&a, src + i, 4);
    std::memcpy(&b, dst + i, 4);
    native += uint64_t{a} + b;
  }
  // The protocol (a zero-padded word) and the length (one or two words)
  // are network-order values: times 256 makes them native.
  return native + ((uint64_t{protocol} + length) << 8);
}

// The same folded, in network-order semantics (for checksumSum's initial_be).
inline uint32_t pseudoHeaderSum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                                uint8_t protocol, uint32_t length) noexcept {
  return swap16(foldSum(pseudoHeaderNativeSum(src, dst, addr_len, protocol, length)));
}

// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), in two halves so that the sums
// of several changes can be added before one application. replacementSum:
// the "~m + m'" of `n` (even) bytes changing from `before` to `after`. (NAT
// adds sums the table precomputed instead: addressSum in rewrite.h, applied
// with applySmallReplacement.)
inline uint64_t replacementSum(const uint8_t* before, const uint8_t* after, size_t n) noexcept {
  uint64_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint16_t>(~load16be(before + i)) + load16be(after + i);
  return sum;
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

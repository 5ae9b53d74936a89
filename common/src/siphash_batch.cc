// siphash24Batch: eight SipHash-2-4 states per AVX-512 vector (contract and
// why in sipsteer/core/siphash_batch.h).
#include <sipsteer/core/siphash.h>
#include <sipsteer/core/siphash_batch.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12's AVX-512 intrinsics start unmasked results from
// _mm512_undefined_*(), which it then warns about at every use (GCC bug
// 105593, fixed in 13): silenced for the header's own lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop
#define SIPSTEER_SIPHASH_AVX512 1
#endif

namespace sipsteer::core {
namespace {

void batchScalar(const uint8_t key[16], const uint8_t* const* data, const uint32_t* len,
                 uint32_t count, uint64_t* out) noexcept {
  for (uint32_t i = 0; i < count; ++i) out[i] = siphash24(key, data[i], len[i]);
}

#if defined(SIPSTEER_SIPHASH_AVX512)
#define SIPSTEER_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

// The last block of an input shorter than 8 bytes: its bytes little-endian,
// the length in the top byte (as siphash24()). Byte by byte, so nothing
// outside the input is read. Rare, so kept out of line (GCC would otherwise
// unroll and vectorise this loop inside the vector kernel).
[[gnu::noinline, gnu::cold]] uint64_t shortLastBlock(const uint8_t* p, uint32_t n) noexcept {
  uint64_t b = static_cast<uint64_t>(n) << 56;
  for (uint32_t i = 0; i < n; ++i) b |= static_cast<uint64_t>(p[i]) << (8 * i);
  return b;
}

// The state of eight hashes, one per lane.
struct Lanes {
  __m512i v0, v1, v2, v3;

  // One SipRound in every lane.
  SIPSTEER_AVX512_TARGET inline void round() noexcept {
    v0 = _mm512_add_epi64(v0, v1);
    v1 = _mm512_rol_epi64(v1, 13);
    v1 = _mm512_xor_si512(v1, v0);
    v0 = _mm512_rol_epi64(v0, 32);
    v2 = _mm512_add_epi64(v2, v3);
    v3 = _mm512_rol_epi64(v3, 16);
    v3 = _mm512_xor_si512(v3, v2);
    v0 = _mm512_add_epi64(v0, v3);
    v3 = _mm512_rol_epi64(v3, 21);
    v3 = _mm512_xor_si512(v3, v0);
    v2 = _mm512_add_epi64(v2, v1);
    v1 = _mm512_rol_epi64(v1, 17);
    v1 = _mm512_xor_si512(v1, v2);
    v2 = _mm512_rol_epi64(v2, 32);
  }
  // Takes the lanes of `k` from `from`.
  SIPSTEER_AVX512_TARGET inline void take(__mmask8 k, const Lanes& from) noexcept {
    v0 = _mm512_mask_mov_epi64(v0, k, from.v0);
    v1 = _mm512_mask_mov_epi64(v1, k, from.v1);
    v2 = _mm512_mask_mov_epi64(v2, k, from.v2);
    v3 = _mm512_mask_mov_epi64(v3, k, from.v3);
  }
};

// Up to eight inputs (`live` has bit i for input i) in the lanes of one
// vector. Step t absorbs each lane's block t: its t-th full 8-byte word
// (gathered) while it has one, then its last block. The steps run to the
// longest input's, so a batch costs about as much as hashing its longest
// input once; a lane's state is set aside at its last block (the rounds run
// unmasked: merge-masked rounds made GCC copy registers around every
// instruction, ~60 instead of 47 per step). The fast path's Call-IDs are
// bounded by the scanner's line limit (ScanOptions::max_line_length, 4096),
// so a vector takes at most 513 steps, as one scalar hash of that length.
SIPSTEER_AVX512_TARGET void hashEight(const __m512i init[4], const uint8_t* const* data,
                                      const uint32_t* len, __mmask8 live, uint64_t* out) noexcept {
  const __m512i ptr = _mm512_maskz_loadu_epi64(live, data);
  const __m512i length = _mm512_cvtepu32_epi64(_mm256_maskz_loadu_epi32(live, len));
  const __m512i full_blocks = _mm512_srli_epi64(length, 3);

  // Last blocks: the 8 bytes ending at the input's end, shifted right so
  // only the len % 8 tail bytes remain (vpsrlvq by 64 gives 0: no tail),
  // and the length's low byte on top.
  const __mmask8 long_lanes = _mm512_mask_cmpge_epu64_mask(live, length, _mm512_set1_epi64(8));
  const __m512i end8 = _mm512_sub_epi64(_mm512_add_epi64(ptr, length), _mm512_set1_epi64(8));
  __m512i last = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), long_lanes, end8, nullptr, 1);
  const __m512i tail_bits = _mm512_slli_epi64(_mm512_and_si512(length, _mm512_set1_epi64(7)), 3);
  last = _mm512_srlv_epi64(last, _mm512_sub_epi64(_mm512_set1_epi64(64), tail_bits));
  last = _mm512_or_si512(last, _mm512_slli_epi64(length, 56));
  const __mmask8 short_lanes = live & static_cast<__mmask8>(~long_lanes);
  if (short_lanes != 0) {
    // Rare (Call-IDs are rarely under 8 bytes): patch those lanes by hand.
    alignas(64) uint64_t blocks[8];
    _mm512_store_si512(blocks, last);
    for (unsigned i = 0; i < 8; ++i)
      if (short_lanes & (1u << i)) blocks[i] = shortLastBlock(data[i], len[i]);
    last = _mm512_load_si512(blocks);
  }

  Lanes s{init[0], init[1], init[2], init[3]};
  Lanes done = s;  // each lane's state after its last block
  // Only live lanes count: the others have length 0 (maskz loads above).
  const uint64_t steps = _mm512_reduce_max_epu64(full_blocks) + 1;
  __m512i word = ptr;
  const __m512i eight = _mm512_set1_epi64(8);
  for (uint64_t t = 0; t < steps; ++t) {
    const __m512i step = _mm512_set1_epi64(static_cast<long long>(t));
    const __mmask8 full = _mm512_mask_cmpgt_epu64_mask(live, full_blocks, step);
    const __mmask8 ends = _mm512_mask_cmpeq_epu64_mask(live, full_blocks, step);
    // A lane with a full block t reads it; the others see their last block
    // (used by the lanes whose last block is block t, ignored by the lanes
    // already done).
    const __m512i m = _mm512_mask_i64gather_epi64(last, full, word, nullptr, 1);
    s.v3 = _mm512_xor_si512(s.v3, m);
    s.round();
    s.round();
    s.v0 = _mm512_xor_si512(s.v0, m);
    done.take(ends, s);
    word = _mm512_add_epi64(word, eight);
  }

  done.v2 = _mm512_xor_si512(done.v2, _mm512_set1_epi64(0xff));
  done.round();
  done.round();
  done.round();
  done.round();
  // v0 ^ v1 ^ v2 in one vpternlogq (0x96: three-way xor), then ^ v3.
  const __m512i h =
      _mm512_xor_si512(_mm512_ternarylogic_epi64(done.v0, done.v1, done.v2, 0x96), done.v3);
  _mm512_mask_storeu_epi64(out, live, h);
}

SIPSTEER_AVX512_TARGET void batchAvx512(const uint8_t key[16], const uint8_t* const* data,
                                        const uint32_t* len, uint32_t count,
                                        uint64_t* out) noexcept {
  using siphash_detail::load64le;
  const uint64_t k0 = load64le(key);
  const uint64_t k1 = load64le(key + 8);
  const __m512i init[4] = {
      _mm512_set1_epi64(static_cast<long long>(k0 ^ 0x736f6d6570736575ull)),
      _mm512_set1_epi64(static_cast<long long>(k1 ^ 0x646f72616e646f6dull)),
      _mm512_set1_epi64(static_cast<long long>(k0 ^ 0x6c7967656e657261ull)),
      _mm512_set1_epi64(static_cast<long long>(k1 ^ 0x7465646279746573ull)),
  };
  uint32_t i = 0;
  for (; i + 8 <= count; i += 8) hashEight(init, data + i, len + i, 0xff, out + i);
  if (i < count)
    hashEight(init, data + i, len + i, static_cast<__mmask8>((1u << (count - i)) - 1), out + i);
}

bool cpuHasAvx512() noexcept {
  __builtin_cpu_init();  // may run from a static initializer, before main
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
// Checked once per process (as the scanner's AVX2 check in
// sip_steering_scan.cc). A caller in another translation unit's static
// initializer that runs before this one sees false: the scalar path, same
// results.
const bool kUseAvx512 = cpuHasAvx512();
#endif

}  // namespace

void siphash24Batch(const uint8_t key[16], const uint8_t* const* data, const uint32_t* len,
                    uint32_t count, uint64_t* out) noexcept {
#if defined(SIPSTEER_SIPHASH_AVX512)
  if (kUseAvx512) return batchAvx512(key, data, len, count, out);
#endif
  batchScalar(key, data, len, count, out);
}

bool siphash24BatchIsVector() noexcept {
#if defined(SIPSTEER_SIPHASH_AVX512)
  return kUseAvx512;
#else
  return false;
#endif
}

namespace detail {

bool siphash24BatchPathAvailable(BatchPath path) noexcept {
  switch (path) {
    case BatchPath::kAuto:
    case BatchPath::kScalar:
      return true;
    case BatchPath::kAvx512:
      return siphash24BatchIsVector();
  }
  return false;
}

void siphash24BatchWith(BatchPath path, const uint8_t key[16], const uint8_t* const* data,
                        const uint32_t* len, uint32_t count, uint64_t* out) noexcept {
  switch (path) {
    case BatchPath::kScalar:
      return batchScalar(key, data, len, count, out);
#if defined(SIPSTEER_SIPHASH_AVX512)
    case BatchPath::kAvx512:
      if (kUseAvx512) return batchAvx512(key, data, len, count, out);
      break;
#endif
    default:
      break;
  }
  siphash24Batch(key, data, len, count, out);
}

}  // namespace detail

}  // namespace sipsteer::core

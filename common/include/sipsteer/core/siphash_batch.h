// SipHash-2-4 of many inputs at once: the same function as siphash24()
// (sipsteer/core/siphash.h) and libsodium's crypto_shorthash, bit for bit,
// for a whole burst of Call-IDs.
//
// Why: SipHash is a chain of dependent 64-bit adds, rotates and xors, so one
// hash keeps one ALU busy at a time; it was ~219 of ~1533 instructions per
// packet in the DPDK fast path. With AVX-512 eight hashes run side by side,
// one per 64-bit lane of a zmm register, for the same instruction count as
// one: each lane absorbs its own blocks (a gather of the lanes' t-th words),
// lanes that have no block t left sit out the step under a mask, and all
// lanes are finalised together. Without AVX-512 (checked once per process at
// run time: the binaries target a baseline x86-64) each input is hashed in
// turn with siphash24().
//
// Memory contract: only the bytes of each input are read, data[i][0, len[i]).
// The last block of an input of 8 bytes or more is one 8-byte load ending at
// its last byte (shifted down to the tail bytes), so it stays inside the
// input; a shorter input's tail is read byte by byte. No alignment is needed;
// inputs may overlap. out[i] may not alias data or len.
#pragma once

#include <cstdint>

namespace sipsteer::core {

// out[i] = siphash24(key, data[i], len[i]) for i in [0, count).
void siphash24Batch(const uint8_t key[16], const uint8_t* const* data, const uint32_t* len,
                    uint32_t count, uint64_t* out) noexcept;

// True when siphash24Batch() runs on the vector path (this CPU has
// AVX-512F/BW/VL/DQ). The fast path hashes per packet, inline, when it is
// false: a separate scalar loop would lose the overlap of each hash with its
// neighbours' independent work.
bool siphash24BatchIsVector() noexcept;

namespace detail {

enum class BatchPath : uint8_t { kAuto, kScalar, kAvx512 };

// Whether `path` can run on this CPU (kAuto and kScalar always can).
bool siphash24BatchPathAvailable(BatchPath path) noexcept;

// siphash24Batch() on a chosen path, for tests and benchmarks; an
// unavailable path falls back to kAuto.
void siphash24BatchWith(BatchPath path, const uint8_t key[16], const uint8_t* const* data,
                        const uint32_t* len, uint32_t count, uint64_t* out) noexcept;

}  // namespace detail

}  // namespace sipsteer::core

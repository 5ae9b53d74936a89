/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 for BPF, bit-identical to libsodium's crypto_shorthash (and so
 * to core::hashCallId): 64-bit result, little-endian key and message words.
 * The message lives in a scratch buffer (a per-CPU map value) of
 * SIPSTEER_SCRATCH_SIZE bytes; every index is masked with the buffer size so
 * the verifier sees each load inside the value without tracking the loop.
 */
#ifndef SIPSTEER_BPF_LIB_SIPHASH_H
#define SIPSTEER_BPF_LIB_SIPHASH_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Scratch buffer size: a power of two so `& SIPSTEER_SCRATCH_MASK` bounds an
 * index. It also bounds how much SIP payload the steering program scans. */
#define SIPSTEER_SCRATCH_SIZE 2048u
#define SIPSTEER_SCRATCH_MASK (SIPSTEER_SCRATCH_SIZE - 1)
/* Longest message the hash loop covers (Call-IDs longer than this take the
 * fallback path of the caller). Multiple of 8. */
#define SIPSTEER_SIPHASH_MAX_LEN 256u

struct sipsteer_scratch {
	__u8 bytes[SIPSTEER_SCRATCH_SIZE];
};

#define SIPSTEER_ROTL(x, b) (__u64)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPSTEER_SIPROUND(v0, v1, v2, v3) \
	do {                                  \
		v0 += v1;                         \
		v1 = SIPSTEER_ROTL(v1, 13);       \
		v1 ^= v0;                         \
		v0 = SIPSTEER_ROTL(v0, 32);       \
		v2 += v3;                         \
		v3 = SIPSTEER_ROTL(v3, 16);       \
		v3 ^= v2;                         \
		v0 += v3;                         \
		v3 = SIPSTEER_ROTL(v3, 21);       \
		v3 ^= v0;                         \
		v2 += v1;                         \
		v1 = SIPSTEER_ROTL(v1, 17);       \
		v1 ^= v2;                         \
		v2 = SIPSTEER_ROTL(v2, 32);       \
	} while (0)

static __always_inline __u64 sipsteer_le64(const __u8 *p)
{
	return (__u64)p[0] | (__u64)p[1] << 8 | (__u64)p[2] << 16 | (__u64)p[3] << 24 |
	       (__u64)p[4] << 32 | (__u64)p[5] << 40 | (__u64)p[6] << 48 | (__u64)p[7] << 56;
}

/* Little-endian word of 8 message bytes starting at `at` (masked). */
static __always_inline __u64 sipsteer_scratch_le64(const struct sipsteer_scratch *s, __u32 at)
{
	__u64 w = 0;
#pragma unroll
	for (int i = 7; i >= 0; i--)
		w = (w << 8) | s->bytes[(at + i) & SIPSTEER_SCRATCH_MASK];
	return w;
}

/*
 * SipHash-2-4 of s->bytes[start, start + len) under the 16-byte `key`.
 * Precondition: len <= SIPSTEER_SIPHASH_MAX_LEN (larger lengths are cut,
 * which the caller must prevent, as the result would differ from libsodium).
 */
static __always_inline __u64 sipsteer_siphash(const __u8 key[16], const struct sipsteer_scratch *s,
					      __u32 start, __u32 len)
{
	__u64 k0 = sipsteer_le64(key);
	__u64 k1 = sipsteer_le64(key + 8);
	__u64 v0 = 0x736f6d6570736575ULL ^ k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ k0;
	__u64 v3 = 0x7465646279746573ULL ^ k1;

	if (len > SIPSTEER_SIPHASH_MAX_LEN)
		len = SIPSTEER_SIPHASH_MAX_LEN;
	__u32 blocks = len / 8;
	/* Bounded loop: the constant bound lets the verifier prove termination;
	 * `blocks` ends it early at run time. */
	for (__u32 b = 0; b < SIPSTEER_SIPHASH_MAX_LEN / 8; b++) {
		if (b >= blocks)
			break;
		__u64 m = sipsteer_scratch_le64(s, start + b * 8);
		v3 ^= m;
		SIPSTEER_SIPROUND(v0, v1, v2, v3);
		SIPSTEER_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	__u64 last = (__u64)(len & 0xff) << 56;
	__u32 tail = start + blocks * 8;
#pragma unroll
	for (__u32 i = 0; i < 7; i++) {
		if (i < (len & 7))
			last |= (__u64)s->bytes[(tail + i) & SIPSTEER_SCRATCH_MASK] << (8 * i);
	}
	v3 ^= last;
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	SIPSTEER_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* SIPSTEER_BPF_LIB_SIPHASH_H */

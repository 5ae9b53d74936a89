/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Incremental Internet checksum updates (RFC 1624: HC' = ~(~HC + ~m + m')).
 * All values are used as loaded from the packet (network-order words read
 * natively); one's-complement sums do not care about byte order as long as
 * every word is read the same way.
 */
#ifndef SIPSTEER_BPF_LIB_CSUM_H
#define SIPSTEER_BPF_LIB_CSUM_H

#include <linux/types.h>

static __always_inline __u16 sipsteer_csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Accumulates the change of one 16-bit word from `from` to `to`. */
static __always_inline __u64 sipsteer_csum_add16(__u64 acc, __u16 from, __u16 to)
{
	return acc + (__u16)~from + to;
}

static __always_inline __u64 sipsteer_csum_add32(__u64 acc, __u32 from, __u32 to)
{
	acc = sipsteer_csum_add16(acc, (__u16)from, (__u16)to);
	return sipsteer_csum_add16(acc, (__u16)(from >> 16), (__u16)(to >> 16));
}

/* Applies an accumulated change (started from 0) to checksum `*sum`. */
static __always_inline void sipsteer_csum_apply(__u16 *sum, __u64 delta)
{
	__u64 acc = (__u16)~*sum;
	*sum = ~sipsteer_csum_fold(acc + delta);
}

/* UDP over IPv4: a zero checksum means "none" and stays zero; a computed
 * zero is sent as 0xffff (RFC 768). */
static __always_inline void sipsteer_csum_apply_udp4(__u16 *sum, __u64 delta)
{
	if (*sum == 0)
		return;
	sipsteer_csum_apply(sum, delta);
	if (*sum == 0)
		*sum = 0xffff;
}

#endif /* SIPSTEER_BPF_LIB_CSUM_H */

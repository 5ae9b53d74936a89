/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sipsteer ABI: basic types and helpers shared by BPF, the DPDK dataplane and
 * the C++ control plane. Every header in this folder compiles unchanged as
 * C11, as C++20 and as BPF C (clang -target bpf).
 *
 * Rules for every struct in this folder (see docs/abi.md):
 *  - fixed-width types only, explicit padding, no bitfields, no bool or
 *    enum-typed fields (enums are documented and stored as __u8/__u16);
 *  - byte order and unit in a trailing comment on every field;
 *  - a size assertion next to the struct; a layout change bumps
 *    SIPSTEER_ABI_VERSION (and with it the pinned BPF map suffix).
 */
#ifndef SIPSTEER_ABI_COMMON_H
#define SIPSTEER_ABI_COMMON_H

#include <linux/types.h>

/* Bump on any change of layout or meaning in this folder. */
#define SIPSTEER_ABI_VERSION 1
/* Suffix of pinned BPF objects, so two ABI versions never share a map. */
#define SIPSTEER_PIN_SUFFIX "_v1"

#ifdef __cplusplus
#define SIPSTEER_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SIPSTEER_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define SIPSTEER_ASSERT_SIZE(type, size) \
	SIPSTEER_STATIC_ASSERT(sizeof(struct type) == (size), #type " has the wrong size")

/* Address families as stored in __u8 family fields. */
#define SIPSTEER_FAMILY_NONE 0
#define SIPSTEER_FAMILY_IPV4 4
#define SIPSTEER_FAMILY_IPV6 6

/*
 * An IPv4 or IPv6 address in network byte order. IPv4 uses v4 (the first four
 * bytes); the remaining twelve bytes are zero so two addresses compare with
 * four 32-bit compares whatever their family.
 */
union sipsteer_addr {
	__be32 v4;      /* network order */
	__be32 v6[4];   /* network order */
	__u8 bytes[16]; /* network order */
};
SIPSTEER_STATIC_ASSERT(sizeof(union sipsteer_addr) == 16, "sipsteer_addr size");

#endif /* SIPSTEER_ABI_COMMON_H */

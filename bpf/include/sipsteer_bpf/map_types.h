/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys and values of the BPF maps that the loader (C++) and the XDP programs
 * (BPF C) both touch. The forwarding table itself is NOT redefined here: the
 * steering program reads the table blob of abi/table.h as it is.
 * Same rules as abi/: fixed-width types, explicit padding, sizes asserted.
 */
#ifndef SIPSTEER_BPF_MAP_TYPES_H
#define SIPSTEER_BPF_MAP_TYPES_H

#include <sipsteer/abi/common.h>

/* Name of a pinned map: sipsteer_<name>_v<ABI version>. The version suffix
 * keeps two ABI versions from ever sharing a pinned map (Cilium habit). */
#define SIPSTEER_BPF_CAT3_(a, b, c) a##b##c
#define SIPSTEER_BPF_CAT3(a, b, c) SIPSTEER_BPF_CAT3_(a, b, c)
#define SIPSTEER_MAP(name) SIPSTEER_BPF_CAT3(sipsteer_##name, _v, SIPSTEER_ABI_VERSION)
#define SIPSTEER_BPF_STR_(x) #x
#define SIPSTEER_BPF_STR(x) SIPSTEER_BPF_STR_(x)
#define SIPSTEER_MAP_NAME(name) SIPSTEER_BPF_STR(SIPSTEER_MAP(name))

/* An address and UDP port: VIPs and servers as map keys. Unused address
 * bytes and pad are zero so the key hashes the same from BPF and user space. */
struct sipsteer_bpf_endpoint {
	union sipsteer_addr addr; /* network order, IPv4 in the first 4 bytes */
	__be16 port;              /* network order; 0 = any port (fragments) */
	__u8 family;              /* SIPSTEER_FAMILY_* */
	__u8 pad;                 /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_bpf_endpoint, 20);

/* Value of the front's VIP map: present = this VIP:port belongs to DPDK. */
struct sipsteer_bpf_vip_info {
	__u32 flags;    /* reserved, zero */
	__u32 reserved; /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_bpf_vip_info, 8);

/* Value of the server maps (front: ICMP reporter check and, when vip is set,
 * nat replies to DPDK; steer: un-NAT). */
struct sipsteer_bpf_server_info {
	__u32 server_id;                 /* stable server id (table.h) */
	__u32 reserved;                  /* zero */
	__u64 generation;                /* table generation that added it */
	struct sipsteer_bpf_endpoint vip; /* nat: the VIP replies come back from; dsr: zero */
	__u32 reserved2;                 /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_bpf_server_info, 40);

/* Dialog affinity of the steering program (LRU): which server a dialog went
 * to, so it stays there while that server is LIVE (up or draining), even
 * when a new table moves its ring slot. */
struct sipsteer_bpf_affinity_key {
	__u64 hash;    /* SipHash of the Call-ID (or the fallback source key) */
	__u32 pool_id; /* stable pool id (table.h sipsteer_pool.pool_id) */
	__u32 pad;     /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_bpf_affinity_key, 16);

struct sipsteer_bpf_affinity {
	__u32 server_id; /* stable server id */
	__u32 pad;       /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_bpf_affinity, 8);

/* The steering program's table map: an ARRAY_OF_MAPS with one slot whose
 * inner map is an ARRAY of one element holding the whole table blob
 * (abi/table.h) padded to the inner map's value size. */
#define SIPSTEER_BPF_TABLE_SLOT 0

#endif /* SIPSTEER_BPF_MAP_TYPES_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forwarding table: what the control plane publishes and what the DPDK
 * workers and the pure-XDP program read to steer a new dialog.
 *
 * Wire/blob form (control -> dataplane, see proto.h): one contiguous blob
 *   struct sipsteer_table_header
 *   struct sipsteer_vip    vips[vip_count]
 *   struct sipsteer_pool   pools[pool_count]
 *   struct sipsteer_server servers[server_count]
 *   __u16                  slots[slot_count]      (Maglev rings, see pool)
 * each array starting at the offset named in the header (8-byte aligned).
 * In BPF the same records live in array maps indexed the same way.
 *
 * A table is immutable once published: a change of liveness, weight or
 * membership is a new table with a larger generation. Readers switch tables
 * with one pointer swap (DPDK, RCU) or one index flip (BPF), so no packet
 * sees half a table.
 *
 * Steering of a new dialog (identical in DPDK and BPF):
 *   h    = SipHash-2-4(hash_key, Call-ID bytes)           (64 bit)
 *   vip  = vips[i] matching (family, addr, port)
 *   pool = pools[vip.pool]
 *   slot = ((h >> 32) * pool.ring_size) >> 32             (Lemire range map)
 *   srv  = slots[pool.ring_offset + slot]                 (index in servers[])
 * An existing affinity to a server whose flags lack SIPSTEER_SERVER_F_LIVE is
 * dropped and the dialog re-steered through the ring.
 */
#ifndef SIPSTEER_ABI_TABLE_H
#define SIPSTEER_ABI_TABLE_H

#include "common.h"

#define SIPSTEER_TABLE_MAGIC 0x53535442u /* "SSTB" */

/* Limits the table format can express; deployments configure lower ones. */
#define SIPSTEER_MAX_VIPS 64
#define SIPSTEER_MAX_POOLS 64
#define SIPSTEER_MAX_SERVERS 4096     /* slots hold __u16 indices */
#define SIPSTEER_SLOT_EMPTY 0xffffu   /* ring slot with no server */
#define SIPSTEER_SERVER_ID_NONE 0xffffffffu
#define SIPSTEER_DEFAULT_RING_SIZE 65537u

/* Forwarding modes (struct sipsteer_vip.mode). */
#define SIPSTEER_MODE_NAT 1 /* rewrite destination to the server, un-NAT replies */
#define SIPSTEER_MODE_DSR 2 /* rewrite MACs only; servers hold the VIP on loopback */

/* Server states as published (struct sipsteer_server.state); the control
 * plane's state machine owns them, readers only use the flags below. */
#define SIPSTEER_STATE_X(X) \
	X(UP, 0, "up")             \
	X(DOWN, 1, "down")         \
	X(DIRTY, 2, "dirty")       \
	X(DRAINING, 3, "draining") \
	X(DISABLED, 4, "disabled")

enum sipsteer_server_state {
#define SIPSTEER_X_ENUM(name, value, label) SIPSTEER_STATE_##name = value,
	SIPSTEER_STATE_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_STATE_COUNT
};

/* Server flags (struct sipsteer_server.flags), derived from state by the
 * control plane so the fast path tests one bit. */
#define SIPSTEER_SERVER_F_LIVE 0x01   /* may keep its existing dialogs */
#define SIPSTEER_SERVER_F_IN_RING 0x02 /* may take new dialogs (is in the ring) */
#define SIPSTEER_SERVER_F_MAC_SET 0x04 /* mac[] holds the next-hop MAC */

struct sipsteer_table_header {
	__u32 magic;          /* SIPSTEER_TABLE_MAGIC */
	__u16 abi_version;    /* SIPSTEER_ABI_VERSION */
	__u16 header_size;    /* bytes, sizeof(struct sipsteer_table_header) */
	__u64 generation;     /* increases with every published table */
	__u32 total_size;     /* bytes of the whole blob */
	__u32 vip_count;      /* entries in vips[] */
	__u32 pool_count;     /* entries in pools[] */
	__u32 server_count;   /* entries in servers[] */
	__u32 slot_count;     /* entries in slots[] (sum of ring sizes) */
	__u32 vips_offset;    /* bytes from the blob start, 8-aligned */
	__u32 pools_offset;   /* bytes from the blob start, 8-aligned */
	__u32 servers_offset; /* bytes from the blob start, 8-aligned */
	__u32 slots_offset;   /* bytes from the blob start, 8-aligned */
	__u32 reserved0;      /* zero */
	__u8 hash_key[16];    /* SipHash-2-4 key for Call-IDs; same on every
	                         appliance of a cluster so ECMP needs no state */
};
SIPSTEER_ASSERT_SIZE(sipsteer_table_header, 72);

struct sipsteer_vip {
	union sipsteer_addr addr; /* network order */
	__be16 port;              /* network order */
	__u8 family;              /* SIPSTEER_FAMILY_* */
	__u8 mode;                /* SIPSTEER_MODE_* */
	__u16 pool;               /* index in pools[] */
	__u16 reserved0;          /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_vip, 24);

struct sipsteer_pool {
	__u32 ring_offset;     /* index of the first slot of this pool in slots[] */
	__u32 ring_size;       /* slots in the ring (prime); 0 = no server takes new dialogs */
	__u32 server_first;    /* index of the pool's first server in servers[] */
	__u16 server_count;    /* servers of this pool, contiguous from server_first */
	__u16 active_priority; /* SRV priority of the tier the ring was built from */
	__u32 retry_after_s;   /* seconds, Retry-After of synthesised 503s */
	__u32 pool_id;         /* stable id assigned by the control plane */
};
SIPSTEER_ASSERT_SIZE(sipsteer_pool, 24);

struct sipsteer_server {
	union sipsteer_addr addr; /* network order */
	__be16 port;              /* network order */
	__u8 family;              /* SIPSTEER_FAMILY_* */
	__u8 state;               /* enum sipsteer_server_state, informational */
	__u16 pool;               /* index in pools[] */
	__u16 priority;           /* SRV priority, lower is preferred */
	__u32 weight;             /* effective weight in this table */
	__u32 server_id;          /* stable id; keys counters and events */
	__u8 mac[6];              /* next-hop MAC, valid with SIPSTEER_SERVER_F_MAC_SET */
	__u8 flags;               /* SIPSTEER_SERVER_F_* */
	__u8 reserved0;           /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_server, 40);

#endif /* SIPSTEER_ABI_TABLE_H */

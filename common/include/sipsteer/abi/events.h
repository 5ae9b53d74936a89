/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event records that the dataplane and the XDP programs report to the control
 * plane (DPDK: EVENTS messages of proto.h; BPF: a ring buffer map). One layout
 * for both, so the control plane has one decoder.
 */
#ifndef SIPSTEER_ABI_EVENTS_H
#define SIPSTEER_ABI_EVENTS_H

#include "common.h"

#define SIPSTEER_EVENT_X(X)                                                                 \
	X(ICMP_UNREACHABLE, 1, "icmp_unreachable")   /* validated ICMP error from a server */    \
	X(SERVER_LOCAL_DOWN, 2, "server_local_down") /* dataplane stopped steering to a server */ \
	X(TABLE_APPLIED, 3, "table_applied")         /* a table generation is now in use */       \
	X(ICMP_REJECTED, 4, "icmp_rejected")         /* ICMP error that matched no flow */

enum sipsteer_event_type {
#define SIPSTEER_X_ENUM(name, value, label) SIPSTEER_EVENT_##name = value,
	SIPSTEER_EVENT_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
};

/* Who produced an event (struct sipsteer_event.source). */
#define SIPSTEER_EVENT_SOURCE_DPDK 1
#define SIPSTEER_EVENT_SOURCE_XDP 2

struct sipsteer_event {
	__u16 type;                   /* enum sipsteer_event_type */
	__u8 source;                  /* SIPSTEER_EVENT_SOURCE_* */
	__u8 family;                  /* SIPSTEER_FAMILY_* of the addresses below */
	__u8 icmp_type;               /* ICMP/ICMPv6 type, 0 if not an ICMP event */
	__u8 icmp_code;               /* ICMP/ICMPv6 code */
	__u8 quoted_proto;            /* IP protocol of the quoted packet (17 = UDP) */
	__u8 reserved0;               /* zero */
	__u32 server_id;              /* stable server id, SIPSTEER_SERVER_ID_NONE if unknown */
	__u32 reserved1;              /* zero */
	__u64 timestamp_ns;           /* CLOCK_MONOTONIC nanoseconds */
	__u64 generation;             /* table generation in use when it happened */
	union sipsteer_addr reporter; /* network order: source of the ICMP error */
	union sipsteer_addr quoted_src; /* network order: source of the quoted packet */
	union sipsteer_addr quoted_dst; /* network order: destination of the quoted packet */
	__be16 quoted_sport;          /* network order */
	__be16 quoted_dport;          /* network order */
	__u32 reserved2;              /* zero */
};
SIPSTEER_ASSERT_SIZE(sipsteer_event, 88);

#endif /* SIPSTEER_ABI_EVENTS_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control-plane <-> dataplane protocol, over a Unix stream socket that
 * the dataplane listens on (default /run/sipsteer/dataplane.sock, mode 0660).
 * Every message is a header followed by `length` payload bytes. A peer that
 * sees a wrong magic or version answers ERROR and closes; it never guesses.
 *
 *   control -> dp : HELLO, TABLE (payload: table blob of table.h),
 *                   COUNTERS_REQUEST (no payload)
 *   dp -> control : HELLO (payload: current generation), TABLE_ACK,
 *                   EVENTS (payload: struct sipsteer_event[n]),
 *                   COUNTERS_REPLY (payload: counters blob below), ERROR
 */
#ifndef SIPSTEER_ABI_PROTO_H
#define SIPSTEER_ABI_PROTO_H

#include "common.h"
#include "counters.h"

#define SIPSTEER_PROTO_MAGIC 0x5353504du /* "SSPM" */
#define SIPSTEER_PROTO_VERSION 1
#define SIPSTEER_PROTO_MAX_PAYLOAD (64u << 20) /* bytes; larger is an error */

#define SIPSTEER_MSG_X(X)                      \
	X(HELLO, 1, "hello")                       \
	X(TABLE, 2, "table")                       \
	X(TABLE_ACK, 3, "table_ack")               \
	X(EVENTS, 4, "events")                     \
	X(COUNTERS_REQUEST, 5, "counters_request") \
	X(COUNTERS_REPLY, 6, "counters_reply")     \
	X(ERROR, 7, "error")

enum sipsteer_msg_type {
#define SIPSTEER_X_ENUM(name, value, label) SIPSTEER_MSG_##name = value,
	SIPSTEER_MSG_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
};

struct sipsteer_msg_header {
	__u32 magic;   /* SIPSTEER_PROTO_MAGIC, host order */
	__u16 version; /* SIPSTEER_PROTO_VERSION */
	__u16 type;    /* enum sipsteer_msg_type */
	__u32 length;  /* payload bytes following the header */
	__u32 seq;     /* sender's sequence number, echoed in replies */
};
SIPSTEER_ASSERT_SIZE(sipsteer_msg_header, 16);

struct sipsteer_msg_hello {
	__u16 abi_version;   /* SIPSTEER_ABI_VERSION of the sender */
	__u16 role;          /* 1 = control plane, 2 = dataplane */
	__u32 pid;           /* sender's process id */
	__u64 generation;    /* table generation the sender has (0 = none) */
};
SIPSTEER_ASSERT_SIZE(sipsteer_msg_hello, 16);

struct sipsteer_msg_table_ack {
	__u64 generation; /* generation that was applied or refused */
	__u32 status;     /* 0 = applied, else SIPSTEER_TABLE_ERR_* */
	__u32 apply_ns;   /* nanoseconds from receipt to pointer swap */
};
SIPSTEER_ASSERT_SIZE(sipsteer_msg_table_ack, 16);

#define SIPSTEER_TABLE_ERR_X(X)                 \
	X(OK, 0, "ok")                              \
	X(BAD_MAGIC, 1, "bad magic or abi version") \
	X(BAD_LAYOUT, 2, "offsets or counts out of bounds") \
	X(BAD_REFERENCE, 3, "index refers outside its array") \
	X(STALE, 4, "generation not newer than the current one") \
	X(NO_MEMORY, 5, "could not allocate the table")

enum sipsteer_table_err {
#define SIPSTEER_X_ENUM(name, value, label) SIPSTEER_TABLE_ERR_##name = value,
	SIPSTEER_TABLE_ERR_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
};

/*
 * Counters blob (COUNTERS_REPLY payload):
 *   struct sipsteer_counters_header
 *   __u64 drops[drop_reason_count]
 *   __u64 sip_errors[sip_error_count]
 *   struct sipsteer_port_counters   ports[port_count]
 *   struct sipsteer_vip_counters    vips[vip_count]     (index = table vip index)
 *   struct sipsteer_server_counters servers[server_count]
 *   __u64 affinity[affinity_count]                      (enum sipsteer_affinity_counter)
 * Counts are cumulative since the dataplane started; counts of a reason this
 * reader does not know are ignored (append-only lists). affinity_count was
 * reserved0 (zero) before the affinity figures existed, so a newer reader
 * takes such a blob as having none; a reader from before them wants the
 * exact size and refuses a blob that has them (sipsteerd and sipsteer-dp
 * ship together).
 */
struct sipsteer_counters_header {
	__u64 generation;          /* table generation in use */
	__u64 uptime_ns;           /* nanoseconds since the dataplane started */
	__u32 drop_reason_count;   /* SIPSTEER_DROP_REASON_COUNT of the sender */
	__u32 sip_error_count;     /* SIPSTEER_SIP_ERROR_COUNT of the sender */
	__u32 port_count;          /* entries in ports[] */
	__u32 vip_count;           /* entries in vips[] */
	__u32 server_count;        /* entries in servers[] */
	__u32 affinity_count;      /* entries in affinity[]: SIPSTEER_AFFINITY_COUNTER_COUNT of the sender */
};
SIPSTEER_ASSERT_SIZE(sipsteer_counters_header, 40);

struct sipsteer_port_counters {
	__u16 port_id;                              /* DPDK port id */
	__u16 reserved0[3];                         /* zero */
	__u64 values[SIPSTEER_PORT_COUNTER_COUNT];  /* enum sipsteer_port_counter */
};
SIPSTEER_ASSERT_SIZE(sipsteer_port_counters, 8 + 8 * SIPSTEER_PORT_COUNTER_COUNT);

struct sipsteer_vip_counters {
	__u64 values[SIPSTEER_VIP_COUNTER_COUNT];   /* enum sipsteer_vip_counter */
};
SIPSTEER_ASSERT_SIZE(sipsteer_vip_counters, 8 * SIPSTEER_VIP_COUNTER_COUNT);

struct sipsteer_server_counters {
	__u32 server_id;                             /* stable server id */
	__u32 reserved0;                             /* zero */
	__u64 values[SIPSTEER_SERVER_COUNTER_COUNT]; /* enum sipsteer_server_counter */
};
SIPSTEER_ASSERT_SIZE(sipsteer_server_counters, 8 + 8 * SIPSTEER_SERVER_COUNTER_COUNT);

#endif /* SIPSTEER_ABI_PROTO_H */

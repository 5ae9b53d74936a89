/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counter and drop-reason name lists. Each list is an X-macro, so one list
 * makes the C enum, the index of the counter array and the Prometheus label:
 *   X(NAME, "label", "help text")
 * Append only: indices are part of the ABI (per-CPU BPF arrays, the counters
 * blob of proto.h). Removing or reordering bumps SIPSTEER_ABI_VERSION.
 */
#ifndef SIPSTEER_ABI_COUNTERS_H
#define SIPSTEER_ABI_COUNTERS_H

#include "common.h"

/* Why a packet was dropped (or absorbed) by the dataplane or an XDP program.
 * Label of sipsteer_dataplane_drops_total{reason=...}. */
#define SIPSTEER_DROP_REASON_X(X)                                                          \
	X(TRUNCATED, "truncated", "frame shorter than its headers say")                       \
	X(L2_UNSUPPORTED, "l2_unsupported", "ethertype or VLAN stack not handled")             \
	X(IP_BAD_HEADER, "ip_bad_header", "IP version or header length invalid")               \
	X(IP_BAD_LENGTH, "ip_bad_length", "IP total/payload length disagrees with the frame")  \
	X(IP_BAD_CHECKSUM, "ip_bad_checksum", "IPv4 header checksum wrong")                   \
	X(IP_OPTIONS, "ip_options", "IPv4 options on SIP traffic (not forwarded)")             \
	X(IP_TTL_EXPIRED, "ip_ttl_expired", "TTL or hop limit would reach zero")               \
	X(FRAG_INCOMPLETE, "frag_incomplete", "fragment set timed out or was inconsistent")   \
	X(FRAG_NO_MEMORY, "frag_no_memory", "fragment table full")                            \
	X(UDP_BAD_LENGTH, "udp_bad_length", "UDP length disagrees with the IP payload")        \
	X(UDP_BAD_CHECKSUM, "udp_bad_checksum", "UDP checksum wrong")                         \
	X(SIP_MALFORMED, "sip_malformed", "SIP message failed the scanner")                   \
	X(SIP_TOO_LARGE, "sip_too_large", "SIP message larger than the configured limit")     \
	X(NO_TABLE, "no_table", "no forwarding table published yet")                          \
	X(NO_SERVER, "no_server", "no live server and no 503 possible (ACK, response)")        \
	X(ICMP_NO_FLOW, "icmp_no_flow", "ICMP error quoting no flow we forwarded")             \
	X(ICMP_MALFORMED, "icmp_malformed", "ICMP error whose quoted packet is unreadable")    \
	X(FLOW_TABLE_FULL, "flow_table_full", "affinity table full, dialog not pinned")        \
	X(NO_NEIGHBOUR, "no_neighbour", "next-hop MAC not resolved yet")                      \
	X(TX_FULL, "tx_full", "transmit queue full")                                          \
	X(NOT_FOR_US, "not_for_us", "not addressed to a VIP or own address")

enum sipsteer_drop_reason {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_DROP_##name,
	SIPSTEER_DROP_REASON_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_DROP_REASON_COUNT
};

/* Why the SIP scanner rejected a message. Label of
 * sipsteer_sip_malformed_total{reason=...}. OK is not an error. */
#define SIPSTEER_SIP_ERROR_X(X)                                                        \
	X(OK, "ok", "message scanned")                                                     \
	X(EMPTY, "empty", "no bytes, or only line ends")                                   \
	X(TRUNCATED, "truncated", "header section does not end inside the buffer")         \
	X(BAD_START_LINE, "bad_start_line", "request or status line not well formed")      \
	X(BAD_VERSION, "bad_version", "SIP version is not SIP/2.0")                        \
	X(BAD_STATUS_CODE, "bad_status_code", "status code not three digits 100-699")      \
	X(BAD_HEADER_LINE, "bad_header_line", "header line without name or colon")         \
	X(NO_CALL_ID, "no_call_id", "Call-ID missing or empty")                            \
	X(MULTIPLE_CALL_ID, "multiple_call_id", "more than one Call-ID header")             \
	X(BAD_CSEQ, "bad_cseq", "CSeq missing, not a number, or out of range")             \
	X(CSEQ_METHOD_MISMATCH, "cseq_method_mismatch", "request method differs from CSeq") \
	X(NO_VIA, "no_via", "request without a Via header")                                \
	X(BAD_VIA, "bad_via", "top Via not SIP/2.0/transport sent-by")                     \
	X(BAD_CONTENT_LENGTH, "bad_content_length", "Content-Length not a number or too large") \
	X(BAD_MAX_FORWARDS, "bad_max_forwards", "Max-Forwards not a number 0-255")         \
	X(TOO_MANY_HEADERS, "too_many_headers", "more header lines than the scanner allows") \
	X(LINE_TOO_LONG, "line_too_long", "a header line longer than the scanner allows")  \
	X(BAD_CHARACTER, "bad_character", "NUL or control character in the header section") \
	X(DUPLICATE_HEADER, "duplicate_header", "CSeq, From, To, Content-Length or Max-Forwards repeated") \
	X(BAD_FROM_TO, "bad_from_to", "From or To missing, or its quotes or <> unbalanced") \
	X(BAD_CALL_ID, "bad_call_id", "Call-ID not of the form word[@word]")              \
	X(BODY_TRUNCATED, "body_truncated", "Content-Length larger than the bytes received") \
	X(BAD_RETRY_AFTER, "bad_retry_after", "Retry-After not a number of seconds")       \
	X(TOO_LARGE, "too_large", "message longer than 65535 bytes")

enum sipsteer_sip_error {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_SIP_##name,
	SIPSTEER_SIP_ERROR_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_SIP_ERROR_COUNT
};

/* Counters of the XDP programs that are not drops (drops use the reasons
 * above), one per-CPU array per program: sipsteer_xdp_{label}_total
 * {program="front"|"steer"}. Index = enum sipsteer_xdp_counter. */
#define SIPSTEER_XDP_COUNTER_X(X)                                                            \
	X(PASSED, "passed", "frames handed to the kernel stack")                                 \
	X(REDIRECTED_SIP, "redirected_sip", "SIP frames for a VIP sent to the AF_XDP socket")     \
	X(REDIRECTED_FRAG, "redirected_frag", "IP fragments for a VIP sent to the AF_XDP socket") \
	X(NO_XSK, "no_xsk", "frames for DPDK with no AF_XDP socket on their queue (passed)")     \
	X(ICMP_EVENTS, "icmp_events", "ICMP unreachable events written to the ring buffer")       \
	X(EVENTS_LOST, "events_lost", "events lost because the ring buffer was full")             \
	X(STEERED_NAT, "steered_nat", "SIP frames rewritten to a server (nat) and sent")          \
	X(STEERED_DSR, "steered_dsr", "SIP frames sent to a server by MAC rewrite (dsr)")         \
	X(UNNATED, "unnated", "server replies rewritten back to the VIP (nat)")                    \
	X(CALLID_FALLBACK, "callid_fallback", "SIP frames steered by source address: no Call-ID within the scan bound")

enum sipsteer_xdp_counter {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_XDP_##name,
	SIPSTEER_XDP_COUNTER_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_XDP_COUNTER_COUNT
};

/* Per-port counters (sipsteer_dataplane_port_*_total{port=...}). */
#define SIPSTEER_PORT_COUNTER_X(X)                                     \
	X(RX_PACKETS, "rx_packets", "frames received")                     \
	X(RX_BYTES, "rx_bytes", "bytes received")                          \
	X(TX_PACKETS, "tx_packets", "frames transmitted")                  \
	X(TX_BYTES, "tx_bytes", "bytes transmitted")                       \
	X(ARP_REPLIES, "arp_replies", "ARP replies and neighbour adverts sent") \
	X(PASSED, "passed", "frames not for the fast path (handed on or ignored)")

enum sipsteer_port_counter {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_PORT_##name,
	SIPSTEER_PORT_COUNTER_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_PORT_COUNTER_COUNT
};

/* Per-VIP counters (sipsteer_vip_*_total{vip=...}). */
#define SIPSTEER_VIP_COUNTER_X(X)                                           \
	X(REQUESTS, "requests", "SIP requests received on the VIP")             \
	X(RESPONSES, "responses", "SIP responses returned through the VIP")     \
	X(NEW_DIALOGS, "new_dialogs", "Call-IDs steered through the ring")      \
	X(SYNTH_503, "synthesised_503", "503 Service Unavailable sent for lack of a live server")

enum sipsteer_vip_counter {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_VIP_##name,
	SIPSTEER_VIP_COUNTER_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_VIP_COUNTER_COUNT
};

/* Per-server counters (sipsteer_server_*{pool=...,server=...}); the passive
 * health signals the control plane reads. ACTIVE_DIALOGS is a gauge. */
#define SIPSTEER_SERVER_COUNTER_X(X)                                                   \
	X(REQUESTS, "requests", "requests forwarded to the server")                        \
	X(RESPONSES, "responses", "responses seen from the server (nat mode)")             \
	X(NEW_DIALOGS, "new_dialogs", "dialogs steered to the server")                     \
	X(RESTEERED, "resteered_dialogs", "dialogs moved away from it after it died")      \
	X(UNANSWERED, "unanswered_requests", "requests without any response within the window") \
	X(ICMP_UNREACH, "icmp_unreachable", "validated ICMP destination-unreachable from it") \
	X(ACTIVE_DIALOGS, "active_dialogs", "open dialogs on it: affinity entries not yet closed by BYE or a final non-2xx (gauge)")

enum sipsteer_server_counter {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_SERVER_##name,
	SIPSTEER_SERVER_COUNTER_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_SERVER_COUNTER_COUNT
};

/* The dataplane's affinity (flow) table (sipsteer_dataplane_affinity_*).
 * LOOKUPS, HINT_MISSES and STALE_HINTS are counters (_total); the others are
 * gauges. A lookup is one steered SIP message; HINT_MISSES are the lookups
 * no flow hint answered, so rte_hash did: every new dialog, and dialogs
 * whose hint an over-full hint bucket gave up. */
#define SIPSTEER_AFFINITY_COUNTER_X(X)                                                                      \
	X(LOOKUPS, "lookups", "affinity table lookups, one per steered SIP message")                    \
	X(HINT_MISSES, "hint_misses", "lookups no flow hint answered (new dialogs, lost hints): rte_hash answered") \
	X(STALE_HINTS, "stale_hints", "looked-up positions that held another dialog (a stale or shared hint, an entry being published): rte_hash asked again") \
	X(ENTRIES, "entries", "dialogs pinned, as counted by the last full sweep of the table (gauge)")  \
	X(CAPACITY, "capacity", "dialogs the table holds: affinity.max_dialogs (gauge)")               \
	X(MEMORY_BYTES, "memory_bytes", "DPDK memory the table holds, hints included (gauge)")

enum sipsteer_affinity_counter {
#define SIPSTEER_X_ENUM(name, label, help) SIPSTEER_AFFINITY_##name,
	SIPSTEER_AFFINITY_COUNTER_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
	SIPSTEER_AFFINITY_COUNTER_COUNT
};

#endif /* SIPSTEER_ABI_COUNTERS_H */

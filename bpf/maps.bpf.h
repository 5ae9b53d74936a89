/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every BPF map of sipsteer, in one place. Two programs include this file,
 * each after saying which one it is (SIPSTEER_BPF_FRONT or
 * SIPSTEER_BPF_STEER), because libbpf creates every map an object defines:
 * the front object must not carry the steering tables and vice versa. That
 * is a choice of object, not a feature switch.
 *
 * Pinning: maps shared with user space are pinned by name (LIBBPF_PIN_BY_NAME)
 * as sipsteer_<name>_v<ABI> under the object's pin root (/sys/fs/bpf by
 * default). When DPDK's net_af_xdp loads xdp_front.bpf.o itself (xdp_prog=
 * devarg), libbpf reuses the maps sipsteerd created and pinned, so the
 * control plane fills VIPs/servers and reads events from the same maps.
 *
 * max_entries here are defaults; the loader sets configured sizes before
 * load (memlock is tight, kernels >= 5.11 charge maps to the memcg).
 */
#ifndef SIPSTEER_BPF_MAPS_BPF_H
#define SIPSTEER_BPF_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sipsteer/abi/counters.h>
#include <sipsteer/abi/events.h>
#include <sipsteer_bpf/map_types.h>

#include "lib/siphash.h"

#if defined(SIPSTEER_BPF_FRONT)

/* DPDK's af_xdp PMD looks this map up by this exact name and inserts the
 * socket of rx queue q at key q. Not pinned: each DPDK port owns its own. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* VIP:port (and VIP:0 to claim fragments) that DPDK serves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct sipsteer_bpf_endpoint);
	__type(value, struct sipsteer_bpf_vip_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(front_vips) SEC(".maps");

/* Server addr:port -> id; an ICMP error quoting a datagram to one of them
 * becomes an event. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sipsteer_bpf_endpoint);
	__type(value, struct sipsteer_bpf_server_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(front_servers) SEC(".maps");

/* struct sipsteer_event records for the control plane. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(front_events) SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPSTEER_XDP_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(front_counters) SEC(".maps");

#define SIPSTEER_COUNTERS_MAP SIPSTEER_MAP(front_counters)

#elif defined(SIPSTEER_BPF_STEER)

/* Default size of a table blob; the loader sets the configured one on the
 * inner map and in cfg_table_bytes (they must be equal). */
#define SIPSTEER_BPF_TABLE_BYTES_DEFAULT (256u * 1024u)

/* Inner map: one element holding the whole table blob of abi/table.h. */
struct sipsteer_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SIPSTEER_BPF_TABLE_BYTES_DEFAULT);
};

/* The current table: slot SIPSTEER_BPF_TABLE_SLOT -> inner map. The
 * publisher fills a fresh inner map and swaps it in with one update, so a
 * packet sees the old table or the new one, never a mix; the kernel frees
 * the old inner map after an RCU grace period. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct sipsteer_table_inner); /* must be the last field */
} SIPSTEER_MAP(steer_table) SEC(".maps");

/* Call-ID hash + pool -> server of the dialog (LRU evicts the coldest). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sipsteer_bpf_affinity_key);
	__type(value, struct sipsteer_bpf_affinity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(steer_affinity) SEC(".maps");

/* Server addr:port (of nat pools) -> id and VIP: un-NAT of replies, and
 * ICMP errors about them become events. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sipsteer_bpf_endpoint);
	__type(value, struct sipsteer_bpf_server_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(steer_servers) SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPSTEER_DROP_REASON_COUNT);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(steer_drops) SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPSTEER_XDP_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(steer_counters) SEC(".maps");

/* Per-CPU copy of the scanned SIP bytes (XDP runs to completion on one CPU,
 * so one buffer per CPU is never shared). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipsteer_scratch);
} sipsteer_scratch SEC(".maps");

/* struct sipsteer_event records (ICMP unreachable about a server). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} SIPSTEER_MAP(steer_events) SEC(".maps");

#define SIPSTEER_COUNTERS_MAP SIPSTEER_MAP(steer_counters)

#else
#error "define SIPSTEER_BPF_FRONT or SIPSTEER_BPF_STEER before including maps.bpf.h"
#endif

static __always_inline void sipsteer_count(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&SIPSTEER_COUNTERS_MAP, &counter);
	if (value)
		*value += 1; /* per-CPU slot: no atomic needed */
}

#endif /* SIPSTEER_BPF_MAPS_BPF_H */

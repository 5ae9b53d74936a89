/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the forwarding table blob (abi/table.h) from a map value of
 * `size` bytes. The publisher validated the blob with core::TableView before
 * it went in, but the verifier cannot know that: every record is fetched
 * through sipsteer_table_at(), which checks offset + record size against the
 * value size (a load-time constant the verifier reads from .rodata), and
 * every count is capped by the format's limits so loops stay bounded.
 */
#ifndef SIPSTEER_BPF_LIB_TABLE_H
#define SIPSTEER_BPF_LIB_TABLE_H

#include <sipsteer/abi/table.h>

#include "parse.h"

static __always_inline const void *sipsteer_table_at(const __u8 *blob, __u64 size, __u64 off,
						     __u64 record)
{
	if (size < record || off > size - record)
		return NULL;
	return blob + off;
}

static __always_inline int sipsteer_addr_eq(const union sipsteer_addr *a, const union sipsteer_addr *b)
{
	return a->v6[0] == b->v6[0] && a->v6[1] == b->v6[1] && a->v6[2] == b->v6[2] &&
	       a->v6[3] == b->v6[3];
}

struct sipsteer_vip_search {
	const __u8 *blob;             /* table blob (map value) */
	const struct sipsteer_pkt *pkt; /* packet (caller's stack) */
	__u64 base;                   /* vips_offset */
	__u64 size;                   /* map value size; 64-bit so the verifier
	                                 keeps the constant through the stack */
	__u32 count;                  /* vip_count */
	__u32 any_port;
	__u32 found;                  /* index of the match, or ~0 */
};

/* bpf_loop callback over the VIPs. A plain loop here left the verifier one
 * state per exit iteration (each with a different pointer offset), and it
 * then walked everything after the search 64 times; a callback is verified
 * once and hands back an index, one unknown scalar. */
static long sipsteer_vip_search_cb(__u32 i, void *data)
{
	struct sipsteer_vip_search *s = data;
	if (i >= s->count)
		return 1;
	const struct sipsteer_vip *vip =
		sipsteer_table_at(s->blob, s->size, s->base + (__u64)i * sizeof(*vip), sizeof(*vip));
	if (!vip)
		return 1;
	const struct sipsteer_pkt *pkt = s->pkt;
	if (vip->family == pkt->family && (s->any_port || vip->port == pkt->dport) &&
	    sipsteer_addr_eq(&vip->addr, &pkt->dst)) {
		s->found = i;
		return 1;
	}
	return 0;
}

/* The VIP matching the packet's destination (address, family and UDP port;
 * address and family only with `any_port`), or NULL. */
static __always_inline const struct sipsteer_vip *
sipsteer_table_find_vip(const __u8 *blob, __u32 size, const struct sipsteer_pkt *pkt, int any_port)
{
	const struct sipsteer_table_header *h = sipsteer_table_at(blob, size, 0, sizeof(*h));
	if (!h)
		return NULL;
	struct sipsteer_vip_search search = {
		.blob = blob, .pkt = pkt, .base = h->vips_offset, .size = size,
		.count = h->vip_count, .any_port = any_port, .found = ~0u,
	};
	bpf_loop(SIPSTEER_MAX_VIPS, sipsteer_vip_search_cb, &search, 0);
	if (search.found >= SIPSTEER_MAX_VIPS)
		return NULL;
	return sipsteer_table_at(blob, size,
				 search.base + (__u64)search.found * sizeof(struct sipsteer_vip),
				 sizeof(struct sipsteer_vip));
}

/* The server a new dialog with `hash` gets in pool `pool_index` (the same
 * rule as core::TableView::select), or NULL when the pool takes no new
 * dialogs or the table is inconsistent. */
static __always_inline const struct sipsteer_server *
sipsteer_table_select(const __u8 *blob, __u32 size, __u32 pool_index, __u64 hash)
{
	const struct sipsteer_table_header *h = sipsteer_table_at(blob, size, 0, sizeof(*h));
	if (!h || pool_index >= h->pool_count)
		return NULL;
	const struct sipsteer_pool *pool = sipsteer_table_at(
		blob, size, (__u64)h->pools_offset + (__u64)pool_index * sizeof(*pool), sizeof(*pool));
	if (!pool || pool->ring_size == 0)
		return NULL;
	__u64 slot = ((hash >> 32) * (__u64)pool->ring_size) >> 32;
	__u64 index = (__u64)pool->ring_offset + slot;
	if (index >= h->slot_count)
		return NULL;
	const __u16 *entry = sipsteer_table_at(blob, size, (__u64)h->slots_offset + index * 2, 2);
	if (!entry || *entry == SIPSTEER_SLOT_EMPTY || *entry >= h->server_count)
		return NULL;
	return sipsteer_table_at(blob, size,
				 (__u64)h->servers_offset + (__u64)*entry * sizeof(struct sipsteer_server),
				 sizeof(struct sipsteer_server));
}

struct sipsteer_server_search {
	const __u8 *blob;
	__u64 base;       /* servers_offset + server_first * record */
	__u64 size;       /* map value size, 64-bit (see sipsteer_vip_search) */
	__u32 count;      /* pool's server_count */
	__u32 server_id;  /* wanted */
	__u32 found;      /* index in the pool, or ~0 */
	__u32 pad;
};

/* bpf_loop callback over a pool's servers (same reason as the VIP search). */
static long sipsteer_server_search_cb(__u32 i, void *data)
{
	struct sipsteer_server_search *s = data;
	if (i >= s->count)
		return 1;
	const struct sipsteer_server *server = sipsteer_table_at(
		s->blob, s->size, s->base + (__u64)i * sizeof(*server), sizeof(*server));
	if (!server)
		return 1;
	if (server->server_id == s->server_id) {
		s->found = i;
		return 1;
	}
	return 0;
}

/* The server with stable id `server_id` in pool `pool_index`, or NULL. */
static __always_inline const struct sipsteer_server *
sipsteer_table_server_by_id(const __u8 *blob, __u32 size, __u32 pool_index, __u32 server_id)
{
	const struct sipsteer_table_header *h = sipsteer_table_at(blob, size, 0, sizeof(*h));
	if (!h || pool_index >= h->pool_count)
		return NULL;
	const struct sipsteer_pool *pool = sipsteer_table_at(
		blob, size, (__u64)h->pools_offset + (__u64)pool_index * sizeof(*pool), sizeof(*pool));
	if (!pool)
		return NULL;
	struct sipsteer_server_search search = {
		.blob = blob,
		.base = (__u64)h->servers_offset +
			(__u64)pool->server_first * sizeof(struct sipsteer_server),
		.size = size, .count = pool->server_count, .server_id = server_id, .found = ~0u,
	};
	bpf_loop(SIPSTEER_MAX_SERVERS, sipsteer_server_search_cb, &search, 0);
	if (search.found >= SIPSTEER_MAX_SERVERS)
		return NULL;
	return sipsteer_table_at(blob, size,
				 search.base + (__u64)search.found * sizeof(struct sipsteer_server),
				 sizeof(struct sipsteer_server));
}

/* The pool's stable id, or ~0 when the index is out of the table. */
static __always_inline __u32 sipsteer_table_pool_id(const __u8 *blob, __u32 size, __u32 pool_index)
{
	const struct sipsteer_table_header *h = sipsteer_table_at(blob, size, 0, sizeof(*h));
	if (!h || pool_index >= h->pool_count)
		return ~0u;
	const struct sipsteer_pool *pool = sipsteer_table_at(
		blob, size, (__u64)h->pools_offset + (__u64)pool_index * sizeof(*pool), sizeof(*pool));
	return pool ? pool->pool_id : ~0u;
}

#endif /* SIPSTEER_BPF_LIB_TABLE_H */

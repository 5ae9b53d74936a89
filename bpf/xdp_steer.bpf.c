/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Pure-XDP steering for hosts without DPDK. Reads the forwarding table blob
 * of abi/table.h from the inner map of steer_table and steers each SIP/UDP
 * datagram for a VIP exactly as the DPDK path does for a new dialog:
 *   h = SipHash-2-4(hash_key, Call-ID); slot = ((h >> 32) * ring_size) >> 32
 *   server = servers[slots[pool.ring_offset + slot]]
 * then forwards it: dsr (MAC rewrite) or nat (destination rewrite, replies
 * from servers rewritten back to the VIP), out by XDP_TX or XDP_REDIRECT.
 * A dialog already seen stays on its server while that server is LIVE
 * (steer_affinity, an LRU keyed by Call-ID hash and pool), as in DPDK.
 * Every drop goes through sipsteer_drop() and a SIPSTEER_DROP_* reason.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SIPSTEER_BPF_STEER
#include "maps.bpf.h"
#include "lib/csum.h"
#include "lib/fib.h"
#include "lib/icmp.h"
#include "lib/parse.h"
#include "lib/sip_scan.h"
#include "lib/table.h"

#include <sipsteer/abi/table.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Knobs, set by the loader between open and load. */
/* Value size of the table inner map (bytes); the loader keeps them equal. */
const volatile __u32 cfg_table_bytes = SIPSTEER_BPF_TABLE_BYTES_DEFAULT;
/* SIP bytes scanned for the Call-ID (<= SIPSTEER_SCRATCH_SIZE). */
const volatile __u32 cfg_scan_bytes = SIPSTEER_SCRATCH_SIZE;
/* No Call-ID within the scan bound: 0 = steer by source address:port,
 * 1 = drop (SIPSTEER_DROP_SIP_MALFORMED). */
const volatile __u8 cfg_no_callid_drop = 0;
/* Output: 0 = back out of the receiving interface (XDP_TX), else the
 * ifindex to XDP_REDIRECT to. Ignored when a FIB lookup chose the port. */
const volatile __u32 cfg_tx_ifindex = 0;
/* 1: rewrite replies from nat servers back to their VIP. */
const volatile __u8 cfg_unnat = 1;
/* 1: resolve next hops without a table MAC with bpf_fib_lookup(). */
const volatile __u8 cfg_fib_lookup = 1;

static __always_inline int sipsteer_drop(__u32 reason)
{
	__u64 *value = bpf_map_lookup_elem(&SIPSTEER_MAP(steer_drops), &reason);
	if (value)
		*value += 1;
	return XDP_DROP;
}

static __always_inline int sipsteer_pass(void)
{
	sipsteer_count(SIPSTEER_XDP_PASSED);
	return XDP_PASS;
}

#define SIPSTEER_ONES 0x0101010101010101ULL
#define SIPSTEER_HIGHS 0x8080808080808080ULL

/* bpf_loop callback over 8-byte words of the payload. A word inside a line
 * that is not a Call-ID header (most of a SIP message) and holding no LF is
 * skipped with one has-zero-byte test on word ^ "\n\n\n\n\n\n\n\n";
 * other words go through the state machine byte by byte. The position comes
 * from the loop index, unknown to the verifier, and the phase from a table
 * (lib/sip_scan.h), so the callback verifies once; tracking the position as
 * state instead made every skip/step pattern a distinct verifier path. */
static long sipsteer_scan_cb(__u32 index, void *data)
{
	struct sipsteer_scan_state *st = data;
	__u32 zero = 0;
	/* The scratch pointer is looked up here rather than passed in `data`
	 * (the VIP search passes its blob that way; here the lookup is inlined
	 * by the verifier and as cheap). */
	struct sipsteer_scratch *s = bpf_map_lookup_elem(&sipsteer_scratch, &zero);
	if (!s)
		return 1;
	__u32 base = index * 8;
	if (base >= st->len)
		return 1;
	__u32 off = base & SIPSTEER_SCRATCH_MASK;
	if (st->phase == SIPSTEER_SCAN_SKIP_LINE && base + 8 <= st->len &&
	    off <= SIPSTEER_SCRATCH_SIZE - 8) {
		__u64 x = *(__u64 *)&s->bytes[off] ^ (SIPSTEER_ONES * '\n');
		if (((x - SIPSTEER_ONES) & ~x & SIPSTEER_HIGHS) == 0)
			return 0;
	}
#pragma unroll
	for (int j = 0; j < 8; j++) {
		__u32 pos = base + j;
		if (pos >= st->len)
			return 1;
		if (sipsteer_scan_byte(st, pos, s->bytes[pos & SIPSTEER_SCRATCH_MASK]))
			return 1;
	}
	return 0;
}

/* The dialog hash of the SIP datagram: SipHash of its Call-ID, or of its
 * source address and port when no Call-ID is found within the scan bound.
 * Returns 0 and sets *hash, or a drop reason + 1. */
static __always_inline int sipsteer_dialog_hash(struct xdp_md *ctx, const struct sipsteer_pkt *pkt,
						const __u8 key[16], __u64 *hash)
{
	__u32 zero = 0;
	struct sipsteer_scratch *s = bpf_map_lookup_elem(&sipsteer_scratch, &zero);
	if (!s)
		return SIPSTEER_DROP_SIP_MALFORMED + 1;
	__u64 n = pkt->payload_len;
	if (n > cfg_scan_bytes)
		n = cfg_scan_bytes;
	/* 64-bit and opaque, then range-checked: the helper's size argument
	 * must be the very register the verifier saw bounded in [1, 2048];
	 * otherwise clang tests one copy and passes another. */
	SIPSTEER_BARRIER_VAR(n);
	if (n == 0)
		return SIPSTEER_DROP_SIP_MALFORMED + 1;
	if (n > SIPSTEER_SCRATCH_SIZE)
		return SIPSTEER_DROP_SIP_TOO_LARGE + 1; /* cfg_scan_bytes out of range */
	if (bpf_xdp_load_bytes(ctx, pkt->payload_off, s->bytes, n) != 0)
		return SIPSTEER_DROP_TRUNCATED + 1;

	/* The first line is the start line, never a header: start by skipping
	 * it (which also skips CRLF keep-alives before it, as RFC 3261 7.5). */
	struct sipsteer_scan_state st = { .len = n, .phase = SIPSTEER_SCAN_SKIP_LINE };
	bpf_loop((n + 7) / 8, sipsteer_scan_cb, &st, 0);
	__u32 len = st.value_end - st.value_start;
	if (st.phase == SIPSTEER_SCAN_FOUND && len <= SIPSTEER_SIPHASH_MAX_LEN) {
		*hash = sipsteer_siphash(key, s, st.value_start, len);
		return 0;
	}
	if (cfg_no_callid_drop)
		return SIPSTEER_DROP_SIP_MALFORMED + 1;
	/* Fallback: SipHash(key, source address[16] || source port[2]). An
	 * in-dialog request from the same UA socket lands on the same server
	 * while the table does not change. */
	__builtin_memcpy(s->bytes, pkt->src.bytes, 16);
	__builtin_memcpy(s->bytes + 16, &pkt->sport, 2);
	*hash = sipsteer_siphash(key, s, 0, 18);
	sipsteer_count(SIPSTEER_XDP_CALLID_FALLBACK);
	return 0;
}

/* Sends the rewritten frame to next-hop `mac` when `use_mac`, else to the
 * next hop of a FIB lookup on the frame's destination. `missing` is the
 * verdict when no next hop is known. (A flag, not a NULL pointer: clang
 * turns `cond ? ptr : NULL` into a mask on the pointer, which the verifier
 * refuses: "bitwise operator &= on pointer prohibited".) */
static __always_inline int sipsteer_send(struct xdp_md *ctx, const struct sipsteer_pkt *pkt,
					 const __u8 *mac, int use_mac, int missing)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return sipsteer_drop(SIPSTEER_DROP_TRUNCATED);
	if (use_mac) {
		/* The frame came to our MAC: it leaves from it. */
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
		if (cfg_tx_ifindex == 0)
			return XDP_TX;
		return bpf_redirect(cfg_tx_ifindex, 0);
	}
	if (!cfg_fib_lookup)
		return missing;
	struct bpf_fib_lookup fib;
	long rc = sipsteer_fib_udp_lookup(ctx, pkt, &fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return missing;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	if (fib.ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(fib.ifindex, 0);
}

/* Rewrites the destination (to=1) or source (to=0) address and port of the
 * UDP datagram, fixing the IPv4 header and UDP checksums incrementally;
 * decrements TTL / hop limit when `route` (we forward as a router). */
static __always_inline int sipsteer_rewrite(struct xdp_md *ctx, struct sipsteer_pkt *pkt, int to,
					    const union sipsteer_addr *addr, __be16 port, int route)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* Parser offsets re-bounded: the verifier forgets ranges of values
	 * that went through the stack as 32-bit fields. */
	__u32 l3 = pkt->l3_off, l4 = pkt->l4_off;
	if (l3 > 22 || l4 > 22 + 60)
		return SIPSTEER_DROP_TRUNCATED + 1;
	struct udphdr *udp = data + l4;
	if ((void *)(udp + 1) > data_end)
		return SIPSTEER_DROP_TRUNCATED + 1;
	__u64 udp_delta = 0;
	if (pkt->family == SIPSTEER_FAMILY_IPV4) {
		struct iphdr *ip = data + l3;
		if ((void *)(ip + 1) > data_end)
			return SIPSTEER_DROP_TRUNCATED + 1;
		__u64 ip_delta = 0;
		if (route) {
			if (ip->ttl <= 1)
				return SIPSTEER_DROP_IP_TTL_EXPIRED + 1;
			__u16 *ttl_word = (__u16 *)&ip->ttl; /* TTL and protocol */
			__u16 old_word = *ttl_word;
			ip->ttl--;
			ip_delta = sipsteer_csum_add16(ip_delta, old_word, *ttl_word);
		}
		__be32 *field = to ? &ip->daddr : &ip->saddr;
		ip_delta = sipsteer_csum_add32(ip_delta, *field, addr->v4);
		udp_delta = sipsteer_csum_add32(udp_delta, *field, addr->v4);
		*field = addr->v4;
		sipsteer_csum_apply(&ip->check, ip_delta);
	} else {
		struct ipv6hdr *ip6 = data + l3;
		if ((void *)(ip6 + 1) > data_end)
			return SIPSTEER_DROP_TRUNCATED + 1;
		if (route) {
			if (ip6->hop_limit <= 1)
				return SIPSTEER_DROP_IP_TTL_EXPIRED + 1;
			ip6->hop_limit--;
		}
		__be32 *field = to ? ip6->daddr.in6_u.u6_addr32 : ip6->saddr.in6_u.u6_addr32;
#pragma unroll
		for (int i = 0; i < 4; i++) {
			udp_delta = sipsteer_csum_add32(udp_delta, field[i], addr->v6[i]);
			field[i] = addr->v6[i];
		}
	}
	__be16 *port_field = to ? &udp->dest : &udp->source;
	udp_delta = sipsteer_csum_add16(udp_delta, *port_field, port);
	*port_field = port;
	sipsteer_csum_apply_udp4(&udp->check, udp_delta);
	if (to) {
		pkt->dst = *addr;
		pkt->dport = port;
	} else {
		pkt->src = *addr;
		pkt->sport = port;
	}
	return 0;
}

/* TTL / hop limit minus one (IPv4 checksum updated), for frames we route
 * ourselves. Returns 0, or a drop reason + 1. */
static __always_inline int sipsteer_ttl_decrement(struct xdp_md *ctx, const struct sipsteer_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3 = pkt->l3_off;
	if (l3 > 22) /* re-bounded, see sipsteer_rewrite */
		return SIPSTEER_DROP_TRUNCATED + 1;
	if (pkt->family == SIPSTEER_FAMILY_IPV4) {
		struct iphdr *ip = data + l3;
		if ((void *)(ip + 1) > data_end)
			return SIPSTEER_DROP_TRUNCATED + 1;
		if (ip->ttl <= 1)
			return SIPSTEER_DROP_IP_TTL_EXPIRED + 1;
		__u16 *ttl_word = (__u16 *)&ip->ttl; /* TTL and protocol */
		__u16 old_word = *ttl_word;
		ip->ttl--;
		sipsteer_csum_apply(&ip->check, sipsteer_csum_add16(0, old_word, *ttl_word));
		return 0;
	}
	struct ipv6hdr *ip6 = data + l3;
	if ((void *)(ip6 + 1) > data_end)
		return SIPSTEER_DROP_TRUNCATED + 1;
	if (ip6->hop_limit <= 1)
		return SIPSTEER_DROP_IP_TTL_EXPIRED + 1;
	ip6->hop_limit--;
	return 0;
}

/* The server for a dialog: its affinity while that server is LIVE in the
 * current table (up or draining), else the ring's choice, remembered. This
 * is the DPDK path's rule (abi/table.h): a new dialog goes where
 * TableView::select says; a known one stays unless its server died. */
static __always_inline const struct sipsteer_server *sipsteer_pick(const __u8 *blob, __u32 pool,
								   __u64 hash)
{
	struct sipsteer_bpf_affinity_key key = {
		.hash = hash, .pool_id = sipsteer_table_pool_id(blob, cfg_table_bytes, pool),
	};
	struct sipsteer_bpf_affinity *known = bpf_map_lookup_elem(&SIPSTEER_MAP(steer_affinity), &key);
	if (known) {
		const struct sipsteer_server *server =
			sipsteer_table_server_by_id(blob, cfg_table_bytes, pool, known->server_id);
		if (server && (server->flags & SIPSTEER_SERVER_F_LIVE))
			return server;
	}
	const struct sipsteer_server *server = sipsteer_table_select(blob, cfg_table_bytes, pool, hash);
	if (!server)
		return NULL;
	struct sipsteer_bpf_affinity value = { .server_id = server->server_id };
	/* Full LRU: the insert evicts the coldest dialog; no failure to count. */
	bpf_map_update_elem(&SIPSTEER_MAP(steer_affinity), &key, &value, BPF_ANY);
	return server;
}

/* 1 if the datagram is addressed to this host (the FIB's answer for its
 * destination is not a unicast route): the control plane's OPTIONS probes
 * come back from the servers' own address:port, and must reach sipsteerd
 * as they were sent, not rewritten to come from the VIP. */
static __always_inline int sipsteer_to_local(struct xdp_md *ctx, const struct sipsteer_pkt *pkt)
{
	if (!cfg_fib_lookup)
		return 0;
	struct bpf_fib_lookup fib;
	return sipsteer_fib_udp_lookup(ctx, pkt, &fib) == BPF_FIB_LKUP_RET_NOT_FWDED;
}

/* A reply from a nat server: back to the client from the VIP. */
static __always_inline int sipsteer_unnat(struct xdp_md *ctx, struct sipsteer_pkt *pkt)
{
	struct sipsteer_bpf_endpoint key;
	sipsteer_endpoint(&key, pkt->family, &pkt->src, pkt->sport);
	struct sipsteer_bpf_server_info *server = bpf_map_lookup_elem(&SIPSTEER_MAP(steer_servers), &key);
	if (!server || server->vip.family != pkt->family)
		return sipsteer_pass();
	if (sipsteer_to_local(ctx, pkt))
		return sipsteer_pass();
	struct sipsteer_bpf_endpoint vip = server->vip;
	/* No TTL change yet: without a FIB answer the kernel forwards the
	 * rewritten datagram and decrements TTL itself. */
	int err = sipsteer_rewrite(ctx, pkt, 0, &vip.addr, vip.port, 0);
	if (err)
		return sipsteer_drop(err - 1);
	sipsteer_count(SIPSTEER_XDP_UNNATED);
	int verdict = sipsteer_send(ctx, pkt, NULL, 0, XDP_PASS);
	if (verdict == XDP_PASS)
		return verdict;
	/* The FIB gave a next hop: we route it, so TTL is ours to decrement. */
	err = sipsteer_ttl_decrement(ctx, pkt);
	return err ? sipsteer_drop(err - 1) : verdict;
}

static __always_inline int sipsteer_steer(struct xdp_md *ctx, struct sipsteer_pkt *pkt, int parsed,
					  const __u8 *blob)
{
	const int whole_udp = parsed == SIPSTEER_PARSE_L4 && pkt->proto == IPPROTO_UDP;
	/* Later fragments and IPv6 datagrams with extension headers show no
	 * port: they match a VIP by address alone, to be dropped with reason. */
	const int no_port = parsed == SIPSTEER_PARSE_OTHER ||
			    (parsed == SIPSTEER_PARSE_FRAGMENT && !pkt->first_fragment);
	const struct sipsteer_vip *vip =
		sipsteer_table_find_vip(blob, cfg_table_bytes, pkt, no_port);
	if (!vip) {
		if (cfg_unnat && whole_udp)
			return sipsteer_unnat(ctx, pkt);
		return sipsteer_pass();
	}
	if (parsed == SIPSTEER_PARSE_FRAGMENT)
		return sipsteer_drop(SIPSTEER_DROP_FRAG_INCOMPLETE);
	if (pkt->ip_options)
		return sipsteer_drop(SIPSTEER_DROP_IP_OPTIONS);
	if (!whole_udp)
		return sipsteer_pass();

	__u8 key[16];
	__builtin_memcpy(key, ((const struct sipsteer_table_header *)blob)->hash_key, 16);
	__u64 hash = 0;
	int err = sipsteer_dialog_hash(ctx, pkt, key, &hash);
	if (err)
		return sipsteer_drop(err - 1);

	const struct sipsteer_server *server = sipsteer_pick(blob, vip->pool, hash);
	if (!server)
		return sipsteer_drop(SIPSTEER_DROP_NO_SERVER);
	const __u8 mode = vip->mode;
	const int use_mac = (server->flags & SIPSTEER_SERVER_F_MAC_SET) != 0;
	if (mode == SIPSTEER_MODE_NAT) {
		union sipsteer_addr addr = server->addr;
		err = sipsteer_rewrite(ctx, pkt, 1, &addr, server->port, 1);
		if (err)
			return sipsteer_drop(err - 1);
	}
	int verdict = sipsteer_send(ctx, pkt, server->mac, use_mac, XDP_ABORTED);
	if (verdict == XDP_ABORTED)
		return sipsteer_drop(SIPSTEER_DROP_NO_NEIGHBOUR);
	if (verdict == XDP_TX || verdict == XDP_REDIRECT)
		sipsteer_count(mode == SIPSTEER_MODE_NAT ? SIPSTEER_XDP_STEERED_NAT
							 : SIPSTEER_XDP_STEERED_DSR);
	return verdict;
}

SEC("xdp")
int sipsteer_xdp_steer(struct xdp_md *ctx)
{
	struct sipsteer_pkt pkt;
	int parsed = sipsteer_parse(ctx, &pkt);
	if (parsed == SIPSTEER_PARSE_BAD)
		return sipsteer_drop(pkt.drop_reason);
	if (parsed == SIPSTEER_PARSE_OTHER && !pkt.ip_options)
		return sipsteer_pass();
	if (parsed == SIPSTEER_PARSE_L4 && pkt.proto != IPPROTO_UDP) {
		/* ICMP error about a nat server, on its way to the client: an
		 * event for the control plane; the frame itself goes on. */
		struct sipsteer_event ev;
		if (sipsteer_icmp_event(ctx, &pkt, &SIPSTEER_MAP(steer_servers), &ev) == 0) {
			if (bpf_ringbuf_output(&SIPSTEER_MAP(steer_events), &ev, sizeof(ev), 0) == 0)
				sipsteer_count(SIPSTEER_XDP_ICMP_EVENTS);
			else
				sipsteer_count(SIPSTEER_XDP_EVENTS_LOST);
		}
		return sipsteer_pass();
	}

	__u32 slot = SIPSTEER_BPF_TABLE_SLOT;
	void *inner = bpf_map_lookup_elem(&SIPSTEER_MAP(steer_table), &slot);
	if (!inner)
		return sipsteer_pass(); /* no table yet: nothing is a VIP */
	__u32 zero = 0;
	const __u8 *blob = bpf_map_lookup_elem(inner, &zero);
	if (!blob)
		return sipsteer_pass();
	return sipsteer_steer(ctx, &pkt, parsed, blob);
}

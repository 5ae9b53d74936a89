/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMP/ICMPv6 destination-unreachable about one of our servers: both XDP
 * programs turn it into a struct sipsteer_event (abi/events.h).
 */
#ifndef SIPSTEER_BPF_LIB_ICMP_H
#define SIPSTEER_BPF_LIB_ICMP_H

#include <sipsteer/abi/events.h>

#include "parse.h"

/* linux/icmp.h drags in libc headers that do not build for -target bpf. */
#define SIPSTEER_ICMP_DEST_UNREACH 3
#define SIPSTEER_ICMPV6_DEST_UNREACH 1

/*
 * Reads the datagram quoted by the ICMP error at pkt->l4_off: IP header and
 * the first 8 bytes of its UDP header. Returns 0 and fills `ev` when it is
 * UDP to a known server.
 */
static __always_inline int sipsteer_quoted_server(struct xdp_md *ctx, const struct sipsteer_pkt *pkt,
						  void *servers, struct sipsteer_event *ev)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* Offsets come from the parser; bounding them keeps the verifier's
	 * packet-pointer range finite (it refuses unbounded offsets). */
	__u32 quoted = pkt->l4_off + 8;
	if (quoted > 256)
		return -1;
	struct udphdr *udp;
	if (pkt->family == SIPSTEER_FAMILY_IPV4) {
		struct iphdr *ip = data + quoted;
		if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5)
			return -1;
		if (ip->protocol != IPPROTO_UDP)
			return -1;
		udp = (void *)ip + ip->ihl * 4;
		if ((void *)(udp + 1) > data_end)
			return -1;
		ev->quoted_src.v4 = ip->saddr;
		ev->quoted_dst.v4 = ip->daddr;
	} else {
		struct ipv6hdr *ip6 = data + quoted;
		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return -1;
		if (ip6->nexthdr != IPPROTO_UDP)
			return -1;
		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end)
			return -1;
		__builtin_memcpy(ev->quoted_src.bytes, &ip6->saddr, 16);
		__builtin_memcpy(ev->quoted_dst.bytes, &ip6->daddr, 16);
	}
	ev->quoted_proto = IPPROTO_UDP;
	ev->quoted_sport = udp->source;
	ev->quoted_dport = udp->dest;

	struct sipsteer_bpf_endpoint key;
	sipsteer_endpoint(&key, pkt->family, &ev->quoted_dst, udp->dest);
	struct sipsteer_bpf_server_info *server =
		bpf_map_lookup_elem(servers, &key);
	if (!server)
		return -1;
	ev->server_id = server->server_id;
	ev->generation = server->generation;
	return 0;
}

/*
 * Builds the event for an ICMP(v6) destination-unreachable (pkt parsed to
 * L4) that quotes a UDP datagram to a server:port of the hash map `servers`
 * (struct sipsteer_bpf_endpoint -> struct sipsteer_bpf_server_info).
 * Returns 0 with *ev filled, -1 when the frame is anything else.
 */
static __always_inline int sipsteer_icmp_event(struct xdp_md *ctx, const struct sipsteer_pkt *pkt,
					       void *servers, struct sipsteer_event *ev)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = pkt->l4_off;
	if (off > 256) /* re-bounded: see sipsteer_quoted_server */
		return -1;
	__u8 *icmp = data + off;
	SIPSTEER_BARRIER_VAR(icmp);
	if ((void *)(icmp + 2) > data_end)
		return -1;
	const __u8 unreachable = pkt->family == SIPSTEER_FAMILY_IPV4 ? SIPSTEER_ICMP_DEST_UNREACH
								      : SIPSTEER_ICMPV6_DEST_UNREACH;
	if (icmp[0] != unreachable)
		return -1;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = SIPSTEER_EVENT_ICMP_UNREACHABLE;
	ev->source = SIPSTEER_EVENT_SOURCE_XDP;
	ev->family = pkt->family;
	ev->icmp_type = icmp[0];
	ev->icmp_code = icmp[1];
	if (sipsteer_quoted_server(ctx, pkt, servers, ev) != 0)
		return -1;
	ev->timestamp_ns = bpf_ktime_get_ns();
	ev->reporter = pkt->src;
	return 0;
}

#endif /* SIPSTEER_BPF_LIB_ICMP_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Header parsing for the XDP programs: Ethernet (up to two VLAN tags),
 * IPv4/IPv6, UDP or ICMP/ICMPv6. Never trusts a length in the packet: every
 * length is checked against the frame (data_end) before anything behind it
 * is read, and the result records offsets, not pointers, so callers re-check
 * bounds where they touch the packet again.
 */
#ifndef SIPSTEER_BPF_LIB_PARSE_H
#define SIPSTEER_BPF_LIB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <sipsteer/abi/counters.h>
#include <sipsteer_bpf/map_types.h>

/* Makes `var` opaque to clang. Used on packet pointers with a variable
 * offset: otherwise clang rematerialises `data + off` after the bounds check
 * as a fresh pointer the verifier has no range for ("offset is outside of
 * the packet"). */
#define SIPSTEER_BARRIER_VAR(var) asm volatile("" : "+r"(var))

#define SIPSTEER_VLAN_MAX 2
#define SIPSTEER_IPPROTO_ICMPV6 58
#define SIPSTEER_IPPROTO_FRAGMENT 44

/* What sipsteer_parse() found. */
enum sipsteer_parse_result {
	SIPSTEER_PARSE_OTHER = 0, /* not IP, or IP we do not look into: pass it on */
	SIPSTEER_PARSE_L4 = 1,    /* UDP or ICMP header parsed, offsets valid */
	SIPSTEER_PARSE_FRAGMENT = 2, /* IP fragment (not a whole datagram); addresses valid */
	SIPSTEER_PARSE_BAD = 3,   /* malformed; pkt->drop_reason says why */
};

struct sipsteer_pkt {
	union sipsteer_addr src; /* network order */
	union sipsteer_addr dst; /* network order */
	__u32 l3_off;            /* bytes from data to the IP header */
	__u32 l4_off;            /* bytes from data to the UDP/ICMP header */
	__u32 payload_off;       /* UDP: bytes from data to the payload */
	__u32 payload_len;       /* UDP: payload bytes (UDP length - 8, inside the frame) */
	__u32 frame_len;         /* bytes from data to data_end */
	__be16 sport;            /* UDP only, network order */
	__be16 dport;            /* UDP only, network order */
	__be16 l2_proto;         /* ethertype of the IP header, network order */
	__u8 family;             /* SIPSTEER_FAMILY_* (NONE before L3) */
	__u8 proto;              /* IP protocol / IPv6 next header */
	__u8 ip_options;         /* 1: IPv4 options or IPv6 extension headers */
	__u8 first_fragment;     /* 1: fragment at offset 0 (L4 header present) */
	__u8 drop_reason;        /* SIPSTEER_DROP_*, with SIPSTEER_PARSE_BAD */
	__u8 pad;
};

static __always_inline int sipsteer_parse_bad(struct sipsteer_pkt *pkt, __u8 reason)
{
	pkt->drop_reason = reason;
	return SIPSTEER_PARSE_BAD;
}

/* L4 header at `l4` (== pkt->l4_off), inside an IP datagram of `l4_len`
 * bytes. Offsets travel as arguments, not through *pkt: the verifier loses
 * the range of a 32-bit value that went through the stack, and refuses a
 * packet pointer with an unbounded offset. */
static __always_inline int sipsteer_parse_l4(void *data, void *data_end,
					     struct sipsteer_pkt *pkt, __u32 l4, __u32 l4_len)
{
	if (pkt->proto == IPPROTO_UDP) {
		struct udphdr *udp = data + l4;
		SIPSTEER_BARRIER_VAR(udp);
		if ((void *)(udp + 1) > data_end || l4_len < sizeof(*udp))
			return sipsteer_parse_bad(pkt, SIPSTEER_DROP_TRUNCATED);
		__u32 udp_len = bpf_ntohs(udp->len);
		/* A first fragment's UDP length covers the whole datagram, which
		 * this frame does not hold; only whole datagrams are checked. */
		if (!pkt->first_fragment && (udp_len < sizeof(*udp) || udp_len > l4_len))
			return sipsteer_parse_bad(pkt, SIPSTEER_DROP_UDP_BAD_LENGTH);
		pkt->sport = udp->source;
		pkt->dport = udp->dest;
		pkt->payload_off = l4 + sizeof(*udp);
		pkt->payload_len = pkt->first_fragment ? 0 : udp_len - sizeof(*udp);
		return pkt->first_fragment ? SIPSTEER_PARSE_FRAGMENT : SIPSTEER_PARSE_L4;
	}
	if ((pkt->family == SIPSTEER_FAMILY_IPV4 && pkt->proto == IPPROTO_ICMP) ||
	    (pkt->family == SIPSTEER_FAMILY_IPV6 && pkt->proto == SIPSTEER_IPPROTO_ICMPV6)) {
		/* type, code, checksum, 4 bytes rest-of-header */
		if (data + l4 + 8 > data_end || l4_len < 8)
			return sipsteer_parse_bad(pkt, SIPSTEER_DROP_TRUNCATED);
		return pkt->first_fragment ? SIPSTEER_PARSE_FRAGMENT : SIPSTEER_PARSE_L4;
	}
	return pkt->first_fragment ? SIPSTEER_PARSE_FRAGMENT : SIPSTEER_PARSE_OTHER;
}

static __always_inline int sipsteer_parse_ipv4(void *data, void *data_end, struct sipsteer_pkt *pkt,
					       __u32 l3)
{
	struct iphdr *ip = data + l3;
	if ((void *)(ip + 1) > data_end)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_TRUNCATED);
	if (ip->version != 4 || ip->ihl < 5)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_IP_BAD_HEADER);
	__u32 hdr_len = ip->ihl * 4;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	/* Frames may carry Ethernet padding behind the datagram, never less. */
	if (tot_len < hdr_len || l3 + tot_len > pkt->frame_len)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_IP_BAD_LENGTH);
	pkt->family = SIPSTEER_FAMILY_IPV4;
	pkt->proto = ip->protocol;
	pkt->src.v4 = ip->saddr;
	pkt->dst.v4 = ip->daddr;
	pkt->ip_options = hdr_len > sizeof(*ip);
	pkt->l4_off = l3 + hdr_len;
	__u16 frag = bpf_ntohs(ip->frag_off);
	if (frag & 0x1fff) /* offset != 0: no L4 header in this frame */
		return SIPSTEER_PARSE_FRAGMENT;
	pkt->first_fragment = (frag & 0x2000) != 0; /* MF */
	return sipsteer_parse_l4(data, data_end, pkt, l3 + hdr_len, tot_len - hdr_len);
}

static __always_inline int sipsteer_parse_ipv6(void *data, void *data_end, struct sipsteer_pkt *pkt,
					       __u32 l3)
{
	struct ipv6hdr *ip6 = data + l3;
	if ((void *)(ip6 + 1) > data_end)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_TRUNCATED);
	if (ip6->version != 6)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_IP_BAD_HEADER);
	__u32 payload_len = bpf_ntohs(ip6->payload_len);
	if (l3 + sizeof(*ip6) + payload_len > pkt->frame_len)
		return sipsteer_parse_bad(pkt, SIPSTEER_DROP_IP_BAD_LENGTH);
	pkt->family = SIPSTEER_FAMILY_IPV6;
	pkt->proto = ip6->nexthdr;
	__builtin_memcpy(pkt->src.bytes, &ip6->saddr, 16);
	__builtin_memcpy(pkt->dst.bytes, &ip6->daddr, 16);
	pkt->l4_off = l3 + sizeof(*ip6);
	if (pkt->proto == SIPSTEER_IPPROTO_FRAGMENT)
		return SIPSTEER_PARSE_FRAGMENT;
	if (pkt->proto != IPPROTO_UDP && pkt->proto != SIPSTEER_IPPROTO_ICMPV6) {
		/* Extension headers are not walked: SIP traffic does not use them
		 * and a bounded walk costs verifier budget for nothing. */
		pkt->ip_options = 1;
		return SIPSTEER_PARSE_OTHER;
	}
	return sipsteer_parse_l4(data, data_end, pkt, l3 + sizeof(*ip6), payload_len);
}

/* Parses the frame of `ctx` into `pkt` (which it zeroes). */
static __always_inline int sipsteer_parse(struct xdp_md *ctx, struct sipsteer_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->frame_len = data_end - data;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return SIPSTEER_PARSE_OTHER; /* runt frame: the kernel's business */
	__be16 proto = eth->h_proto;
	__u32 off = sizeof(*eth);
#pragma unroll
	for (int i = 0; i < SIPSTEER_VLAN_MAX; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		/* 802.1Q tag: TCI (2 bytes) then the inner ethertype (2 bytes). */
		__be16 *inner = data + off + 2;
		if ((void *)(inner + 1) > data_end)
			return SIPSTEER_PARSE_OTHER;
		proto = *inner;
		off += 4;
	}
	pkt->l3_off = off;
	pkt->l2_proto = proto;
	if (proto == bpf_htons(ETH_P_IP))
		return sipsteer_parse_ipv4(data, data_end, pkt, off);
	if (proto == bpf_htons(ETH_P_IPV6))
		return sipsteer_parse_ipv6(data, data_end, pkt, off);
	return SIPSTEER_PARSE_OTHER;
}

/* The packet's destination (or source) as a map key. */
static __always_inline void sipsteer_endpoint(struct sipsteer_bpf_endpoint *ep, __u8 family,
					      const union sipsteer_addr *addr, __be16 port)
{
	__builtin_memset(ep, 0, sizeof(*ep));
	ep->family = family;
	ep->port = port;
	__builtin_memcpy(&ep->addr, addr, sizeof(ep->addr));
}

#endif /* SIPSTEER_BPF_LIB_PARSE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is a datagram addressed to this host? Both programs ask the kernel's FIB
 * before touching a reply from a nat server: sipsteerd's OPTIONS probes come
 * back from the server's own address:port too, and must reach sipsteerd as
 * they were sent.
 */
#ifndef SIPSTEER_BPF_LIB_FIB_H
#define SIPSTEER_BPF_LIB_FIB_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* bpf_fib_lookup()'s answer for the datagram's destination, from the
 * receiving interface. BPF_FIB_LKUP_RET_NOT_FWDED means "not a unicast
 * route", i.e. a local (or broadcast) address; BPF_FIB_LKUP_RET_FWD_DISABLED
 * means the kernel checked nothing (forwarding is off on that interface).
 * On success `fib` holds the next hop (ifindex, MACs), which xdp_steer's
 * forwarding uses. */
static __always_inline long sipsteer_fib_udp_lookup(struct xdp_md *ctx, const struct sipsteer_pkt *pkt,
						    struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = ctx->ingress_ifindex;
	if (pkt->family == SIPSTEER_FAMILY_IPV4) {
		fib->family = 2; /* AF_INET */
		fib->ipv4_src = pkt->src.v4;
		fib->ipv4_dst = pkt->dst.v4;
	} else {
		fib->family = 10; /* AF_INET6 */
		__builtin_memcpy(fib->ipv6_src, pkt->src.bytes, 16);
		__builtin_memcpy(fib->ipv6_dst, pkt->dst.bytes, 16);
	}
	fib->l4_protocol = IPPROTO_UDP;
	fib->sport = pkt->sport;
	fib->dport = pkt->dport;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

#endif /* SIPSTEER_BPF_LIB_FIB_H */

/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * XDP front for DPDK net_af_xdp deployments: one NIC serves both the DPDK
 * fast path and the host.
 *   - UDP to a VIP:port of front_vips (and fragments to a VIP:0 entry)
 *     -> the AF_XDP socket of the receiving queue (xsks_map), i.e. DPDK;
 *   - UDP from a server:port of a nat pool (front_servers entry with a VIP)
 *     to anyone but this host: a reply DPDK must un-NAT -> DPDK too. The
 *     FIB tells "this host" apart (sipsteerd's OPTIONS probe replies come
 *     from the same server address:port and belong to the kernel);
 *   - ICMP/ICMPv6 destination-unreachable quoting a UDP datagram sent to a
 *     server of front_servers -> a struct sipsteer_event in front_events for
 *     the control plane, and the frame still goes to DPDK (which validates it
 *     against its flows and absorbs it), or to the kernel by knob;
 *   - everything else (management, SSH, ARP/ND, health-probe replies,
 *     malformed frames) -> XDP_PASS, the kernel decides.
 * It drops nothing. DPDK may load this object itself (xdp_prog= devarg):
 * it takes the first program, finds "xsks_map" by name and reuses the maps
 * sipsteerd pinned; the knobs then keep their defaults below.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SIPSTEER_BPF_FRONT
#include "maps.bpf.h"
#include "lib/fib.h"
#include "lib/icmp.h"
#include "lib/parse.h"

/* Knobs (set between open and load; defaults are what DPDK loads). */
/* 1: ICMP errors that made an event go on to DPDK; 0: to the kernel. */
const volatile __u8 cfg_icmp_to_xsk = 1;
/* 1: replies of nat servers to clients go to DPDK (un-NAT); 0: kernel. */
const volatile __u8 cfg_nat_replies_to_xsk = 1;

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int sipsteer_pass(void)
{
	sipsteer_count(SIPSTEER_XDP_PASSED);
	return XDP_PASS;
}

static __always_inline int sipsteer_to_xsk(struct xdp_md *ctx, __u32 counter)
{
	/* The low bits of flags are the action when the queue has no socket. */
	long verdict = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	sipsteer_count(verdict == XDP_REDIRECT ? counter : SIPSTEER_XDP_NO_XSK);
	return (int)verdict;
}

static __always_inline int sipsteer_is_vip(const struct sipsteer_pkt *pkt, __be16 port)
{
	struct sipsteer_bpf_endpoint key;
	sipsteer_endpoint(&key, pkt->family, &pkt->dst, port);
	return bpf_map_lookup_elem(&SIPSTEER_MAP(front_vips), &key) != NULL;
}

/* 1 if the datagram comes from a server of a nat pool (its front_servers
 * entry names the VIP it answers for) and is addressed to someone else than
 * this host. Only a FIB answer of "unicast route" (or a route whose
 * neighbour is not resolved yet) counts as "someone else": a local address
 * is sipsteerd's probe source, and forwarding disabled on the interface
 * (BPF_FIB_LKUP_RET_FWD_DISABLED) leaves the kernel undecided, so the
 * datagram stays with the kernel rather than a probe reply being lost. */
static __always_inline int sipsteer_is_nat_reply(struct xdp_md *ctx, const struct sipsteer_pkt *pkt)
{
	if (!cfg_nat_replies_to_xsk)
		return 0;
	struct sipsteer_bpf_endpoint key;
	sipsteer_endpoint(&key, pkt->family, &pkt->src, pkt->sport);
	struct sipsteer_bpf_server_info *server = bpf_map_lookup_elem(&SIPSTEER_MAP(front_servers), &key);
	if (!server || server->vip.family != pkt->family)
		return 0; /* unknown, or a dsr server (its replies bypass us) */
	struct bpf_fib_lookup lookup;
	long fib = sipsteer_fib_udp_lookup(ctx, pkt, &lookup);
	return fib == BPF_FIB_LKUP_RET_SUCCESS || fib == BPF_FIB_LKUP_RET_NO_NEIGH;
}

static __always_inline int sipsteer_front_icmp(struct xdp_md *ctx, const struct sipsteer_pkt *pkt)
{
	struct sipsteer_event ev;
	if (sipsteer_icmp_event(ctx, pkt, &SIPSTEER_MAP(front_servers), &ev) != 0)
		return sipsteer_pass(); /* not about a server of ours: the kernel's */
	if (bpf_ringbuf_output(&SIPSTEER_MAP(front_events), &ev, sizeof(ev), 0) == 0)
		sipsteer_count(SIPSTEER_XDP_ICMP_EVENTS);
	else
		sipsteer_count(SIPSTEER_XDP_EVENTS_LOST);
	if (cfg_icmp_to_xsk)
		return sipsteer_to_xsk(ctx, SIPSTEER_XDP_REDIRECTED_SIP);
	return sipsteer_pass();
}

SEC("xdp")
int sipsteer_xdp_front(struct xdp_md *ctx)
{
	struct sipsteer_pkt pkt;
	int parsed = sipsteer_parse(ctx, &pkt);

	if (parsed == SIPSTEER_PARSE_L4 && pkt.proto == IPPROTO_UDP) {
		if (sipsteer_is_vip(&pkt, pkt.dport) || sipsteer_is_nat_reply(ctx, &pkt))
			return sipsteer_to_xsk(ctx, SIPSTEER_XDP_REDIRECTED_SIP);
	} else if (parsed == SIPSTEER_PARSE_FRAGMENT) {
		/* A first fragment still shows its port; later ones only the
		 * address, claimed by a VIP:0 entry. DPDK reassembles. */
		if ((pkt.proto == IPPROTO_UDP && pkt.dport && sipsteer_is_vip(&pkt, pkt.dport)) ||
		    sipsteer_is_vip(&pkt, 0))
			return sipsteer_to_xsk(ctx, SIPSTEER_XDP_REDIRECTED_FRAG);
	} else if (parsed == SIPSTEER_PARSE_L4) {
		return sipsteer_front_icmp(ctx, &pkt);
	}
	return sipsteer_pass();
}

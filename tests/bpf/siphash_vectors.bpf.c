/* Test-only XDP program: runs bpf/lib/siphash.h on packet bytes so the BPF
 * SipHash can be held to libsodium's. Input frame: key[16] || message;
 * output: the first 8 bytes become the hash, little-endian. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/siphash.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipsteer_scratch);
} scratch SEC(".maps");

SEC("xdp")
int siphash_vectors(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sipsteer_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return XDP_ABORTED;
	__u32 len = ctx->data_end - ctx->data;
	if (len < 16 || len > 16 + SIPSTEER_SIPHASH_MAX_LEN)
		return XDP_DROP;
	__u8 key[16];
	if (bpf_xdp_load_bytes(ctx, 0, key, 16))
		return XDP_ABORTED;
	__u32 n = len - 16;
	/* Message at offset 64 of the scratch buffer, so the masking of a
	 * start offset other than zero is exercised too. */
	__u64 m = n; /* 64-bit: no zero-extension copy between test and use */
	/* Mask in asm so clang cannot test `n` and pass a separately masked
	 * copy: the verifier needs the tested register to be the size. */
	asm volatile("%0 &= 511" : "+r"(m));
	if (m != 0 && bpf_xdp_load_bytes(ctx, 16, s->bytes + 64, m))
		return XDP_ABORTED;
	__u64 h = sipsteer_siphash(key, s, 64, n);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 8 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, &h, 8); /* BPF is little-endian on x86-64 */
	return XDP_TX;
}

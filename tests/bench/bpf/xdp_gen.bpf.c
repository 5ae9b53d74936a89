/* Benchmark traffic source: with BPF_PROG_TEST_RUN's live-frames mode the
 * kernel runs this on copies of one frame and transmits each (XDP_TX) out of
 * the given interface: an in-kernel packet generator on a veth. The sink on
 * the far side is sipsteer_bench_sink, which drops and counts. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

SEC("xdp")
int sipsteer_bench_gen(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int sipsteer_bench_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&sink_count, &zero);
	if (n)
		*n += 1;
	return XDP_DROP;
}

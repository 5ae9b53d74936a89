/* Test-only: XDP_PASS on the far ends of the test veths. A veth only takes
 * XDP_REDIRECTed frames when its peer runs NAPI, which an XDP program on the
 * peer turns on. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int sipsteer_test_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

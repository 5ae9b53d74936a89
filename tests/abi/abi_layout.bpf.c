/* The ABI compiled by clang -target bpf (the assertions are the test). */
#include "abi_layout_assertions.h"

int sipsteer_abi_layout_bpf_abi_version(void) { return SIPSTEER_ABI_VERSION; }

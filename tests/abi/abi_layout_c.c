/* The ABI compiled as plain C11 (the assertions are the test). */
#include "abi_layout_assertions.h"

int sipsteer_abi_layout_c_abi_version(void) { return SIPSTEER_ABI_VERSION; }

// EAL for unit tests: initialised once per test binary (rte_eal_init cannot
// run twice), with no hugepages, no PCI, no shared files, and one mbuf pool.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

struct rte_mempool;
struct rte_mbuf;

namespace sipsteer::dp::testing {

rte_mempool* testMbufPool();
// A single-segment mbuf holding `frame`.
rte_mbuf* toMbuf(std::span<const uint8_t> frame);
std::vector<uint8_t> fromMbuf(const rte_mbuf* m);

}  // namespace sipsteer::dp::testing

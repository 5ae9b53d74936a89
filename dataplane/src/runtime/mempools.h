// One mbuf pool per port, on that port's NUMA socket. Why per port:
// net_af_xdp registers the pool it receives into as the socket's UMEM, so
// with one shared pool every af_xdp port pins the whole pool again, and a
// NIC should receive into memory of its own socket. Sizing (auto or
// `dataplane.mbufs`) and the RLIMIT_MEMLOCK budget of AF_XDP UMEMs are
// documented in docs/dataplane.md ("Mbuf pools").
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "config/dataplane_config.h"

struct rte_mempool;

namespace sipsteer::dp {

// DPDK 22.11's af_xdp PMD puts this many mbufs in each queue's fill ring at
// setup and keeps it full (hard-coded XSK_RING_CONS__DEFAULT_NUM_DESCS).
constexpr uint32_t kAfXdpFillMbufs = 2048;
// Per-lcore mempool cache of a port pool (small: pools are small).
constexpr uint32_t kPortPoolCache = 64;

bool isAfXdp(const PortConfig& port);

// Mbufs a port's pool needs: per queue, what the RX side holds (af_xdp:
// its fill ring; other PMDs: one per RX descriptor) plus a TX ring in
// flight, plus every lcore's cache and a burst per worker in hand.
// `dataplane.mbufs`, when set, wins. DPDK-free (unit-tested).
uint32_t mbufsForPort(const DataplaneConfig& config, const PortConfig& port);

struct PortPool {
  rte_mempool* pool = nullptr;
  uint32_t mbufs = 0;
  uint64_t bytes = 0;  // object memory; what af_xdp registers as UMEM
};

// Creates one pool per configured port (config order), on the socket of the
// already probed DPDK port. Fails before any port starts when the af_xdp
// UMEMs together exceed RLIMIT_MEMLOCK and the process lacks CAP_IPC_LOCK
// (the kernel charges UMEM pages then); the message says what to change.
[[nodiscard]] std::expected<std::vector<PortPool>, std::string> createPortPools(const DataplaneConfig& config);
void freePortPools(std::vector<PortPool>& pools);

// The budget decision of createPortPools, separate for tests: an error
// naming the ports and the fixes when the af_xdp pools do not fit.
std::expected<void, std::string> checkUmemBudget(const DataplaneConfig& config, const std::vector<PortPool>& pools,
                                                 uint64_t memlock_limit, bool has_ipc_lock);

}  // namespace sipsteer::dp

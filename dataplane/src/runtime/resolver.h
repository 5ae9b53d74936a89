// Resolves next-hop MACs the dataplane needs (servers, or the configured
// gateways): once a second, for every unresolved or stale (> 60 s) entry,
// builds an ARP request or IPv6 neighbour solicitation and queues it for
// worker 0 to send. Replies are learned by the workers (pipeline_l2.cc).
// Control thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/neighbour_cache.h"
#include "runtime/pipeline.h"
#include "runtime/runtime_table.h"

struct rte_mempool;
struct rte_ring;

namespace sipsteer::dp {

class Resolver {
 public:
  // pools[i]: the mbuf pool of port index i (requests leave from its own
  // pool, so net_af_xdp sends them without a copy).
  Resolver(NeighbourCache& cache, rte_mempool* const* pools, const PipelineConfig& ports, rte_ring* const* slow_tx,
           uint64_t tsc_hz);
  void operator()(const RuntimeTable& table);
  uint64_t requestsSent() const noexcept { return sent_; }

 private:
  void request(uint16_t port_index, uint16_t slot, const RuntimeTable& table);

  NeighbourCache& cache_;
  rte_mempool* pools_[kMaxPorts] = {};
  PipelineConfig ports_;
  rte_ring* slow_tx_[kMaxPorts] = {};
  uint64_t stale_ticks_;
  uint64_t sent_ = 0;
  std::vector<uint8_t> asked_;  // per slot, this round
};

}  // namespace sipsteer::dp

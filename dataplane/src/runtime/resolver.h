// Resolves next-hop MACs the dataplane needs (servers, or the configured
// gateways) into the NeighbourCache the workers read, once a second, from
// one of two sources per port (dataplane.ports[].neighbours):
//   own:    for every unresolved or stale (> 60 s) entry, builds an ARP
//           request or IPv6 neighbour solicitation and queues it for worker
//           0 to send; the workers learn the replies (pipeline_l2.cc).
//   kernel: reads the kernel's neighbour table of the port's interface
//           (rtnetlink dump) and asks the kernel to resolve what it lacks,
//           or to revalidate a stale entry, with NTF_USE: the kernel sends
//           the ARP/NS from its own address and gets the answer (a port
//           sharing its interface with the kernel, where DPDK never sees
//           the answers: net_af_xdp behind the XDP front).
// Control thread only; never blocks (kernel_neighbours.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kernel_neighbours.h"
#include "runtime/neighbour_cache.h"
#include "runtime/pipeline.h"
#include "runtime/runtime_table.h"

struct rte_mempool;
struct rte_ring;

namespace sipsteer::dp {

// Per port: where its next-hop MACs come from.
struct PortNeighbourSource {
  bool kernel = false;  // false: own ARP/ND
  int ifindex = 0;      // kernel: the interface whose table is read
  std::string name;     // port name, for logs
  std::string iface;    // interface name, for logs
};

// What to do with one address of a kernel port this round, given its entry
// in the kernel's table (nullptr: none) and when it was last asked for.
struct KernelNeighbourStep {
  bool learn = false;  // the entry's MAC goes into the cache
  bool ask = false;    // RTM_NEWNEIGH NTF_USE: resolve it, or revalidate it
};
KernelNeighbourStep kernelNeighbourStep(const KernelNeighbour* entry, uint64_t now_tsc, uint64_t last_ask_tsc,
                                        uint64_t stale_ticks) noexcept;

class Resolver {
 public:
  // pools[i]: the mbuf pool of port index i (requests leave from its own
  // pool, so net_af_xdp sends them without a copy). sources[i]: port i's
  // source; ports beyond sources.size() resolve on their own.
  Resolver(NeighbourCache& cache, rte_mempool* const* pools, const PipelineConfig& ports, rte_ring* const* slow_tx,
           uint64_t tsc_hz, std::vector<PortNeighbourSource> sources = {});
  void operator()(const RuntimeTable& table);
  uint64_t requestsSent() const noexcept { return sent_; }         // own ARP requests / solicitations
  uint64_t kernelLookups() const noexcept { return lookups_; }     // kernel table dumps
  uint64_t kernelSolicits() const noexcept { return solicits_; }   // NTF_USE requests to the kernel
  uint64_t kernelErrors() const noexcept { return kernel_errors_; }

 private:
  void want(uint16_t port_index, uint16_t slot, const RuntimeTable& table);
  void request(uint16_t port_index, uint16_t slot, const RuntimeTable& table);
  void resolveFromKernel(uint16_t port_index);
  void report(uint16_t port_index, const std::string& what);

  NeighbourCache& cache_;
  rte_mempool* pools_[kMaxPorts] = {};
  PipelineConfig ports_;
  rte_ring* slow_tx_[kMaxPorts] = {};
  std::vector<PortNeighbourSource> sources_;
  KernelNeighbours kernel_;
  uint64_t stale_ticks_;
  uint64_t sent_ = 0;
  uint64_t lookups_ = 0;
  uint64_t solicits_ = 0;
  uint64_t kernel_errors_ = 0;
  std::vector<uint8_t> asked_;            // per slot, this round
  std::vector<uint16_t> pending_[kMaxPorts];  // kernel ports: slots to resolve this round
  std::vector<uint64_t> kicked_;          // per slot: TSC of the last NTF_USE
  uint64_t reported_[kMaxPorts] = {};     // TSC of the last error logged per port
  uint64_t suppressed_[kMaxPorts] = {};   // errors not logged since
};

}  // namespace sipsteer::dp

#include "runtime/mempools.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_eal.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace sipsteer::dp {
namespace {

constexpr int kCapIpcLock = 14;  // linux/capability.h CAP_IPC_LOCK

// The kernel skips UMEM accounting for CAP_IPC_LOCK (xdp_umem_account_pages).
bool hasIpcLock() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
    return (caps >> kCapIpcLock) & 1u;
  }
  return false;
}

// rte_pktmbuf_pool_create with mempool flags. Why: net_af_xdp registers
// populated_size x object size bytes from the pool's start as UMEM, i.e. it
// assumes objects packed back to back. Without hugepages EAL's page is 4 KiB
// and a default pool keeps every 2368-byte object inside one page (one per
// page): the UMEM then covers only the first ~58 % of the pool, and frames
// in mbufs beyond it are silently not sent (two-armed forwarding lost every
// frame on veths). RTE_MEMPOOL_F_NO_IOVA_CONTIG packs them; af_xdp does no
// DMA of its own, so nothing needs IOVA-contiguous objects.
rte_mempool* createPool(const std::string& name, uint32_t n, uint32_t cache, int socket, unsigned flags) {
  if (flags == 0)
    return rte_pktmbuf_pool_create(name.c_str(), n, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
  rte_pktmbuf_pool_private priv{};
  priv.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE;
  rte_mempool* mp = rte_mempool_create_empty(name.c_str(), n, sizeof(rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, cache,
                                             sizeof priv, socket, flags);
  if (mp == nullptr) return nullptr;
  if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), nullptr) != 0) {
    rte_mempool_free(mp);
    return nullptr;
  }
  rte_pktmbuf_pool_init(mp, &priv);
  if (rte_mempool_populate_default(mp) < 0) {
    rte_mempool_free(mp);
    return nullptr;
  }
  rte_mempool_obj_iter(mp, rte_pktmbuf_init, nullptr);
  return mp;
}

// Mbufs of `pool` lying beyond what net_af_xdp registers as UMEM (see
// createPool): frames in them would never leave.
uint32_t outsideUmem(rte_mempool* pool, uint64_t umem_bytes) {
  const rte_mempool_memhdr* first = STAILQ_FIRST(&pool->mem_list);
  if (first == nullptr) return 0;
  struct Range {
    uintptr_t start, end;
    uint32_t outside;
  } range{reinterpret_cast<uintptr_t>(first->addr), reinterpret_cast<uintptr_t>(first->addr) + umem_bytes, 0};
  rte_mempool_obj_iter(
      pool,
      [](rte_mempool* mp, void* arg, void* obj, unsigned) {
        auto* r = static_cast<Range*>(arg);
        const auto at = reinterpret_cast<uintptr_t>(obj);
        if (at < r->start || at + mp->elt_size > r->end) ++r->outside;
      },
      &range);
  return range.outside;
}

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

bool isAfXdp(const PortConfig& port) { return port.device.rfind("net_af_xdp", 0) == 0; }

uint32_t mbufsForPort(const DataplaneConfig& config, const PortConfig& port) {
  if (config.mbufs != 0) return config.mbufs;
  const uint64_t queues = config.workers;
  // af_xdp keeps its fill ring full; its TX ring has as many entries as the
  // RX ring (the PMD sizes both from rx_queue_size).
  const uint64_t rx_held = isAfXdp(port) ? kAfXdpFillMbufs : config.rx_queue_size;
  const uint64_t tx_held = isAfXdp(port) ? config.rx_queue_size : config.tx_queue_size;
  const uint64_t lcores = config.workers + 1;  // main lcore allocates ARP/NS requests
  const uint64_t caches = lcores * kPortPoolCache * 3 / 2;  // a cache may hold 1.5x its size
  const uint64_t in_hand = queues * config.burst;
  return static_cast<uint32_t>(std::min<uint64_t>(queues * (rx_held + tx_held) + caches + in_hand, UINT32_MAX));
}

std::expected<void, std::string> checkUmemBudget(const DataplaneConfig& config, const std::vector<PortPool>& pools,
                                                 uint64_t memlock_limit, bool has_ipc_lock) {
  if (has_ipc_lock || memlock_limit == RLIM_INFINITY) return {};
  uint64_t total = 0;
  std::string which;
  for (size_t i = 0; i < pools.size() && i < config.ports.size(); ++i) {
    if (!isAfXdp(config.ports[i])) continue;
    total += pools[i].bytes + 4096;  // the PMD page-aligns the UMEM start
    which += (which.empty() ? "" : ", ") + config.ports[i].name + " " + std::to_string(pools[i].mbufs) +
             " mbufs = " + mib(pools[i].bytes);
  }
  if (total <= memlock_limit) return {};
  return std::unexpected(
      "net_af_xdp registers each port's mbuf pool as UMEM, charged to RLIMIT_MEMLOCK without CAP_IPC_LOCK: " +
      which + ", " + mib(total) + " in all, limit " + mib(memlock_limit) +
      ". Grant CAP_IPC_LOCK (root has it; systemd: AmbientCapabilities=CAP_IPC_LOCK), raise LimitMEMLOCK, or "
      "lower dataplane.mbufs (at least " +
      std::to_string(kAfXdpFillMbufs) + " per queue + a TX ring; see docs/dataplane.md, Mbuf pools)");
}

std::expected<std::vector<PortPool>, std::string> createPortPools(const DataplaneConfig& config) {
  std::vector<PortPool> pools;
  for (size_t i = 0; i < config.ports.size(); ++i) {
    const PortConfig& pc = config.ports[i];
    const std::string name = pc.device.substr(0, pc.device.find(','));
    uint16_t port_id = 0;
    int socket = SOCKET_ID_ANY;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &port_id) == 0) socket = rte_eth_dev_socket_id(port_id);
    if (socket < 0) socket = SOCKET_ID_ANY;
    PortPool p;
    p.mbufs = mbufsForPort(config, pc);
    const uint32_t cache = std::min<uint32_t>(kPortPoolCache, p.mbufs / 4);
    const unsigned flags = isAfXdp(pc) && !rte_eal_has_hugepages() ? RTE_MEMPOOL_F_NO_IOVA_CONTIG : 0;
    p.pool = createPool("dp_mbufs" + std::to_string(i), p.mbufs, cache, socket, flags);
    if (p.pool == nullptr) {
      freePortPools(pools);
      return std::unexpected("port " + pc.name + ": mbuf pool of " + std::to_string(p.mbufs) +
                             " mbufs: " + rte_strerror(rte_errno) + " (raise -m in eal_args or lower dataplane.mbufs)");
    }
    p.bytes = static_cast<uint64_t>(p.pool->populated_size) *
              rte_mempool_calc_obj_size(p.pool->elt_size, p.pool->flags, nullptr);
    pools.push_back(p);
    if (!isAfXdp(pc)) continue;
    if (const uint32_t lost = outsideUmem(p.pool, p.bytes); lost != 0) {
      const std::string message = "port " + pc.name + ": " + std::to_string(lost) + " of " + std::to_string(p.mbufs) +
                                  " mbufs lie outside the UMEM net_af_xdp registers; frames in them would be lost";
      freePortPools(pools);
      return std::unexpected(message);
    }
  }
  rlimit limit{};
  getrlimit(RLIMIT_MEMLOCK, &limit);
  if (auto ok = checkUmemBudget(config, pools, limit.rlim_cur, hasIpcLock()); !ok) {
    freePortPools(pools);
    return std::unexpected(ok.error());
  }
  return pools;
}

void freePortPools(std::vector<PortPool>& pools) {
  for (PortPool& p : pools) rte_mempool_free(p.pool);
  pools.clear();
}

}  // namespace sipsteer::dp

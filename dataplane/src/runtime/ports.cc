#include "runtime/ports.h"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cstring>

namespace sipsteer::dp {
namespace {

std::string portError(const PortConfig& p, const std::string& what, int rc) {
  return "port " + p.name + " (" + p.device + ", config line " + std::to_string(p.line) + "): " + what + ": " +
         rte_strerror(rc < 0 ? -rc : rc);
}

}  // namespace

std::expected<std::vector<PortInfo>, std::string> startPorts(const DataplaneConfig& config,
                                                             const std::vector<PortPool>& pools) {
  std::vector<PortInfo> out;
  const uint16_t queues = static_cast<uint16_t>(config.workers);
  for (size_t index = 0; index < config.ports.size(); ++index) {
    const PortConfig& pc = config.ports[index];
    rte_mempool* pool = pools.at(index).pool;
    // vdevs ("net_af_packet0,iface=x") were handed to EAL as --vdev; the
    // port name is the part before the first comma. PCI devices by address.
    const std::string name = pc.device.substr(0, pc.device.find(','));
    uint16_t port_id = 0;
    int rc = rte_eth_dev_get_port_by_name(name.c_str(), &port_id);
    if (rc != 0) return std::unexpected(portError(pc, "no such DPDK port '" + name + "'", rc));
    rte_eth_dev_info info{};
    rc = rte_eth_dev_info_get(port_id, &info);
    if (rc != 0) return std::unexpected(portError(pc, "rte_eth_dev_info_get", rc));
    if (info.max_rx_queues < queues || info.max_tx_queues < queues)
      return std::unexpected(portError(pc, "device offers " + std::to_string(info.max_rx_queues) +
                                               " queues, " + std::to_string(queues) +
                                               " workers need one each (af_packet: qpairs=N)",
                                       -EINVAL));
    rte_eth_conf conf{};
    if (queues > 1) {
      const uint64_t wanted = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP;
      if ((info.flow_type_rss_offloads & wanted) != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & wanted;
      }
    }
    rc = rte_eth_dev_configure(port_id, queues, queues, &conf);
    if (rc != 0) return std::unexpected(portError(pc, "rte_eth_dev_configure", rc));
    uint16_t rxd = config.rx_queue_size, txd = config.tx_queue_size;
    rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
    const int socket = rte_eth_dev_socket_id(port_id);
    for (uint16_t q = 0; q < queues; ++q) {
      rc = rte_eth_rx_queue_setup(port_id, q, rxd, socket < 0 ? SOCKET_ID_ANY : socket, nullptr, pool);
      if (rc != 0) return std::unexpected(portError(pc, "rx queue " + std::to_string(q), rc));
      rc = rte_eth_tx_queue_setup(port_id, q, txd, socket < 0 ? SOCKET_ID_ANY : socket, nullptr);
      if (rc != 0) return std::unexpected(portError(pc, "tx queue " + std::to_string(q), rc));
    }
    rc = rte_eth_dev_start(port_id);
    if (rc != 0) return std::unexpected(portError(pc, "rte_eth_dev_start", rc));
    // VIPs are not the port's MAC-level identity on every PMD; promiscuous
    // mode lets ARP-attracted traffic in wherever it is addressed.
    rte_eth_promiscuous_enable(port_id);
    PortInfo p;
    p.port_id = port_id;
    p.role = static_cast<PortRole>(pc.role);
    rte_ether_addr mac{};
    rte_eth_macaddr_get(port_id, &mac);
    std::memcpy(p.mac, mac.addr_bytes, 6);
    if (pc.ipv4) {
      p.has_ipv4 = true;
      p.ipv4 = pc.ipv4->addr;
    }
    if (pc.ipv6) {
      p.has_ipv6 = true;
      p.ipv6 = pc.ipv6->addr;
    }
    out.push_back(p);
  }
  return out;
}

void stopPorts(const std::vector<PortInfo>& ports) {
  for (const PortInfo& p : ports) {
    rte_eth_dev_stop(p.port_id);
    rte_eth_dev_close(p.port_id);
  }
}

}  // namespace sipsteer::dp

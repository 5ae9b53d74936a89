// The `dataplane:` section of the sipsteer YAML config, typed and validated.
// DPDK-free so sipsteerd can link it and validate the whole file with
// --check-config. Keys and defaults are documented in docs/dataplane.md.
// Everything here is startup-only: changing it needs a sipsteer-dp restart
// (the forwarding table, which carries VIPs and servers, is what changes at
// runtime, over the control socket).
#pragma once

#include <sipsteer/abi/common.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace sipsteer::dp {

enum class PortRoleConfig : uint8_t { kClient = 1, kServer = 2, kBoth = 3 };

// Where a port's next-hop MACs (servers, gateways) come from.
//   kOwn:    sipsteer-dp's own ARP requests / neighbour solicitations; the
//            workers learn the answers (the port owns its interface).
//   kKernel: the kernel's neighbour table of the port's interface (iface=),
//            which the kernel is asked to fill (NTF_USE). For a port that
//            shares its interface with the kernel, where the answers go to
//            the kernel, not to DPDK (net_af_xdp with the XDP front).
enum class NeighbourSource : uint8_t { kOwn = 1, kKernel = 2 };

// The `iface=` of a vdev device string ("net_af_xdp0,iface=eth1,..."); empty
// when there is none (a PCI address, or a vdev without it).
std::string deviceInterface(const std::string& device);
// Whether `device` is net_af_xdp with the XDP front (xdp_prog=): the kernel
// keeps the interface, and ARP/ND answers reach it, not DPDK.
bool sharesInterfaceWithKernel(const std::string& device);

struct AddressConfig {
  uint8_t family = 0;  // SIPSTEER_FAMILY_*
  union sipsteer_addr addr {};
  uint8_t prefix = 0;
};

struct PortConfig {
  std::string name;    // label in counters and logs
  std::string device;  // DPDK device: PCI address or vdev args ("net_af_packet0,iface=eth1")
  PortRoleConfig role = PortRoleConfig::kBoth;
  std::optional<AddressConfig> ipv4;  // own address/prefix (answers ARP, sources ARP requests)
  std::optional<AddressConfig> ipv6;
  std::optional<AddressConfig> gateway4;  // next hop for everything off-link on this port
  std::optional<AddressConfig> gateway6;
  // `neighbours: kernel|own`; default kernel when sharesInterfaceWithKernel(device).
  NeighbourSource neighbours = NeighbourSource::kOwn;
  std::string iface;  // deviceInterface(device): where kernel neighbours are looked up
  int line = 0;
};

struct AffinityConfig {
  uint32_t max_dialogs = 1u << 20;
  uint32_t idle_timeout_s = 7200;  // a dialog without packets for 2 h is gone
  uint32_t after_bye_s = 32;       // 64*T1: lets BYE/200 retransmissions through
};

struct FragmentConfig {
  uint32_t max_flows = 4096;
  uint32_t timeout_ms = 2000;
};

struct DataplaneConfig {
  std::vector<std::string> eal_args;  // passed to rte_eal_init after argv[0]
  std::vector<PortConfig> ports;
  uint32_t workers = 1;  // worker lcores (EAL must offer this many besides main)
  uint16_t rx_queue_size = 1024;
  uint16_t tx_queue_size = 1024;
  uint16_t burst = 32;
  uint32_t mbufs = 0;  // mbufs in each port's pool; 0 = sized per port (runtime/mempools.h)
  uint32_t idle_polls = 64;        // empty polls before the worker sleeps
  uint32_t idle_backoff_us = 100;  // sleep per idle round; 0 = busy poll
  AffinityConfig affinity;
  FragmentConfig fragments;
  std::string control_socket = "/run/sipsteer/dataplane.sock";
  uint32_t unanswered_window_ms = 2000;
  uint32_t max_sip_size = 8192;
  uint32_t local_down_hold_ms = 5000;  // ICMP-marked server stays down locally this long
  bool verify_checksums = true;     // software IPv4/UDP/ICMP checks when the NIC did not
  // Software UDP checksum check (needs verify_checksums too). false trusts
  // the UDP checksum unverified when the NIC gave no verdict: the costliest
  // check (it reads the whole datagram); forwarded checksums stay consistent
  // (docs/dataplane.md, "Checksums").
  bool verify_udp_checksum = true;
};

// Parses and validates `section` (the node under `dataplane:`). Errors name
// "file:line: dataplane.key: problem".
std::expected<DataplaneConfig, std::string> parseDataplaneConfig(const YAML::Node& section,
                                                                 const std::string& file);

// Loads `file` and parses its `dataplane:` section (missing section: defaults).
std::expected<DataplaneConfig, std::string> loadDataplaneConfig(const std::string& file);

}  // namespace sipsteer::dp

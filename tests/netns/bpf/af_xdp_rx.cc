// A minimal DPDK consumer of the XDP front, standing in for sipsteer-dp in
// the front test: one net_af_xdp port (xdp_prog= the front object, so DPDK
// loads it itself, as in production), counts the SIP datagrams it receives
// for a while, prints "ready" once started and "sip=N other=M" at the end.
//   af_xdp_rx <iface> <xdp_prog object> <seconds>
// Bounded in time; idles with a sleep between empty polls.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool isSip(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t len = rte_pktmbuf_data_len(m);
  if (len < 14 + 20 + 8 || p[12] != 0x08 || p[13] != 0x00 || p[23] != 17) return false;
  const uint32_t ihl = (p[14] & 0x0f) * 4u;
  if (len < 14 + ihl + 8) return false;
  const uint16_t dport = static_cast<uint16_t>(p[14 + ihl + 2] << 8 | p[14 + ihl + 3]);
  return dport == 5060;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: af_xdp_rx <iface> <xdp_prog object> <seconds>\n");
    return 2;
  }
  const std::string vdev = std::string("net_af_xdp0,iface=") + argv[1] +
                           ",start_queue=0,queue_count=1,busy_budget=0,xdp_prog=" + argv[2];
  const std::string prefix = "--file-prefix=ssafx" + std::to_string(getpid());
  std::vector<std::string> args = {"af_xdp_rx", "-l", "0", "--no-huge", "--no-pci", "-m", "64",
                                   "--no-shconf", prefix, "--vdev", vdev, "--log-level", std::getenv("SIPSTEER_DPDK_LOG") ? std::getenv("SIPSTEER_DPDK_LOG") : "*:warning"};
  std::vector<char*> eal;
  for (auto& a : args) eal.push_back(a.data());
  if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) {
    std::fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  // The UMEM is the mempool and counts against the 8 MiB RLIMIT_MEMLOCK;
  // the PMD puts 2048 mbufs in the fill queue at setup, so a little more.
  rte_mempool* pool = rte_pktmbuf_pool_create("rx", 2600, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  if (!pool) {
    std::fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  const uint16_t port = 0;
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
      rte_eth_rx_queue_setup(port, 0, 512, 0, nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(port, 0, 512, 0, nullptr) != 0 || rte_eth_dev_start(port) != 0) {
    std::fprintf(stderr, "port setup failed\n");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  unsigned sip = 0, other = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
  rte_mbuf* bufs[32];
  while (std::chrono::steady_clock::now() < end) {
    const uint16_t n = rte_eth_rx_burst(port, 0, bufs, 32);
    for (uint16_t i = 0; i < n; ++i) {
      (isSip(bufs[i]) ? sip : other)++;
      rte_pktmbuf_free(bufs[i]);
    }
    if (n == 0) usleep(200);
  }
  std::printf("sip=%u other=%u\n", sip, other);
  std::fflush(stdout);
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
  rte_eal_cleanup();
  return 0;
}

#include "eal_environment.h"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace sipsteer::dp::testing {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // --no-shconf and a per-process file prefix: parallel test binaries
    // (ctest -j) never share state. (--in-memory is refused with --no-huge,
    // which implies legacy memory.)
    const std::string prefix = "--file-prefix=sipsteer_unit_" + std::to_string(::getpid());
    const char* args[] = {"dataplane_dpdk_test", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
                          "--no-telemetry", "--log-level=error", "-l", "0", prefix.c_str()};
    int argc = static_cast<int>(sizeof args / sizeof args[0]);
    if (rte_eal_init(argc, const_cast<char**>(args)) < 0) {
      std::fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
      std::abort();
    }
    g_pool = rte_pktmbuf_pool_create("unit_pool", 4095, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "rte_pktmbuf_pool_create: %s\n", rte_strerror(rte_errno));
      std::abort();
    }
  }
  void TearDown() override {
    rte_mempool_free(g_pool);
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    // EAL leaves its (empty) runtime directory behind; tests leave nothing.
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
  }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

}  // namespace

rte_mempool* testMbufPool() { return g_pool; }

rte_mbuf* toMbuf(std::span<const uint8_t> frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) return nullptr;
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(data, frame.data(), frame.size());
  return m;
}

std::vector<uint8_t> fromMbuf(const rte_mbuf* m) {
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
  return {data, data + rte_pktmbuf_data_len(m)};
}

}  // namespace sipsteer::dp::testing

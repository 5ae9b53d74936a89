// The XDP front with DPDK's net_af_xdp PMD on a veth: sipsteerd's part
// (FrontProgram::load pins the maps under /sys/fs/bpf, fills the VIPs) and
// DPDK's part (xdp_prog=xdp_front.bpf.o: DPDK loads and attaches the object
// itself, finds xsks_map, reuses the pinned maps). SIP for the VIP reaches
// the DPDK port; UDP and TCP to the same interface still reach the kernel.
// /sys/fs/bpf is a bpffs mounted in the test's private mount namespace.
#include <gtest/gtest.h>
#include <poll.h>
#include <sipsteer_bpf/front.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/kernel_listeners.h"

namespace sipsteer::bpftest {
namespace {

class FrontDpdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    // DPDK's libbpf pins and reuses under the default root, /sys/fs/bpf.
    ASSERT_EQ(mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr), 0) << "bpffs on /sys/fs/bpf";
    // DPDK's runtime directory, private too, so no run leaves files behind.
    ASSERT_TRUE(sh("mkdir -p /var/run/dpdk"));
    ASSERT_EQ(mount("tmpfs", "/var/run/dpdk", "tmpfs", 0, "size=1m"), 0);
    peer_ = "ssdpk" + std::to_string(getpid());
    ASSERT_TRUE(sh("ip link add sdv0 type veth peer name sdv1 && ip netns add " + peer_ +
                   " && ip link set sdv1 netns " + peer_));
    ASSERT_TRUE(sh("ip addr add 198.18.0.10/24 dev sdv0 && ip link set sdv0 up"));
    ASSERT_TRUE(sh("ip -n " + peer_ + " addr add 198.18.0.1/24 dev sdv1 && ip -n " + peer_ +
                   " link set sdv1 up"));
  }
  void TearDown() override {
    sh("ip link del sdv0");
    sh("ip netns del " + peer_);
    umount2("/sys/fs/bpf", MNT_DETACH);
    umount2("/var/run/dpdk", MNT_DETACH);
  }
  bool peer(const std::string& cmd) { return sh("ip netns exec " + peer_ + " bash -c '" + cmd + "'"); }
  std::string peer_;
};

TEST_F(FrontDpdkTest, SipReachesDpdkOtherTrafficTheKernel) {
  bpf::FrontOptions options;  // default sizes: DPDK's load must reuse the pins
  options.pin_root = "/sys/fs/bpf";
  auto front = bpf::FrontProgram::load(options);
  ASSERT_TRUE(front.has_value()) << front.error().message;
  ASSERT_TRUE((*front)->addVip(endpoint("198.18.0.10", 5060)).has_value());

  const std::string cmd = std::string(SIPSTEER_AF_XDP_RX) + " sdv0 " + SIPSTEER_BPF_OBJECT_DIR +
                          "/xdp_front.bpf.o 6 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> dpdk(popen(cmd.c_str(), "r"), pclose);
  ASSERT_NE(dpdk, nullptr);
  char line[512];
  std::string output;
  bool ready = false;
  while (!ready && std::fgets(line, sizeof(line), dpdk.get())) {
    output += line;
    ready = std::string(line) == "ready\n";
  }
  ASSERT_TRUE(ready) << "DPDK did not start:\n" << output;

  const KernelListeners kernel("198.18.0.10", 5070, 2222);
  ASSERT_EQ(kernel.error(), "");

  ASSERT_TRUE(peer("for i in 1 2 3 4 5 6 7 8 9 10; do echo -n \"OPTIONS sip:x SIP/2.0 Call-ID: dpdk-$i\" "
                   "> /dev/udp/198.18.0.10/5060; done"));
  ASSERT_TRUE(peer("echo -n hello-kernel > /dev/udp/198.18.0.10/5070"));
  pollfd pfd{kernel.udp(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1) << "UDP to a non-SIP port reaches the kernel";
  char buf[64] = {};
  EXPECT_EQ(recv(kernel.udp(), buf, sizeof(buf), 0), 12);
  ASSERT_TRUE(peer("exec 3<>/dev/tcp/198.18.0.10/2222 && echo -n ssh-like >&3 && exec 3>&-"));
  pfd = pollfd{kernel.tcp(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1) << "TCP (management, SSH) reaches the kernel";
  const int conn = accept(kernel.tcp(), nullptr, nullptr);
  ASSERT_GE(conn, 0);
  close(conn);

  // DPDK runs its 6 seconds and reports.
  std::string report;
  while (std::fgets(line, sizeof(line), dpdk.get())) report += line;
  EXPECT_NE(report.find("sip=10 other=0"), std::string::npos) << report;
  EXPECT_EQ(pclose(dpdk.release()), 0) << report;

  // DPDK's instance of the program counted into the pinned map we read.
  auto counters = (*front)->counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ((*counters)[SIPSTEER_XDP_REDIRECTED_SIP], 10u);
  EXPECT_EQ((*counters)[SIPSTEER_XDP_NO_XSK], 0u);
  EXPECT_GE((*counters)[SIPSTEER_XDP_PASSED], 3u);
}

}  // namespace
}  // namespace sipsteer::bpftest

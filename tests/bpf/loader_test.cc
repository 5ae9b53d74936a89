// The loader on real interfaces: attach (native, generic fallback), refuse
// to replace a program, clean detach, clear errors; and the kernel-side
// story of the XDP front on a veth: SIP for the VIP reaches the AF_XDP
// socket while unrelated UDP and TCP on the same interface reach the kernel.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <sipsteer_bpf/front.h>
#include <sipsteer_bpf/steer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/kernel_listeners.h"
#include "bpf/xsk_socket.h"

namespace sipsteer::bpftest {
namespace {

using bpf::AttachMode;
using bpf::FrontOptions;
using bpf::FrontProgram;
using bpf::SteerOptions;
using bpf::SteerProgram;

uint32_t attachedProgId(const char* ifname, bool generic) {
  bpf_xdp_query_opts query{};
  query.sz = sizeof(query);
  if (bpf_xdp_query(static_cast<int>(if_nametoindex(ifname)),
                    generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE, &query) != 0)
    return 0;
  return generic ? query.skb_prog_id : query.drv_prog_id;
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(enterPrivateNamespaces(), "");
    ASSERT_TRUE(pins_.ok());
    peer_ = "sspeer" + std::to_string(getpid());
    sh("ip link del slv0");
    ASSERT_TRUE(sh("ip link add slv0 type veth peer name slv1"));
    ASSERT_TRUE(sh("ip netns add " + peer_));
    ASSERT_TRUE(sh("ip link set slv1 netns " + peer_));
    ASSERT_TRUE(sh("ip addr add 198.18.0.10/24 dev slv0 && ip link set slv0 up"));
    ASSERT_TRUE(sh("ip netns exec " + peer_ + " sh -c 'ip addr add 198.18.0.1/24 dev slv1 && "
                   "ip link set slv1 up && ip link set lo up'"));
  }
  void TearDown() override {
    sh("ip link del slv0");
    sh("ip netns del " + peer_);
  }

  std::unique_ptr<FrontProgram> loadFront() {
    FrontOptions options;
    options.pin_root = pins_.path();
    options.event_ring_bytes = 16 * 1024;
    auto front = FrontProgram::load(options);
    EXPECT_TRUE(front.has_value()) << front.error().message;
    return front ? std::move(*front) : nullptr;
  }

  bool peer(const std::string& cmd) { return sh("ip netns exec " + peer_ + " bash -c '" + cmd + "'"); }

  TempBpffs pins_;
  std::string peer_;
};

TEST_F(LoaderTest, FrontAttachesNativelyAndDetachesCleanly) {
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  auto attached = front->attach("slv0", AttachMode::kAuto);
  ASSERT_TRUE(attached.has_value()) << attached.error().message;
  EXPECT_EQ(front->attachment().mode(), AttachMode::kNative) << "veth supports native XDP";
  EXPECT_EQ(front->attachment().warning(), "");
  EXPECT_NE(attachedProgId("slv0", false), 0u);
  ASSERT_TRUE(front->detach().has_value());
  EXPECT_EQ(attachedProgId("slv0", false), 0u);
  ASSERT_TRUE(front->attach("slv0", AttachMode::kAuto).has_value());
  front.reset();  // destruction detaches too
  EXPECT_EQ(attachedProgId("slv0", false), 0u);
}

TEST_F(LoaderTest, GenericModeOnRequest) {
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  ASSERT_TRUE(front->attach("slv0", AttachMode::kGeneric).has_value());
  EXPECT_EQ(front->attachment().mode(), AttachMode::kGeneric);
  EXPECT_NE(attachedProgId("slv0", true), 0u);
  ASSERT_TRUE(front->detach().has_value());
  EXPECT_EQ(attachedProgId("slv0", true), 0u);
}

TEST_F(LoaderTest, AutoFallsBackToGenericWithAWarning) {
  // Loopback (the test namespace's own) has no driver XDP: kAuto must
  // fall back and say so.
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  auto native = front->attach("lo", AttachMode::kNative);
  ASSERT_FALSE(native.has_value()) << "native forced on a driver without XDP";
  EXPECT_NE(native.error().message.find("native"), std::string::npos) << native.error().message;
  ASSERT_TRUE(front->attach("lo", AttachMode::kAuto).has_value());
  EXPECT_EQ(front->attachment().mode(), AttachMode::kGeneric);
  EXPECT_NE(front->attachment().warning().find("generic"), std::string::npos)
      << front->attachment().warning();
  EXPECT_NE(attachedProgId("lo", true), 0u);
  front.reset();
  EXPECT_EQ(attachedProgId("lo", true), 0u) << "detached on destruction";
  sh("ip link del sldum0");
}

TEST_F(LoaderTest, RefusesToReplaceAnotherProgramAndSaysWhere) {
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  ASSERT_TRUE(front->attach("slv0", AttachMode::kAuto).has_value());
  SteerOptions options;
  options.pin_root = pins_.path();
  options.table_bytes = 16 * 1024;
  auto steer = SteerProgram::load(options);
  ASSERT_TRUE(steer.has_value()) << steer.error().message;
  auto second = (*steer)->attach("slv0", AttachMode::kAuto);
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("xdp_steer"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("slv0"), std::string::npos) << second.error().message;
  // The front is still the one attached, and stays so when the steer goes.
  const uint32_t id = attachedProgId("slv0", false);
  steer->reset();
  EXPECT_EQ(attachedProgId("slv0", false), id);
}

TEST_F(LoaderTest, ClearErrorsForMissingInterfaceAndBadPinRoot) {
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  auto missing = front->attach("nosuchif0", AttachMode::kAuto);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nosuchif0"), std::string::npos);

  FrontOptions options;
  options.pin_root = "/tmp";
  auto bad = FrontProgram::load(options);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("not a bpffs"), std::string::npos) << bad.error().message;
}

TEST_F(LoaderTest, PinnedMapsAreReusedByASecondLoad) {
  // What DPDK's own load of xdp_front.bpf.o relies on: a second object load
  // with the same pin root shares the VIP map the first one filled.
  // DPDK loads the object with its default map sizes, so the pinned maps
  // must have them: a front shared with DPDK keeps FrontOptions defaults.
  FrontOptions options;
  options.pin_root = pins_.path();
  auto first = FrontProgram::load(options);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE((*first)->addVip(endpoint("198.18.0.10", 5060)).has_value());
  bpf_object_open_opts opts{};
  opts.sz = sizeof(opts);
  opts.pin_root_path = pins_.path().c_str();
  std::unique_ptr<bpf_object, void (*)(bpf_object*)> owner(
      bpf_object__open_file(SIPSTEER_BPF_OBJECT_DIR "/xdp_front.bpf.o", &opts), bpf_object__close);
  bpf_object* obj = owner.get();
  ASSERT_NE(obj, nullptr);
  ASSERT_EQ(bpf_object__load(obj), 0);
  bpf_map* vips = bpf_object__find_map_by_name(obj, SIPSTEER_MAP_NAME(front_vips));
  ASSERT_NE(vips, nullptr);
  ASSERT_NE(bpf_object__find_map_by_name(obj, "xsks_map"), nullptr) << "DPDK looks it up by name";
  sipsteer_bpf_endpoint key = endpoint("198.18.0.10", 5060);
  sipsteer_bpf_vip_info info{};
  EXPECT_EQ(bpf_map_lookup_elem(bpf_map__fd(vips), &key, &info), 0);
}

// The kernel-side part of the net_af_xdp story, with a test AF_XDP socket
// standing in for DPDK's.
TEST_F(LoaderTest, FrontOnVethSendsSipToXskAndEverythingElseToTheKernel) {
  auto front = loadFront();
  ASSERT_NE(front, nullptr);
  ASSERT_TRUE(front->addVip(endpoint("198.18.0.10", 5060)).has_value());
  XskSocket xsk("slv0", 0);
  ASSERT_TRUE(xsk.ok()) << xsk.error();
  ASSERT_TRUE(front->setXsk(0, xsk.fd()).has_value());
  ASSERT_TRUE(front->attach("slv0", AttachMode::kNative).has_value());

  // Kernel sockets on the same address: UDP 5070 and TCP 2222.
  const KernelListeners kernel("198.18.0.10", 5070, 2222);
  ASSERT_EQ(kernel.error(), "");

  // SIP from the peer (ARP for 198.18.0.10 goes through the front first).
  // One write, one datagram (bash's printf may write a format in pieces).
  ASSERT_TRUE(peer("echo -n \"OPTIONS sip:x SIP/2.0 Call-ID: veth-1\" > /dev/udp/198.18.0.10/5060"));
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 20 && frames.empty(); ++i) frames = xsk.receive(100);
  ASSERT_EQ(frames.size(), 1u) << "the SIP datagram reached the AF_XDP socket";
  ASSERT_GT(frames[0].size(), 42u);
  const std::string payload(frames[0].begin() + 42, frames[0].end());
  EXPECT_NE(payload.find("Call-ID: veth-1"), std::string::npos);

  // Unrelated UDP on the same interface reaches the kernel socket.
  ASSERT_TRUE(peer("echo -n hello-kernel > /dev/udp/198.18.0.10/5070"));
  pollfd pfd{kernel.udp(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1);
  char buf[64] = {};
  EXPECT_EQ(recv(kernel.udp(), buf, sizeof(buf), 0), 12);
  EXPECT_STREQ(buf, "hello-kernel");

  // And a TCP exchange too (the management/SSH case).
  ASSERT_TRUE(peer("exec 3<>/dev/tcp/198.18.0.10/2222 && echo -n ssh-like >&3 && exec 3>&-"));
  pfd = pollfd{kernel.tcp(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1);
  const int conn = accept(kernel.tcp(), nullptr, nullptr);
  ASSERT_GE(conn, 0);
  pfd = pollfd{conn, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1);
  char tbuf[16] = {};
  EXPECT_EQ(recv(conn, tbuf, sizeof(tbuf), 0), 8);
  EXPECT_STREQ(tbuf, "ssh-like");
  close(conn);
  EXPECT_TRUE(xsk.receive(50).empty()) << "nothing but SIP went to the socket";

  auto counters = front->counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ((*counters)[SIPSTEER_XDP_REDIRECTED_SIP], 1u);
  EXPECT_GE((*counters)[SIPSTEER_XDP_PASSED], 4u) << "ARP, UDP, TCP handshake and data";
}

// The hint of a refused load names what the process lacks, also for uid 0
// (a systemd unit's bounding set leaves root with only what it lists).
TEST(LoaderCapabilityHintTest, NamesTheMissingCapabilities) {
  constexpr uint64_t kNetAdmin = 1ull << 12, kSysAdmin = 1ull << 21, kPerfmon = 1ull << 38, kBpf = 1ull << 39;
  EXPECT_EQ(bpf::missingBpfCapabilities(kNetAdmin | kPerfmon | kBpf), "");
  EXPECT_EQ(bpf::missingBpfCapabilities(kNetAdmin | kSysAdmin), "");  // kernels before 5.8
  EXPECT_EQ(bpf::missingBpfCapabilities(kNetAdmin | kPerfmon), "CAP_BPF");
  EXPECT_EQ(bpf::missingBpfCapabilities(kNetAdmin | kBpf), "CAP_PERFMON");
  EXPECT_EQ(bpf::missingBpfCapabilities(kPerfmon | kBpf), "CAP_NET_ADMIN");
  EXPECT_EQ(bpf::missingBpfCapabilities(0), "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN");
  EXPECT_EQ(bpf::missingBpfCapabilities(~uint64_t{0}), "");
}

TEST(LoaderCapabilityHintTest, PermissionErrorsSayWhatIsMissingOthersDoNot) {
  if (!bpf::missingBpfCapabilities(bpf::effectiveCapabilities()).empty())
    GTEST_SKIP() << "runs with reduced capabilities; the hint would (rightly) blame them";
  EXPECT_EQ(bpf::makeError("load", -EPERM).message.find("lacks"), std::string::npos);
  EXPECT_NE(bpf::makeError("load", -EPERM).message.find("seccomp"), std::string::npos);
  EXPECT_EQ(bpf::makeError("load", -EINVAL).message, "load: Invalid argument");
}

}  // namespace
}  // namespace sipsteer::bpftest

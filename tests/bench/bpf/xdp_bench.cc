// XDP figures. Reports, never asserts.
//   ns/packet: BPF_PROG_TEST_RUN with repeat (the kernel's own per-run mean)
//     for the front (SIP redirect, pass) and the steering program (nat, dsr,
//     source fallback after a full scan, pass);
//   pps: the steering program attached natively to a veth, fed by a
//     live-frames generator on the peer (XDP_TX), dsr rewrite + XDP_TX back
//     to a counting sink. Same veths and traffic a DPDK run would use.
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <sipsteer/core/table_builder.h>
#include <sipsteer_bpf/front.h>
#include <sipsteer_bpf/steer.h>

#include <sys/mount.h>

#include <cstdio>
#include <memory>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/steer_table.h"
#include "bpf/xsk_socket.h"

namespace sipsteer::bpftest {
namespace {

constexpr uint32_t kRepeat = 20000;

Frame sipFrame(const char* dst, const std::string& call_id_line) {
  UdpSpec s;
  s.src = Ip::parse("198.18.1.1");
  s.dst = Ip::parse(dst);
  s.sport = 5062;
  s.payload = sipRequest(call_id_line);
  return udpFrame(s);
}

struct Programs {
  TempBpffs pins;
  std::unique_ptr<bpf::FrontProgram> front;
  std::unique_ptr<bpf::SteerProgram> steer;
  std::unique_ptr<XskSocket> xsk;
  uint32_t ifindex = 0;
  std::string error;

  Programs() {
    if (!(error = enterPrivateNamespaces()).empty()) return;
    sh("ip link add sbx0 type veth peer name sbx1 && ip link set sbx0 up && ip link set sbx1 up");
    ifindex = if_nametoindex("sbx0");
    bpf::FrontOptions fo;
    fo.pin_root = pins.path();
    auto f = bpf::FrontProgram::load(fo);
    if (!f) { error = f.error().message; return; }
    front = std::move(*f);
    (void)front->addVip(endpoint("198.18.0.10", 5060));
    xsk = std::make_unique<XskSocket>("sbx0", 0);
    if (xsk->ok()) (void)front->setXsk(0, xsk->fd());
    bpf::SteerOptions so;
    so.pin_root = pins.path();
    so.table_bytes = 64 * 1024;
    auto s = bpf::SteerProgram::load(so);
    if (!s) { error = s.error().message; return; }
    steer = std::move(*s);
    auto blob = core::buildTable(testTableSpec(1));
    if (!blob) { error = blob.error(); return; }
    if (auto ok = steer->publish(*blob); !ok) error = ok.error().message;
  }
};

Programs& programs() {
  static Programs p;
  return p;
}

void runRepeat(benchmark::State& state, int prog_fd, const Frame& frame, uint32_t ifindex) {
  double ns = 0;
  for (auto _ : state) {
    XdpRun run = runXdp(prog_fd, frame, ifindex, 0, kRepeat);
    if (run.err != 0) {
      state.SkipWithError("BPF_PROG_TEST_RUN failed");
      return;
    }
    ns = run.duration_ns;
    state.SetIterationTime(ns * kRepeat / 1e9);
  }
  state.counters["ns_per_pkt"] = ns;
  state.counters["Mpps_1cpu"] = ns > 0 ? 1e3 / ns : 0;
}

#define SIPSTEER_NEED_PROGRAMS(state)                          \
  if (!programs().error.empty()) {                             \
    state.SkipWithError(programs().error.c_str());             \
    return;                                                    \
  }

void BM_FrontSipToXsk(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  runRepeat(state, programs().front->programFd(), sipFrame("198.18.0.10", "Call-ID: bench-1"),
            programs().ifindex);
}
void BM_FrontPassToKernel(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  runRepeat(state, programs().front->programFd(), sipFrame("198.18.0.99", "Call-ID: bench-1"),
            programs().ifindex);
}
// (No nat figure in repeat mode: the kernel re-runs the program on the
// same buffer, and after the first nat rewrite the frame is no longer for
// the VIP. dsr leaves the IP header alone, so every repeat does the work;
// nat adds the address/port/TTL rewrite with incremental checksums.)
void BM_SteerDsrCallId(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  runRepeat(state, programs().steer->programFd(),
            sipFrame("198.18.0.11", "Call-ID: a84b4c76e66710@pc33.atlanta.example.com"), 1);
}
void BM_SteerNoCallIdFullScan(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  runRepeat(state, programs().steer->programFd(), sipFrame("198.18.0.11", "Subject: none"), 1);
}
void BM_SteerPassNotVip(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  runRepeat(state, programs().steer->programFd(), sipFrame("198.18.0.99", "Call-ID: x"), 1);
}

// Pure-XDP mode on a veth pair: generator (live frames, XDP_TX out of
// sbv1) -> sbv0 [xdp_steer native, dsr, XDP_TX] -> sbv1 [sink, drop+count].
void BM_SteerVethDsrPps(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  sh("ip link del sbv0");
  if (!sh("ip link add sbv0 type veth peer name sbv1 && ip link set sbv0 up && ip link set sbv1 up")) {
    state.SkipWithError("veth");
    return;
  }
  std::unique_ptr<bpf_object, void (*)(bpf_object*)> gen(
      bpf_object__open_file(SIPSTEER_BENCH_BPF_DIR "/xdp_gen.bpf.o", nullptr), bpf_object__close);
  if (!gen || bpf_object__load(gen.get()) != 0) {
    state.SkipWithError("loading xdp_gen.bpf.o");
    return;
  }
  const int gen_fd = bpf_program__fd(bpf_object__find_program_by_name(gen.get(), "sipsteer_bench_gen"));
  const int sink_fd = bpf_program__fd(bpf_object__find_program_by_name(gen.get(), "sipsteer_bench_sink"));
  auto attached = programs().steer->attach("sbv0", bpf::AttachMode::kNative);
  if (!attached) {
    state.SkipWithError(attached.error().message.c_str());
    return;
  }
  auto sink = bpf::XdpAttachment::attach(sink_fd, "sink", "sbv1", bpf::AttachMode::kNative);
  const uint32_t gen_ifindex = if_nametoindex("sbv1");
  const Frame frame = sipFrame("198.18.0.11", "Call-ID: a84b4c76e66710@pc33.atlanta.example.com");
  constexpr uint32_t kFrames = 1u << 20;  // per iteration; bounded
  uint64_t steered = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto before = programs().steer->counters();
    const double s = runXdpLiveFrames(gen_fd, frame, gen_ifindex, kFrames);
    if (s < 0) {
      state.SkipWithError("live-frames test run failed");
      break;
    }
    auto after = programs().steer->counters();
    const uint64_t n = (*after)[SIPSTEER_XDP_STEERED_DSR] - (*before)[SIPSTEER_XDP_STEERED_DSR];
    steered += n;
    seconds += s;
    state.SetIterationTime(s);
  }
  state.counters["frames_sent"] = static_cast<double>(kFrames) * static_cast<double>(state.iterations());
  state.counters["frames_steered"] = static_cast<double>(steered);
  state.counters["steered_Mpps"] = seconds > 0 ? static_cast<double>(steered) / seconds / 1e6 : 0;
  (void)programs().steer->detach();
  sh("ip link del sbv0");
}

// Live-frames generator on `ifname`: `frames` copies of `frame` sent with
// XDP_TX out of it. Returns the seconds it took, or < 0 on failure.
double generate(const Frame& frame, const char* ifname, uint32_t frames) {
  static std::unique_ptr<bpf_object, void (*)(bpf_object*)> gen(nullptr, bpf_object__close);
  if (!gen) {
    gen.reset(bpf_object__open_file(SIPSTEER_BENCH_BPF_DIR "/xdp_gen.bpf.o", nullptr));
    if (!gen || bpf_object__load(gen.get()) != 0) return -1;
  }
  const int fd = bpf_program__fd(bpf_object__find_program_by_name(gen.get(), "sipsteer_bench_gen"));
  return runXdpLiveFrames(fd, frame, if_nametoindex(ifname), frames);
}

// The DPDK side of the same comparison: the same generator and frames into
// a veth whose XDP front (loaded by DPDK itself, xdp_prog=) redirects them
// to DPDK's net_af_xdp queue (busy_budget=0), where a minimal DPDK receiver
// (tests/netns/bpf/af_xdp_rx) counts them. This is DPDK's receive path
// through AF_XDP, not sipsteer-dp's steering (not on main yet).
void BM_FrontToDpdkAfXdpPps(benchmark::State& state) {
  SIPSTEER_NEED_PROGRAMS(state);
  // DPDK's libbpf reuses pins under /sys/fs/bpf; its runtime files go to
  // /var/run/dpdk: both private to this process's mount namespace.
  static const bool mounted = mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr) == 0 &&
                              sh("mkdir -p /var/run/dpdk") &&
                              mount("tmpfs", "/var/run/dpdk", "tmpfs", 0, "size=1m") == 0;
  if (!mounted) {
    state.SkipWithError("mounting bpffs on /sys/fs/bpf");
    return;
  }
  sh("ip link del sbd0");
  if (!sh("ip link add sbd0 type veth peer name sbd1 && ip link set sbd0 up && ip link set sbd1 up")) {
    state.SkipWithError("veth");
    return;
  }
  bpf::FrontOptions options;
  options.pin_root = "/sys/fs/bpf";
  auto front = bpf::FrontProgram::load(options);
  if (!front || !(*front)->addVip(endpoint("198.18.0.10", 5060))) {
    state.SkipWithError("front");
    return;
  }
  constexpr uint32_t kFrames = 1u << 20;
  const Frame frame = sipFrame("198.18.0.10", "Call-ID: a84b4c76e66710@pc33.atlanta.example.com");
  double received = 0, seconds = 0;
  for (auto _ : state) {
    const std::string cmd = std::string(SIPSTEER_AF_XDP_RX) + " sbd0 " + SIPSTEER_BPF_OBJECT_DIR +
                            "/xdp_front.bpf.o 5 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> dpdk(popen(cmd.c_str(), "r"), pclose);
    char line[256];
    bool ready = false;
    while (!ready && dpdk && std::fgets(line, sizeof(line), dpdk.get()))
      ready = std::string(line) == "ready\n";
    if (!ready) {
      state.SkipWithError("DPDK receiver did not start");
      break;
    }
    const double s = generate(frame, "sbd1", kFrames);
    unsigned sip = 0, other = 0;
    while (std::fgets(line, sizeof(line), dpdk.get()))
      std::sscanf(line, "sip=%u other=%u", &sip, &other);
    if (s <= 0) {
      state.SkipWithError("generator failed");
      break;
    }
    received += sip;
    seconds += s;
    state.SetIterationTime(s);
  }
  state.counters["frames_sent"] = static_cast<double>(kFrames) * static_cast<double>(state.iterations());
  state.counters["frames_at_dpdk"] = received;
  state.counters["dpdk_rx_Mpps"] = seconds > 0 ? received / seconds / 1e6 : 0;
  sh("ip link del sbd0");
}

BENCHMARK(BM_FrontSipToXsk)->UseManualTime()->Iterations(20);
BENCHMARK(BM_FrontPassToKernel)->UseManualTime()->Iterations(20);
BENCHMARK(BM_SteerDsrCallId)->UseManualTime()->Iterations(20);
BENCHMARK(BM_SteerNoCallIdFullScan)->UseManualTime()->Iterations(20);
BENCHMARK(BM_SteerPassNotVip)->UseManualTime()->Iterations(20);
BENCHMARK(BM_SteerVethDsrPps)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FrontToDpdkAfXdpPps)->UseManualTime()->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sipsteer::bpftest

BENCHMARK_MAIN();

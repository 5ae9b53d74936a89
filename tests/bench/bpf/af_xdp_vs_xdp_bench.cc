// Pure-XDP steering against sipsteer-dp on net_af_xdp: same veth pair, same
// frames, same generator, one run. Reports, never asserts.
//
//   generator (live frames, XDP_TX out of sbq1) -> sbq0 -> [path] -> sbq0 TX
//     -> sbq1 [sink: XDP, counts and drops]
//   path 1, pure XDP: xdp_steer native on sbq0 (scan, SipHash, affinity,
//     Maglev, dsr MAC rewrite, XDP_TX);
//   path 2, DPDK: xdp_front native on sbq0 (loaded by DPDK, xdp_prog=)
//     -> AF_XDP socket -> sipsteer-dp (net_af_xdp, busy_budget=0, one
//     worker, the full pipeline incl. software UDP checksum) -> AF_XDP TX.
// Rate = frames that reached the sink / generator time (frames the XSK ring
// could not take are lost, as on a real NIC). Each path: kRounds rounds of
// kFrames frames, bounded in count and time.
//   bench_af_xdp_vs_xdp <sipsteer-dp> [frames per round]
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <sched.h>
#include <sipsteer/core/table_builder.h>
#include <sipsteer_bpf/front.h>
#include <sipsteer_bpf/steer.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bpf/bpf_env.h"
#include "bpf/fixture_util.h"
#include "bpf/steer_table.h"
#include "support/proto_client.h"

namespace sipsteer::bpftest {
namespace {

constexpr int kRounds = 3;

std::string stamp() {  // "[hh:mm:ss]", the form tests/run.sh reports
  char text[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "[%H:%M:%S]", std::localtime(&now));
  return text;
}

struct Figure {
  uint64_t offered = 0, delivered = 0;
  double seconds = 0;
  std::string note;
  double mpps() const { return seconds > 0 ? static_cast<double>(delivered) / seconds / 1e6 : 0; }
  double offeredMpps() const { return seconds > 0 ? static_cast<double>(offered) / seconds / 1e6 : 0; }
};

using Object = std::unique_ptr<bpf_object, void (*)(bpf_object*)>;

uint64_t sinkCount(bpf_object* gen) {
  const int fd = bpf_map__fd(bpf_object__find_map_by_name(gen, "sink_count"));
  const int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(fd, &zero, values.data()) != 0) return 0;
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

// `frames` copies of `frame` transmitted out of `ifname` by the kernel.
double generate(bpf_object* gen, const Frame& frame, const char* ifname, uint32_t frames) {
  const int fd = bpf_program__fd(bpf_object__find_program_by_name(gen, "sipsteer_bench_gen"));
  return runXdpLiveFrames(fd, frame, if_nametoindex(ifname), frames);
}

// kRounds rounds: generate, let the path drain, count what reached the sink.
Figure measure(bpf_object* gen, const Frame& frame, uint32_t frames) {
  Figure f;
  for (int r = 0; r < kRounds; ++r) {
    const uint64_t before = sinkCount(gen);
    const double s = generate(gen, frame, "sbq1", frames);
    if (s <= 0) {
      f.note = "generator failed";
      return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    f.delivered += sinkCount(gen) - before;
    f.offered += frames;
    f.seconds += s;
  }
  return f;
}

Figure pureXdp(bpf_object* gen, const std::vector<uint8_t>& blob, const Frame& frame, uint32_t frames) {
  TempBpffs pins;
  bpf::SteerOptions so;
  so.pin_root = pins.path();
  so.table_bytes = 64 * 1024;
  auto steer = bpf::SteerProgram::load(so);
  if (!steer) return Figure{0, 0, 0, steer.error().message};
  if (auto ok = (*steer)->publish(blob); !ok) return Figure{0, 0, 0, ok.error().message};
  if (auto ok = (*steer)->attach("sbq0", bpf::AttachMode::kNative); !ok) return Figure{0, 0, 0, ok.error().message};
  Figure f = measure(gen, frame, frames);
  (void)(*steer)->detach();
  return f;
}

Figure dpdk(bpf_object* gen, const std::string& dp_bin, const std::vector<uint8_t>& blob, const Frame& frame,
            uint32_t frames) {
  // The front's maps, pinned where DPDK's libbpf looks; VIP for DPDK.
  bpf::FrontOptions options;
  options.pin_root = "/sys/fs/bpf";
  auto front = bpf::FrontProgram::load(options);
  if (!front) return Figure{0, 0, 0, front.error().message};
  if (!(*front)->addVip(endpoint("198.18.0.11", 5060))) return Figure{0, 0, 0, "front VIP"};
  const std::string dir = "/tmp/sipsteer-bench-afxdp-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string sock = dir + "/dp.sock";
  std::ofstream(dir + "/dp.yaml") << "dataplane:\n"
      "  eal_args: [--no-huge, --no-pci, -m, \"128\", \"--lcores=0@0,1@1\", --no-shconf,\n"
      "             --file-prefix=sbq" << getpid() << ", --log-level=error, --no-telemetry]\n"
      "  workers: 1\n  idle_polls: 256\n  idle_backoff_us: 10\n  affinity: {max_dialogs: 16384}\n"
      "  control_socket: " << sock << "\n"
      "  ports:\n    - {name: lan, role: both, device: \"net_af_xdp0,iface=sbq0,start_queue=0,queue_count=1,"
      "busy_budget=0,xdp_prog=" << bpf::FrontProgram::objectPath() << "\"}\n";
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string config = dir + "/dp.yaml", log = dir + "/dp.log";
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    execl(dp_bin.c_str(), dp_bin.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  Figure f;
  testing::ProtoClient client;
  std::string error;
  for (int i = 0; i < 50 && !client.connect(sock, error); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto ack = client.hello() ? client.sendTable(blob) : std::nullopt;
  if (!ack || ack->status != 0) {
    f.note = "sipsteer-dp did not start or refused the table (see " + dir + "/dp.log)";
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    f = measure(gen, frame, frames);
    if (auto blob_counters = client.counters()) {
      if (auto c = testing::decodeCounters(*blob_counters); c && !c->ports.empty())
        f.note = "sipsteer-dp port rx " + std::to_string(c->ports[0].values[SIPSTEER_PORT_RX_PACKETS]) + " tx " +
                 std::to_string(c->ports[0].values[SIPSTEER_PORT_TX_PACKETS]);
    }
  }
  client.close();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  if (f.note.find("did not start") == std::string::npos) std::filesystem::remove_all(dir);
  return f;
}

}  // namespace
}  // namespace sipsteer::bpftest

int main(int argc, char** argv) {
  using namespace sipsteer;
  using namespace sipsteer::bpftest;
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_af_xdp_vs_xdp <sipsteer-dp> [frames per round]\n");
    return 2;
  }
  const uint32_t frames = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[2])) : 1u << 20;
  if (std::string e = enterPrivateNamespaces(); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  // The generator (and the pure-XDP path, which runs in its softirq) on CPU
  // 0; sipsteer-dp's worker lcore on CPU 1, its main lcore on CPU 0.
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  sched_setaffinity(0, sizeof cpus, &cpus);
  if (mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr) != 0 || !sh("mkdir -p /var/run/dpdk") ||
      mount("tmpfs", "/var/run/dpdk", "tmpfs", 0, "size=1m") != 0) {
    std::fprintf(stderr, "mounting a private bpffs on /sys/fs/bpf failed\n");
    return 1;
  }
  // No IPv6 on the pair: its router/neighbour chatter would reach the sink.
  if (!sh("ip link add sbq0 type veth peer name sbq1 && sysctl -qw net.ipv6.conf.sbq0.disable_ipv6=1 && "
          "sysctl -qw net.ipv6.conf.sbq1.disable_ipv6=1 && ip link set sbq0 up && ip link set sbq1 up")) {
    std::fprintf(stderr, "veth\n");
    return 1;
  }
  Object gen(bpf_object__open_file(SIPSTEER_BENCH_BPF_DIR "/xdp_gen.bpf.o", nullptr), bpf_object__close);
  if (!gen || bpf_object__load(gen.get()) != 0) {
    std::fprintf(stderr, "loading xdp_gen.bpf.o failed\n");
    return 1;
  }
  const int sink_fd = bpf_program__fd(bpf_object__find_program_by_name(gen.get(), "sipsteer_bench_sink"));
  auto sink = bpf::XdpAttachment::attach(sink_fd, "sink", "sbq1", bpf::AttachMode::kNative);
  if (!sink) {
    std::fprintf(stderr, "%s\n", sink.error().message.c_str());
    return 1;
  }
  auto blob = core::buildTable(testTableSpec(1));
  if (!blob) {
    std::fprintf(stderr, "table: %s\n", blob.error().c_str());
    return 1;
  }
  // An INVITE to the dsr VIP 198.18.0.11, complete UDP checksum (the DPDK
  // path verifies it in software), one dialog (affinity hits on both paths).
  UdpSpec s;
  s.src = Ip::parse("198.18.1.1");
  s.dst = Ip::parse("198.18.0.11");
  s.sport = 5062;
  s.payload = sipRequest("Call-ID: a84b4c76e66710@pc33.atlanta.example.com");
  const Frame frame = udpFrame(s);

  const Figure xdp = pureXdp(gen.get(), *blob, frame, frames);
  const Figure dp = dpdk(gen.get(), argv[1], *blob, frame, frames);
  const std::string t = stamp();
  std::printf("%s SIP steering on one veth pair, %d rounds x %u frames of %zu bytes (INVITE, dsr VIP, one dialog)\n",
              t.c_str(), kRounds, frames, frame.size());
  std::printf("%s | %-44s | %9s | %9s | %12s | %13s |\n", t.c_str(), "path", "offered", "steered", "offered Mpps",
              "steered Mpps");
  std::printf("%s |%s|%s|%s|%s|%s|\n", t.c_str(), std::string(46, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(14, '-').c_str(), std::string(15, '-').c_str());
  const struct { const char* name; const Figure& f; } rows[] = {
      {"pure XDP (xdp_steer native, XDP_TX)", xdp},
      {"sipsteer-dp on net_af_xdp behind xdp_front", dp}};
  for (const auto& row : rows)
    std::printf("%s | %-44s | %9llu | %9llu | %12.2f | %13.2f |\n", t.c_str(), row.name,
                static_cast<unsigned long long>(row.f.offered), static_cast<unsigned long long>(row.f.delivered),
                row.f.offeredMpps(), row.f.mpps());
  for (const auto& row : rows)
    if (!row.f.note.empty()) std::printf("%s   %s: %s\n", t.c_str(), row.name, row.f.note.c_str());
  if (xdp.mpps() > 0 && dp.mpps() > 0)
    std::printf("%s   steered Mpps, sipsteer-dp / pure XDP: %.2f\n", t.c_str(), dp.mpps() / xdp.mpps());
  sh("ip link del sbq0");
  return 0;
}

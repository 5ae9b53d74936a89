#include "bpf/bpf_env.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace sipsteer::bpftest {

std::string enterPrivateNamespaces() {
  static std::string result = [] {
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
      return std::string("unshare(CLONE_NEWNET|CLONE_NEWNS): ") + std::strerror(errno) +
             " (BPF tests need root)";
    // Keep our mounts (bpffs) out of the parent namespace.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return std::string("making / private: ") + std::strerror(errno);
    sh("ip link set lo up");
    return std::string();
  }();
  return result;
}

bool sh(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return rc == 0;
}

TempBpffs::TempBpffs() {
  // Mount inside the private mount namespace only, so nothing outlives the
  // test process (fixtures construct members before SetUp runs).
  if (!enterPrivateNamespaces().empty()) return;
  char tmpl[] = "/tmp/sipsteer-bpffs-XXXXXX";
  if (!mkdtemp(tmpl)) return;
  path_ = tmpl;
  mounted_ = mount("bpf", path_.c_str(), "bpf", 0, nullptr) == 0;
}

TempBpffs::~TempBpffs() {
  if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  if (!path_.empty()) rmdir(path_.c_str());
}

XdpRun runXdp(int prog_fd, const Frame& in, uint32_t ifindex, uint32_t rx_queue, uint32_t repeat) {
  XdpRun run;
  Frame data_in = in;
  run.out.assign(in.size() + 256, 0);
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(in.size());
  ctx.ingress_ifindex = ifindex;
  ctx.rx_queue_index = rx_queue;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data_in.data(),
              .data_out = run.out.data(), .data_size_in = static_cast<uint32_t>(data_in.size()),
              .data_size_out = static_cast<uint32_t>(run.out.size()),
              .ctx_in = ifindex ? &ctx : nullptr, .ctx_size_in = ifindex ? static_cast<uint32_t>(sizeof(ctx)) : 0u,
              .repeat = static_cast<int>(repeat));
  run.err = bpf_prog_test_run_opts(prog_fd, &opts);
  run.verdict = opts.retval;
  run.out.resize(opts.data_size_out);
  run.duration_ns = opts.duration;
  return run;
}

double runXdpLiveFrames(int prog_fd, const Frame& frame, uint32_t ifindex, uint32_t repeat) {
  Frame data = frame;
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(data.size());
  ctx.ingress_ifindex = ifindex;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.data(),
              .data_size_in = static_cast<uint32_t>(data.size()), .ctx_in = &ctx,
              .ctx_size_in = static_cast<uint32_t>(sizeof(ctx)), .repeat = static_cast<int>(repeat),
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  const auto t0 = std::chrono::steady_clock::now();
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace sipsteer::bpftest

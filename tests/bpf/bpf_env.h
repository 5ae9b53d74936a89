// What every BPF test needs: a private network + mount namespace for the
// test process (veths and bpffs mounts vanish with it, even on a crash),
// a bpffs pin root, and BPF_PROG_TEST_RUN of an XDP program.
#pragma once

#include <cstdint>
#include <string>

#include "bpf/frames.h"

namespace sipsteer::bpftest {

// Moves the process into new network and mount namespaces (once). Returns
// an error text, empty on success. Needs root.
std::string enterPrivateNamespaces();

// Runs `cmd` through /bin/sh in the test's namespaces; true on exit 0.
bool sh(const std::string& cmd);

// A bpffs mounted on a fresh temporary directory, unmounted on destruction.
class TempBpffs {
 public:
  TempBpffs();
  ~TempBpffs();
  TempBpffs(const TempBpffs&) = delete;
  TempBpffs& operator=(const TempBpffs&) = delete;
  const std::string& path() const { return path_; }
  bool ok() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

struct XdpRun {
  int err = 0;         // bpf_prog_test_run_opts() result
  uint32_t verdict = 0;  // XDP_* returned by the program
  Frame out;           // the frame after the program
  uint32_t duration_ns = 0;  // mean per run (repeat mode)
};

// BPF_PROG_TEST_RUN of an XDP program on `in`; ingress_ifindex/rx_queue
// fill struct xdp_md when ifindex != 0.
XdpRun runXdp(int prog_fd, const Frame& in, uint32_t ifindex = 0, uint32_t rx_queue = 0,
              uint32_t repeat = 1);

// BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): `repeat`
// copies of `frame` enter the XDP program as if received on `ifindex`, and
// what it does with them (XDP_TX, redirect) really happens: a traffic
// generator for the benchmarks. Returns the seconds the run took, < 0 when
// the kernel refused it.
double runXdpLiveFrames(int prog_fd, const Frame& frame, uint32_t ifindex, uint32_t repeat);

}  // namespace sipsteer::bpftest

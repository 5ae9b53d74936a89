// Common pieces of the BPF loader: the error type, XDP attachment (RAII),
// pin-root checks and per-CPU counter reads. The programs themselves are
// wrapped by FrontProgram (front.h) and SteerProgram (steer.h).
// Thread-safety: none of these objects is shared between threads.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace sipsteer::bpf {

// A failure of the loader with what it was doing (program, interface, map)
// and the errno-style code libbpf or the kernel gave (negative, 0 if none).
struct BpfError {
  std::string message;
  int code = 0;
};

template <typename T>
using Result = std::expected<T, BpfError>;

// Builds an error "<what>: <strerror(-code)> [hint]" with a hint for the
// usual causes (EPERM: privileges; ENOMEM/E2BIG: memlock or map sizes).
BpfError makeError(const std::string& what, int code);

// The capabilities loading and attaching the programs needs that the
// effective set `cap_eff` (a CapEff bit mask) lacks, e.g. "CAP_BPF,
// CAP_PERFMON"; "" when none is missing. CAP_SYS_ADMIN stands in for CAP_BPF
// and CAP_PERFMON (kernels before 5.8 know only it).
std::string missingBpfCapabilities(uint64_t cap_eff);
// This process's effective capability mask (/proc/self/status), or all
// bits set when it cannot be read (then no hint blames capabilities).
uint64_t effectiveCapabilities();

enum class AttachMode : uint8_t {
  kAuto,     // native (driver) mode, generic (skb) if the driver lacks XDP
  kNative,   // driver mode only
  kGeneric,  // skb mode only (slow; for tests or odd drivers)
};

// An XDP program attached to one interface; detaches on destruction (only
// if it is still our program there). Move-only.
class XdpAttachment {
 public:
  XdpAttachment() = default;
  XdpAttachment(XdpAttachment&& other) noexcept;
  XdpAttachment& operator=(XdpAttachment&& other) noexcept;
  XdpAttachment(const XdpAttachment&) = delete;
  XdpAttachment& operator=(const XdpAttachment&) = delete;
  ~XdpAttachment();

  // Attaches `prog_fd` (named `program` in errors) to `ifname`. Refuses to
  // replace a program that is already attached. With kAuto, a native
  // failure falls back to generic mode and sets warning().
  static Result<XdpAttachment> attach(int prog_fd, const std::string& program,
                                      const std::string& ifname, AttachMode mode);

  // Detaches now; idempotent.
  Result<void> detach();

  bool attached() const noexcept { return ifindex_ != 0; }
  int ifindex() const noexcept { return ifindex_; }
  // The mode actually used (kNative or kGeneric).
  AttachMode mode() const noexcept { return mode_; }
  // Non-empty when attach fell back to generic mode: say it in the log.
  const std::string& warning() const noexcept { return warning_; }

 private:
  int ifindex_ = 0;
  int prog_id_ = 0;
  uint32_t flags_ = 0;
  AttachMode mode_ = AttachMode::kAuto;
  std::string ifname_;
  std::string program_;
  std::string warning_;
};

// Checks that `dir` is a mounted bpffs (where pinned maps can live).
Result<void> checkPinRoot(const std::string& dir);

// Sums a per-CPU array of __u64 counters (fd of the map) over all CPUs.
Result<std::vector<uint64_t>> readPerCpuCounters(int map_fd, uint32_t entries);

// Full pin path of a sipsteer map: "<root>/sipsteer_<name>_v<ABI>".
std::string pinPath(const std::string& root, const char* versioned_name);

}  // namespace sipsteer::bpf

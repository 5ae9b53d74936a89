#include <sipsteer_bpf/loader.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace sipsteer::bpf {

namespace {
constexpr long kBpfFsMagic = 0xcafe4a11;
}

std::string missingBpfCapabilities(uint64_t cap_eff) {
  // Bit numbers from linux/capability.h (CAP_PERFMON and CAP_BPF: 5.8).
  constexpr int kNetAdmin = 12, kSysAdmin = 21, kPerfmon = 38, kBpf = 39;
  const auto has = [cap_eff](int bit) { return (cap_eff >> bit) & 1; };
  std::string missing;
  const auto add = [&missing](const char* name) { missing += (missing.empty() ? "" : ", ") + std::string(name); };
  if (!has(kBpf) && !has(kSysAdmin)) add("CAP_BPF");
  if (!has(kPerfmon) && !has(kSysAdmin)) add("CAP_PERFMON");
  if (!has(kNetAdmin)) add("CAP_NET_ADMIN");
  return missing;
}

uint64_t effectiveCapabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("CapEff:", 0) == 0) return std::strtoull(line.c_str() + 7, nullptr, 16);
  return ~uint64_t{0};
}

BpfError makeError(const std::string& what, int code) {
  std::string message = what;
  if (code != 0) {
    message += ": ";
    message += std::strerror(code < 0 ? -code : code);
  }
  // uid 0 is not enough: a systemd unit's CapabilityBoundingSet= leaves root
  // with only what it lists, so the hint names what this process lacks.
  const std::string missing =
      code == -EPERM || code == -EACCES ? missingBpfCapabilities(effectiveCapabilities()) : std::string();
  if (!missing.empty())
    message += " (this process lacks " + missing +
               ": sipsteer needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, see docs/operations.md; "
               "without them also check kernel.unprivileged_bpf_disabled)";
  else if (code == -EPERM)
    message += " (capabilities are present: a seccomp filter, an LSM or kernel.unprivileged_bpf_disabled refused it)";
  else if (code == -EACCES)
    message += " (the verifier refused the program: its log is above)";
  else if (code == -ENOMEM)
    message += " (map sizes too large for the memory cgroup or RLIMIT_MEMLOCK: lower them)";
  else if (code == -E2BIG)
    message += " (a map size above the kernel's limit, or a program too complex for the verifier)";
  else if (code == -EOPNOTSUPP)
    message += " (not supported by this kernel or driver)";
  return BpfError{std::move(message), code};
}

XdpAttachment::XdpAttachment(XdpAttachment&& other) noexcept { *this = std::move(other); }

XdpAttachment& XdpAttachment::operator=(XdpAttachment&& other) noexcept {
  if (this != &other) {
    (void)detach();
    ifindex_ = other.ifindex_;
    prog_id_ = other.prog_id_;
    flags_ = other.flags_;
    mode_ = other.mode_;
    ifname_ = std::move(other.ifname_);
    program_ = std::move(other.program_);
    warning_ = std::move(other.warning_);
    other.ifindex_ = 0;
  }
  return *this;
}

XdpAttachment::~XdpAttachment() { (void)detach(); }

Result<XdpAttachment> XdpAttachment::attach(int prog_fd, const std::string& program,
                                            const std::string& ifname, AttachMode mode) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0)
    return std::unexpected(makeError("attach " + program + ": no interface " + ifname, -errno));
  bpf_prog_info info{};
  uint32_t info_len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(prog_fd, &info, &info_len); err)
    return std::unexpected(makeError("attach " + program + ": program info", err));

  XdpAttachment out;
  out.ifname_ = ifname;
  out.program_ = program;
  out.prog_id_ = static_cast<int>(info.id);
  // UPDATE_IF_NOEXIST: never silently replace someone else's program.
  const uint32_t base = XDP_FLAGS_UPDATE_IF_NOEXIST;
  int err = -EINVAL;
  if (mode != AttachMode::kGeneric) {
    err = bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, base | XDP_FLAGS_DRV_MODE, nullptr);
    if (err == 0) {
      out.flags_ = base | XDP_FLAGS_DRV_MODE;
      out.mode_ = AttachMode::kNative;
    } else if (mode == AttachMode::kNative || err == -EBUSY || err == -EEXIST) {
      return std::unexpected(
          makeError("attach " + program + " to " + ifname + " in native mode", err));
    }
  }
  if (out.flags_ == 0) {
    const int native_err = err;
    err = bpf_xdp_attach(static_cast<int>(ifindex), prog_fd, base | XDP_FLAGS_SKB_MODE, nullptr);
    if (err != 0)
      return std::unexpected(
          makeError("attach " + program + " to " + ifname + " in generic mode", err));
    out.flags_ = base | XDP_FLAGS_SKB_MODE;
    out.mode_ = AttachMode::kGeneric;
    if (mode == AttachMode::kAuto)
      out.warning_ = program + " on " + ifname + ": native XDP refused (" +
                     std::strerror(-native_err) + "), running in generic mode (slow)";
  }
  out.ifindex_ = static_cast<int>(ifindex);
  return out;
}

Result<void> XdpAttachment::detach() {
  if (ifindex_ == 0) return {};
  const int ifindex = ifindex_;
  ifindex_ = 0;
  // Detach only if our program is still the one attached there.
  uint32_t current = 0;
  const uint32_t mode_flags = flags_ & (XDP_FLAGS_DRV_MODE | XDP_FLAGS_SKB_MODE);
  bpf_xdp_query_opts query{};
  query.sz = sizeof(query);
  if (bpf_xdp_query(ifindex, static_cast<int>(mode_flags), &query) == 0)
    current = mode_flags == XDP_FLAGS_SKB_MODE ? query.skb_prog_id : query.drv_prog_id;
  if (current != static_cast<uint32_t>(prog_id_)) return {};
  if (int err = bpf_xdp_detach(ifindex, mode_flags, nullptr); err)
    return std::unexpected(makeError("detach " + program_ + " from " + ifname_, err));
  return {};
}

Result<void> checkPinRoot(const std::string& dir) {
  struct statfs st{};
  if (statfs(dir.c_str(), &st) != 0)
    return std::unexpected(makeError("pin root " + dir, -errno));
  if (static_cast<long>(st.f_type) != kBpfFsMagic)
    return std::unexpected(BpfError{
        "pin root " + dir + " is not a bpffs mount (mount -t bpf bpf " + dir + ")", -EINVAL});
  return {};
}

Result<std::vector<uint64_t>> readPerCpuCounters(int map_fd, uint32_t entries) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return std::unexpected(makeError("counting possible CPUs", cpus));
  std::vector<uint64_t> sums(entries, 0);
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  for (uint32_t key = 0; key < entries; ++key) {
    if (int err = bpf_map_lookup_elem(map_fd, &key, per_cpu.data()); err)
      return std::unexpected(makeError("reading counter " + std::to_string(key), -errno));
    for (uint64_t v : per_cpu) sums[key] += v;
  }
  return sums;
}

std::string pinPath(const std::string& root, const char* versioned_name) {
  return root + "/" + versioned_name;
}

}  // namespace sipsteer::bpf

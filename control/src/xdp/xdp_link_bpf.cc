// openXdpLink() with the BPF loader: one program per sipsteerd, attached to
// every configured interface (one XdpAttachment each, all of the same
// program fd, so the maps, the table and the counters are shared).
#include <net/if.h>
#include <sipsteer/abi/common.h>
#include <sipsteer_bpf/front.h>
#include <sipsteer_bpf/steer.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "xdp/front_publisher.h"
#include "xdp/steer_publisher.h"
#include "xdp/xdp_link.h"

namespace sipsteer::control {

namespace {

bpf::AttachMode attachMode(XdpAttach a) {
  switch (a) {
    case XdpAttach::kNative: return bpf::AttachMode::kNative;
    case XdpAttach::kGeneric: return bpf::AttachMode::kGeneric;
    case XdpAttach::kAuto: break;
  }
  return bpf::AttachMode::kAuto;
}

// Pinned maps outlive sipsteerd on purpose (restart keeps the last table).
// libbpf refuses to reuse one whose sizes differ from the new options, with
// EINVAL; other failures (EPERM: privileges) carry the loader's own hint.
std::string loadHint(const XdpConfig& c, const bpf::BpfError& error) {
  if (error.code != -EINVAL) return "";
  return " (if xdp map sizes changed since the maps were pinned, remove the old pins: rm " + c.pin_root +
         "/sipsteer_*_v" + std::to_string(SIPSTEER_ABI_VERSION) + ")";
}

// Attaches `prog_fd` to every interface; on a failure, what is already
// attached is detached again by the vector's destructor in the caller.
std::expected<void, std::string> attachAll(int prog_fd, const char* program, const XdpConfig& c,
                                           std::vector<bpf::XdpAttachment>& out) {
  for (const std::string& ifname : c.interfaces) {
    auto a = bpf::XdpAttachment::attach(prog_fd, program, ifname, attachMode(c.attach));
    if (!a) return std::unexpected(a.error().message);
    if (!a->warning().empty()) spdlog::warn("xdp: {}", a->warning());
    out.push_back(std::move(*a));
  }
  return {};
}

std::string describeAttachments(const char* program, const std::vector<bpf::XdpAttachment>& atts,
                                const std::vector<std::string>& names) {
  std::string out = program;
  if (atts.empty()) return out + " (not attached by sipsteerd)";
  out += " on";
  for (size_t i = 0; i < atts.size(); ++i) {
    out += (i ? ", " : " ") + names[i];
    out += atts[i].mode() == bpf::AttachMode::kNative ? " (native)" : " (generic)";
  }
  return out;
}

std::expected<void, std::string> detachAll(std::vector<bpf::XdpAttachment>& atts) {
  std::string errors;
  for (auto& a : atts)
    if (auto r = a.detach(); !r) errors += (errors.empty() ? "" : "; ") + r.error().message;
  atts.clear();
  if (!errors.empty()) return std::unexpected(errors);
  return {};
}

std::expected<int, std::string> drain(bpf::EventRing& ring, const XdpLink::EventSink& sink) {
  auto n = ring.poll(0, sink);
  if (!n) return std::unexpected(n.error().message);
  return *n;
}

// What both programs' links share: the loaded program, its publisher, the
// attachments (detached on destruction, before the program is released) and
// the event ring. Each program adds how it attaches, counts and describes.
template <typename Program, typename Publisher>
class ProgramLink : public XdpLink {
 public:
  ProgramLink(XdpConfig config, std::unique_ptr<Program> program)
      : config_(std::move(config)), program_(std::move(program)), publisher_(*program_) {}
  ~ProgramLink() override { (void)detachAll(attachments_); }

  TablePublisher& publisher() override { return publisher_; }
  int eventFd() const override { return program_->events().epollFd(); }
  std::expected<int, std::string> drainEvents(const EventSink& sink) override {
    return drain(program_->events(), sink);
  }
  std::expected<void, std::string> detach() override { return detachAll(attachments_); }

 protected:
  std::expected<void, std::string> attachAs(const char* name) {
    return attachAll(program_->programFd(), name, config_, attachments_);
  }
  // Copies the program's per-CPU-summed counters into `out`.
  std::expected<void, std::string> readCounters(XdpCounters& out) const {
    auto c = program_->counters();
    if (!c) return std::unexpected(c.error().message);
    std::copy_n(c->begin(), std::min(c->size(), out.counters.size()), out.counters.begin());
    return {};
  }

  XdpConfig config_;
  std::unique_ptr<Program> program_;
  Publisher publisher_;
  std::vector<bpf::XdpAttachment> attachments_;  // destroyed (detached) before program_
};

class SteerLink final : public ProgramLink<bpf::SteerProgram, SteerPublisher> {
 public:
  using ProgramLink::ProgramLink;

  std::expected<void, std::string> attach() { return attachAs("xdp_steer"); }
  std::expected<XdpCounters, std::string> counters() const override {
    XdpCounters out;
    out.program = "steer";
    if (auto r = readCounters(out); !r) return std::unexpected(r.error());
    auto d = program_->drops();
    if (!d) return std::unexpected(d.error().message);
    std::copy_n(d->begin(), std::min(d->size(), out.drops.size()), out.drops.begin());
    out.has_drops = true;
    return out;
  }
  std::string describe() const override {
    return describeAttachments("xdp_steer", attachments_, config_.interfaces) + ", maps pinned in " +
           config_.pin_root;
  }
};

class FrontLink final : public ProgramLink<bpf::FrontProgram, FrontPublisher> {
 public:
  using ProgramLink::ProgramLink;

  std::expected<void, std::string> attach() {
    if (!config_.front_attach) return {};
    return attachAs("xdp_front");
  }
  std::expected<XdpCounters, std::string> counters() const override {
    XdpCounters out;
    out.program = "front";
    if (auto r = readCounters(out); !r) return std::unexpected(r.error());
    return out;
  }
  std::string describe() const override {
    std::string out = describeAttachments("xdp_front", attachments_, config_.interfaces);
    return out + ", maps pinned in " + config_.pin_root + ", DPDK object " + objectPath();
  }
  std::string objectPath() const { return config_.object_dir + "/xdp_front.bpf.o"; }
};

std::expected<std::unique_ptr<XdpLink>, std::string> openSteer(const XdpConfig& c) {
  bpf::SteerOptions o;
  o.pin_root = c.pin_root;
  o.table_bytes = c.table_bytes;
  o.max_servers = c.max_servers;
  o.max_dialogs = c.max_dialogs;
  o.event_ring_bytes = c.event_ring_bytes;
  o.scan_bytes = c.scan_bytes;
  o.no_callid_drop = c.no_callid_drop;
  o.unnat = c.unnat;
  o.fib_lookup = c.fib_lookup;
  if (!c.tx_interface.empty()) {
    o.tx_ifindex = if_nametoindex(c.tx_interface.c_str());
    if (o.tx_ifindex == 0)
      return std::unexpected("xdp.tx_interface " + c.tx_interface + ": " + std::strerror(errno));
  }
  auto program = bpf::SteerProgram::load(o);
  if (!program) return std::unexpected(program.error().message + loadHint(c, program.error()));
  auto link = std::make_unique<SteerLink>(c, std::move(*program));
  if (auto r = link->attach(); !r) return std::unexpected(r.error());
  return link;
}

std::expected<std::unique_ptr<XdpLink>, std::string> openFront(const XdpConfig& c) {
  bpf::FrontOptions o;  // default sizes: DPDK's load of the object must reuse our pins
  o.pin_root = c.pin_root;
  auto program = bpf::FrontProgram::load(o);
  if (!program) return std::unexpected(program.error().message + loadHint(c, program.error()));
  auto link = std::make_unique<FrontLink>(c, std::move(*program));
  if (auto r = link->attach(); !r) return std::unexpected(r.error());
  if (!c.front_attach) {
    // DPDK's libbpf opens the object with the default pin path: anywhere
    // else it creates fresh maps that sipsteerd never fills.
    if (c.pin_root != "/sys/fs/bpf")
      spdlog::warn("xdp: front maps pinned in {}, but DPDK's xdp_prog= load looks in /sys/fs/bpf: "
                   "it will not see the VIPs sipsteerd writes",
                   c.pin_root);
    if (access(link->objectPath().c_str(), R_OK) != 0)
      spdlog::warn("xdp: {} is not readable ({}): DPDK's xdp_prog= needs it (xdp.object_dir)",
                   link->objectPath(), std::strerror(errno));
    spdlog::info("xdp: front maps pinned in {}; sipsteer-dp attaches it with "
                 "--vdev net_af_xdp0,iface=<nic>,xdp_prog={}",
                 c.pin_root, link->objectPath());
  }
  return link;
}

}  // namespace

std::expected<std::unique_ptr<XdpLink>, std::string> openXdpLink(const XdpConfig& config) {
  switch (config.mode) {
    case XdpMode::kSteer: return openSteer(config);
    case XdpMode::kFront: return openFront(config);
    case XdpMode::kOff: break;
  }
  return std::unexpected(std::string("xdp.mode off: nothing to open"));
}

bool xdpSupported() { return true; }

}  // namespace sipsteer::control

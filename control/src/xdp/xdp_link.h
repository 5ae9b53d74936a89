// sipsteerd's handle on the XDP programs of bpf/ (docs/bpf.md): loads the
// program the `xdp:` section chooses, attaches it, and gives the daemon
//   - a TablePublisher every table goes to (steer: the table itself via
//     SteerProgram::publish; front: the VIP and server maps via
//     FrontProgram::syncFromTable),
//   - an fd for the event loop that becomes readable when the program wrote
//     ICMP events to its ring buffer, and a way to drain them,
//   - the per-CPU counters, summed, for the exporter,
//   - detach() for a clean stop.
// BPF-free header: without the BPF loader in the build, openXdpLink()
// refuses every mode but off (xdp_link_none.cc). Event-loop thread only.
#pragma once

#include <sipsteer/abi/events.h>

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "metrics/xdp_counters.h"
#include "publish/table_publisher.h"

namespace sipsteer::control {

class XdpLink {
 public:
  using EventSink = std::function<void(const sipsteer_event&)>;
  virtual ~XdpLink() = default;

  virtual TablePublisher& publisher() = 0;
  // Readable (epoll) when events wait in the program's ring buffer.
  virtual int eventFd() const = 0;
  // Hands every waiting event to `sink` without blocking; returns how many.
  virtual std::expected<int, std::string> drainEvents(const EventSink& sink) = 0;
  // The program's counters (and drops for steer), summed over CPUs.
  virtual std::expected<XdpCounters, std::string> counters() const = 0;
  // Detaches from every interface we attached to (only if still ours).
  virtual std::expected<void, std::string> detach() = 0;
  // One line for the log and `status`: program, interfaces and modes.
  virtual std::string describe() const = 0;
};

// Loads and attaches what `config` asks for; errors name the program, the
// interface and the likely cause (privileges, driver, bpffs, sizes).
// Never called with XdpMode::kOff.
std::expected<std::unique_ptr<XdpLink>, std::string> openXdpLink(const XdpConfig& config);

// Whether this build can load BPF programs (--check-config says so).
bool xdpSupported();

}  // namespace sipsteer::control

// The XDP front (bpf/xdp_front.bpf.c) for net_af_xdp deployments: loads the
// program with its maps pinned under `pin_root`, fills VIPs and servers, and
// reads counters and ICMP events. Two ways to run it:
//   - sipsteerd loads it (load()), which creates and pins the maps, and
//     DPDK loads the same object file with xdp_prog=<objectPath()>: libbpf
//     in DPDK reuses the pinned maps by name (pin root must be /sys/fs/bpf);
//   - or sipsteerd attaches it itself (attach()) when DPDK is given no
//     xdp_prog (tests, or hosts where the XSK map is filled another way).
// Not thread-safe; one instance per interface.
#pragma once

#include <sipsteer/abi/counters.h>
#include <sipsteer/abi/events.h>
#include <sipsteer_bpf/event_ring.h>
#include <sipsteer_bpf/loader.h>
#include <sipsteer_bpf/map_types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct sipsteer_front;  // bpftool skeleton

namespace sipsteer::bpf {

// Sizes: when DPDK loads xdp_front.bpf.o itself, libbpf only reuses pinned
// maps whose sizes equal the object's, so keep the defaults in that mode.
struct FrontOptions {
  std::string pin_root = "/sys/fs/bpf";
  uint32_t max_vips = 256;           // front_vips entries
  uint32_t max_servers = 1024;       // front_servers entries
  uint32_t event_ring_bytes = 64 * 1024;  // power of two, >= page size
  uint32_t max_queues = 64;          // xsks_map entries
  bool icmp_to_xsk = true;           // ICMP events also go on to DPDK
  bool nat_replies_to_xsk = true;    // nat servers' replies to clients go to DPDK (un-NAT)
};

class FrontProgram {
 public:
  // open -> set knobs and sizes -> load (pins the shared maps).
  static Result<std::unique_ptr<FrontProgram>> load(const FrontOptions& options);
  ~FrontProgram();
  FrontProgram(const FrontProgram&) = delete;
  FrontProgram& operator=(const FrontProgram&) = delete;

  Result<void> attach(const std::string& ifname, AttachMode mode);
  Result<void> detach();
  const XdpAttachment& attachment() const noexcept { return attachment_; }

  Result<void> addVip(const sipsteer_bpf_endpoint& vip);
  Result<void> removeVip(const sipsteer_bpf_endpoint& vip);
  Result<void> addServer(const sipsteer_bpf_endpoint& server, const sipsteer_bpf_server_info& info);
  Result<void> removeServer(const sipsteer_bpf_endpoint& server);
  // Makes front_vips and front_servers match a published table blob
  // (validated with core::TableView): every VIP:port and VIP:0 (fragments),
  // every server with its id and the table generation. Adds before it
  // removes, so a VIP present in both tables is never missing.
  Result<void> syncFromTable(std::span<const uint8_t> blob);
  // Puts an AF_XDP socket in xsks_map for `queue` (what DPDK does itself).
  Result<void> setXsk(uint32_t queue, int xsk_fd);

  // sipsteer_xdp_*_total, indexed by enum sipsteer_xdp_counter.
  Result<std::vector<uint64_t>> counters() const;
  // Calls `sink` for every event waiting in the ring (up to timeout_ms).
  Result<int> pollEvents(int timeout_ms, const EventRing::Sink& sink) {
    return events_->poll(timeout_ms, sink);
  }
  EventRing& events() noexcept { return *events_; }

  // Removes the pinned maps (the programs' own references stay).
  void unpin();

  int programFd() const noexcept;
  int vipsFd() const noexcept;
  int serversFd() const noexcept;
  int countersFd() const noexcept;
  int xsksFd() const noexcept;
  // The object file DPDK should load (xdp_prog= devarg).
  static std::string objectPath();

 private:
  FrontProgram() = default;
  sipsteer_front* skel_ = nullptr;
  std::unique_ptr<EventRing> events_;
  XdpAttachment attachment_;
};

}  // namespace sipsteer::bpf

// The pure-XDP steering program (bpf/xdp_steer.bpf.c) and its table
// publisher. publish() validates a table blob with core::TableView, copies
// it into a fresh inner map and swaps that map into steer_table with one
// map update: packets see the old table or the new one, never a mix.
// Not thread-safe: one publisher (the control plane) per program.
#pragma once

#include <sipsteer_bpf/event_ring.h>
#include <sipsteer_bpf/loader.h>
#include <sipsteer_bpf/map_types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct sipsteer_steer;  // bpftool skeleton

namespace sipsteer::bpf {

struct SteerOptions {
  std::string pin_root = "/sys/fs/bpf";
  // Largest table blob (bytes) = value size of the table inner map; up to
  // 4 MiB (the kernel's largest array value). A default ring of 65537 slots
  // takes 128 KiB.
  uint32_t table_bytes = 256 * 1024;
  uint32_t max_servers = 1024;  // steer_servers entries (un-NAT)
  uint32_t max_dialogs = 65536; // steer_affinity entries (LRU; ~100 B each)
  uint32_t scan_bytes = 2048;   // SIP bytes scanned for Call-ID (<= 2048)
  bool no_callid_drop = false;  // no Call-ID in scan bound: drop, not source hash
  uint32_t tx_ifindex = 0;      // 0 = XDP_TX, else XDP_REDIRECT there
  bool unnat = true;            // rewrite nat replies back to the VIP
  bool fib_lookup = true;       // next hop by bpf_fib_lookup when no table MAC
  uint32_t event_ring_bytes = 64 * 1024;  // power of two, >= page size
};

class SteerProgram {
 public:
  static Result<std::unique_ptr<SteerProgram>> load(const SteerOptions& options);
  ~SteerProgram();
  SteerProgram(const SteerProgram&) = delete;
  SteerProgram& operator=(const SteerProgram&) = delete;

  Result<void> attach(const std::string& ifname, AttachMode mode);
  Result<void> detach();
  const XdpAttachment& attachment() const noexcept { return attachment_; }

  // Validates and publishes a table blob; returns its generation. Refuses a
  // generation not newer than the one in use (SIPSTEER_TABLE_ERR_STALE).
  Result<uint64_t> publish(std::span<const uint8_t> blob);
  uint64_t generation() const noexcept { return generation_; }

  // Per reason (enum sipsteer_drop_reason) and per counter (enum
  // sipsteer_xdp_counter), summed over CPUs.
  Result<std::vector<uint64_t>> drops() const;
  Result<std::vector<uint64_t>> counters() const;

  // ICMP unreachable events about nat servers (struct sipsteer_event).
  Result<int> pollEvents(int timeout_ms, const EventRing::Sink& sink) {
    return events_->poll(timeout_ms, sink);
  }
  EventRing& events() noexcept { return *events_; }

  void unpin();
  int programFd() const noexcept;
  int tableFd() const noexcept;
  int serversFd() const noexcept;
  const SteerOptions& options() const noexcept { return options_; }

 private:
  SteerProgram() = default;
  Result<void> syncServers(std::span<const uint8_t> blob, bool remove_stale);
  sipsteer_steer* skel_ = nullptr;
  std::unique_ptr<EventRing> events_;
  SteerOptions options_;
  XdpAttachment attachment_;
  uint64_t generation_ = 0;
};

}  // namespace sipsteer::bpf

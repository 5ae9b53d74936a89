// The dataplane side of the control protocol (abi/proto.h): a Unix stream
// socket that one control plane at a time talks to. A new connection
// replaces the old one (a restarted sipsteerd reconnects without waiting
// for us to notice the old one died); with no connection the dataplane
// keeps forwarding on its last table (fail-static).
//
// Single-threaded: runOnce() polls the sockets and runs the handler's
// callbacks on the calling (control) thread. Never touches the fast path
// except through the handler.
#pragma once

#include <sipsteer/abi/events.h>
#include <sipsteer/abi/proto.h>
#include <sipsteer/core/proto_frame.h>

#include <cstdint>
#include <deque>
#include <expected>
#include <span>
#include <string>
#include <vector>

namespace sipsteer::dp {

class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual uint64_t generation() = 0;
  // Validates, builds and publishes a table blob; the ACK to send back.
  virtual sipsteer_msg_table_ack applyTable(std::span<const uint8_t> blob) = 0;
  // COUNTERS_REPLY payload.
  virtual std::vector<uint8_t> counters() = 0;
  // Appends pending events (from workers) to `out`.
  virtual void drainEvents(std::vector<sipsteer_event>& out) = 0;
  // Periodic housekeeping (flow expiry, neighbour resolution), ~every 10 ms.
  virtual void tick() = 0;
};

class ControlServer {
 public:
  ControlServer(std::string path, ControlHandler& handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket (parent directory too), mode 0660. Errors name the path.
  [[nodiscard]] std::expected<void, std::string> listen();
  // Waits up to `timeout_ms` for socket activity, handles it, forwards
  // pending events, and runs tick() when due.
  void runOnce(int timeout_ms);
  bool connected() const noexcept { return client_ >= 0; }
  // Events lost to the backlog's bounds (count or age) while no control
  // plane took them.
  uint64_t eventsDropped() const noexcept { return events_dropped_; }
  size_t eventsWaiting() const noexcept { return backlog_.size(); }

  static constexpr size_t kMaxBacklog = 4096;                   // 352 KiB of events
  static constexpr uint64_t kMaxEventAgeNs = 30'000'000'000ull;  // 30 s

 private:
  void acceptClient();
  void readClient();
  void handleMessage(const sipsteer_msg_header& header, std::span<const uint8_t> payload);
  bool sendMessage(uint16_t type, uint32_t seq, std::span<const uint8_t> payload);
  void sendError(uint32_t seq, const std::string& message);
  void closeClient();
  void forwardEvents(uint64_t now);

  std::string path_;
  ControlHandler& handler_;
  int listen_fd_ = -1;
  int client_ = -1;
  core::ProtoReader reader_;
  uint32_t seq_ = 0;
  uint64_t last_tick_ns_ = 0;
  uint64_t events_dropped_ = 0;
  std::vector<sipsteer_event> events_;
  std::deque<sipsteer_event> backlog_;
};

}  // namespace sipsteer::dp

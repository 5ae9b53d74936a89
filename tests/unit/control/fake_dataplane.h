// A FAKE dataplane peer for tests: a real Unix stream socket that speaks
// abi/proto.h like sipsteer-dp (answers HELLO, validates and acknowledges
// TABLEs with core::TableView, answers COUNTERS_REQUEST with a canned blob,
// can push EVENTS) and records every table it got. It does not forward
// packets. Runs its own thread; accessors lock.
#pragma once

#include <sipsteer/abi/events.h>
#include <sipsteer/core/table_view.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <poll.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "publish/proto_codec.h"

namespace sipsteer::control::testing {

class FakeDataplane {
 public:
  explicit FakeDataplane(std::string path, uint64_t generation = 0)
      : path_(std::move(path)), generation_(generation) {
    ::unlink(path_.c_str());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listen_fd_, 4) != 0) {
      throw std::runtime_error("fake dataplane cannot listen on " + path_);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~FakeDataplane() {
    stop_ = true;
    thread_.join();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }

  std::vector<std::vector<uint8_t>> tables() const {
    std::lock_guard lock(mutex_);
    return tables_;
  }
  uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  int hellos() const { return hellos_; }
  void setCounters(std::vector<uint8_t> blob) {
    std::lock_guard lock(mutex_);
    counters_ = std::move(blob);
  }
  void sendEvents(const std::vector<sipsteer_event>& events) {
    std::lock_guard lock(mutex_);
    auto bytes = encodeMessage(SIPSTEER_MSG_EVENTS, 0,
                               {reinterpret_cast<const uint8_t*>(events.data()), events.size() * sizeof(sipsteer_event)});
    if (conn_fd_ >= 0) (void)!::send(conn_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // Drops the connection as a dataplane restart would.
  void disconnect() {
    std::lock_guard lock(mutex_);
    if (conn_fd_ >= 0) ::close(conn_fd_);
    conn_fd_ = -1;
  }

 private:
  void run() {
    MessageReader reader;
    while (!stop_) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {conn_fd_, POLLIN, 0}};
      int n = ::poll(fds, conn_fd_ >= 0 ? 2 : 1, 20);
      if (n <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        std::lock_guard lock(mutex_);
        if (conn_fd_ >= 0) ::close(conn_fd_);
        conn_fd_ = c;
        reader = MessageReader();
        continue;
      }
      if (conn_fd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
        uint8_t buf[65536];
        ssize_t r = ::recv(conn_fd_, buf, sizeof buf, 0);
        if (r <= 0) {
          std::lock_guard lock(mutex_);
          ::close(conn_fd_);
          conn_fd_ = -1;
          continue;
        }
        reader.feed({buf, static_cast<size_t>(r)});
        while (auto m = reader.next()) handle(*m);
      }
    }
  }
  void reply(uint16_t type, uint32_t seq, std::span<const uint8_t> payload) {
    auto bytes = encodeMessage(type, seq, payload);
    (void)!::send(conn_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void handle(const ProtoMessage& m) {
    std::lock_guard lock(mutex_);
    if (m.header.type == SIPSTEER_MSG_HELLO) {
      ++hellos_;
      sipsteer_msg_hello h{};
      h.abi_version = SIPSTEER_ABI_VERSION;
      h.role = 2;
      h.pid = static_cast<uint32_t>(::getpid());
      h.generation = generation_;
      reply(SIPSTEER_MSG_HELLO, m.header.seq, asBytes(h));
    } else if (m.header.type == SIPSTEER_MSG_TABLE) {
      // Copy into 8-aligned storage, as the real dataplane must.
      std::vector<uint64_t> aligned((m.payload.size() + 7) / 8);
      std::memcpy(aligned.data(), m.payload.data(), m.payload.size());
      core::TableView view;
      auto err = core::TableView::validate({reinterpret_cast<const uint8_t*>(aligned.data()), m.payload.size()}, view);
      sipsteer_msg_table_ack ack{};
      ack.status = err;
      if (err == SIPSTEER_TABLE_ERR_OK) {
        ack.generation = view.header().generation;
        if (ack.generation <= generation_) {
          ack.status = SIPSTEER_TABLE_ERR_STALE;
        } else {
          generation_ = ack.generation;
          tables_.push_back(m.payload);
        }
      }
      reply(SIPSTEER_MSG_TABLE_ACK, m.header.seq, asBytes(ack));
    } else if (m.header.type == SIPSTEER_MSG_COUNTERS_REQUEST) {
      reply(SIPSTEER_MSG_COUNTERS_REPLY, m.header.seq, counters_);
    }
  }

  std::string path_;
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  mutable std::mutex mutex_;
  uint64_t generation_;
  std::vector<std::vector<uint8_t>> tables_;
  std::vector<uint8_t> counters_;
  std::atomic<int> hellos_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sipsteer::control::testing

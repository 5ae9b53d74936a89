// A single-threaded epoll loop: file descriptors with callbacks, one
// deadline source (the owner's next timer), and signals through signalfd.
// Every component of sipsteerd runs on it, so none needs a lock except
// where the Prometheus exposer's own thread reads (see metrics/).
#pragma once

#include <csignal>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <unordered_map>

#include "util/clock.h"

namespace sipsteer::control {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  std::expected<void, std::string> watch(int fd, Callback on_readable);
  void unwatch(int fd);
  // Blocks SIGHUP/SIGTERM/SIGINT and reports them through `on_signal`.
  std::expected<void, std::string> handleSignals(std::function<void(int)> on_signal);

  // Runs until stop(): waits for fds or `next_deadline()` (absolute, on
  // `clock`), then calls `on_wake()` after the fd callbacks.
  void run(const Clock& clock, const std::function<Nanos()>& next_deadline,
           const std::function<void()>& on_wake);
  void stop() { running_ = false; }

 private:
  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  bool running_ = false;
  std::unordered_map<int, Callback> callbacks_;
};

}  // namespace sipsteer::control

#include "daemon/event_loop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sipsteer::control {

EventLoop::EventLoop() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::expected<void, std::string> EventLoop::watch(int fd, Callback cb) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return std::unexpected(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  callbacks_[fd] = std::move(cb);
  return {};
}

void EventLoop::unwatch(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  callbacks_.erase(fd);
}

std::expected<void, std::string> EventLoop::handleSignals(std::function<void(int)> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return std::unexpected("sigmask failed");
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) return std::unexpected(std::string("signalfd: ") + std::strerror(errno));
  return watch(signal_fd_, [this, on_signal] {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si) on_signal(static_cast<int>(si.ssi_signo));
  });
}

void EventLoop::run(const Clock& clock, const std::function<Nanos()>& next_deadline,
                    const std::function<void()>& on_wake) {
  running_ = true;
  epoll_event events[32];
  while (running_) {
    Nanos deadline = next_deadline();
    int timeout_ms = 1000;  // wake at least once a second (housekeeping)
    if (deadline != Nanos::max()) {
      Nanos wait = deadline - clock.now();
      // Round up so we never wake a hair early and spin.
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(wait, Nanos::zero())).count();
      timeout_ms = static_cast<int>(std::min<int64_t>(ms, timeout_ms));
    }
    int n = ::epoll_wait(epoll_fd_, events, 32, timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto it = callbacks_.find(events[i].data.fd);
      if (it != callbacks_.end()) {
        Callback cb = it->second;  // the callback may unwatch itself
        cb();
      }
    }
    on_wake();
  }
}

}  // namespace sipsteer::control

// Reader of a BPF ring buffer of struct sipsteer_event (abi/events.h), as
// the XDP programs write them. RAII over libbpf's ring_buffer; not
// thread-safe (one reader).
#pragma once

#include <sipsteer/abi/events.h>
#include <sipsteer_bpf/loader.h>

#include <functional>
#include <memory>
#include <string>

struct ring_buffer;

namespace sipsteer::bpf {

class EventRing {
 public:
  using Sink = std::function<void(const sipsteer_event&)>;

  // `map_fd` is a BPF_MAP_TYPE_RINGBUF; `name` appears in errors.
  static Result<std::unique_ptr<EventRing>> open(int map_fd, const std::string& name);
  ~EventRing();
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  // Calls `sink` for each waiting event, waiting up to `timeout_ms` for the
  // first (0: do not wait). Returns how many were consumed.
  Result<int> poll(int timeout_ms, const Sink& sink);
  // An fd that becomes readable when events wait (for an epoll loop).
  int epollFd() const noexcept;

 private:
  EventRing() = default;
  ring_buffer* ring_ = nullptr;
  std::string name_;
  const Sink* sink_ = nullptr;
};

}  // namespace sipsteer::bpf

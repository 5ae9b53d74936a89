#include <sipsteer_bpf/event_ring.h>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace sipsteer::bpf {

Result<std::unique_ptr<EventRing>> EventRing::open(int map_fd, const std::string& name) {
  std::unique_ptr<EventRing> self(new EventRing());
  self->name_ = name;
  self->ring_ = ring_buffer__new(
      map_fd,
      [](void* ctx, void* data, size_t size) -> int {
        auto* ring = static_cast<EventRing*>(ctx);
        // Records of another size are from another ABI version: skip them.
        if (size != sizeof(sipsteer_event) || !ring->sink_) return 0;
        sipsteer_event ev;
        std::memcpy(&ev, data, sizeof(ev));
        (*ring->sink_)(ev);
        return 0;
      },
      self.get(), nullptr);
  if (!self->ring_) return std::unexpected(makeError(name + ": opening the event ring", -errno));
  return self;
}

EventRing::~EventRing() {
  if (ring_) ring_buffer__free(ring_);
}

Result<int> EventRing::poll(int timeout_ms, const Sink& sink) {
  sink_ = &sink;
  const int n = ring_buffer__poll(ring_, timeout_ms);
  sink_ = nullptr;
  if (n < 0 && n != -EINTR) return std::unexpected(makeError(name_ + ": polling events", n));
  return n < 0 ? 0 : n;
}

int EventRing::epollFd() const noexcept { return ring_buffer__epoll_fd(ring_); }

}  // namespace sipsteer::bpf

#include "bpf/xsk_socket.h"

#include <linux/if_xdp.h>
#include <poll.h>
#include <sys/mman.h>
#include <xdp/xsk.h>

#include <cerrno>
#include <cstring>

namespace sipsteer::bpftest {

namespace {
constexpr uint32_t kFrames = 64;
constexpr uint32_t kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;
}  // namespace

struct XskSocket::Rings {
  xsk_ring_prod fill;
  xsk_ring_cons comp;
  xsk_ring_cons rx;
  xsk_ring_prod tx;
};

XskSocket::XskSocket(const std::string& ifname, uint32_t queue) : rings_(new Rings{}) {
  const size_t size = kFrames * kFrameSize;
  area_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    error_ = std::string("mmap UMEM: ") + std::strerror(errno);
    return;
  }
  xsk_umem_config ucfg{};
  ucfg.fill_size = kFrames;
  ucfg.comp_size = kFrames;
  ucfg.frame_size = kFrameSize;
  if (int err = xsk_umem__create(&umem_, area_, size, &rings_->fill, &rings_->comp, &ucfg); err) {
    umem_ = nullptr;
    error_ = std::string("xsk_umem__create: ") + std::strerror(-err);
    return;
  }
  xsk_socket_config cfg{};
  cfg.rx_size = kFrames;
  cfg.tx_size = kFrames;
  cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  cfg.bind_flags = XDP_COPY;
  if (int err = xsk_socket__create(&xsk_, ifname.c_str(), queue, umem_, &rings_->rx, &rings_->tx, &cfg);
      err) {
    xsk_ = nullptr;
    error_ = std::string("xsk_socket__create on ") + ifname + ": " + std::strerror(-err);
    return;
  }
  uint32_t idx = 0;
  const uint32_t n = xsk_ring_prod__reserve(&rings_->fill, kFrames, &idx);
  for (uint32_t i = 0; i < n; ++i) *xsk_ring_prod__fill_addr(&rings_->fill, idx + i) = i * kFrameSize;
  xsk_ring_prod__submit(&rings_->fill, n);
}

XskSocket::~XskSocket() {
  if (xsk_) xsk_socket__delete(xsk_);
  if (umem_) xsk_umem__delete(umem_);
  if (area_) munmap(area_, kFrames * kFrameSize);
  delete rings_;
}

int XskSocket::fd() const { return xsk_ ? xsk_socket__fd(xsk_) : -1; }

std::vector<std::vector<uint8_t>> XskSocket::receive(int timeout_ms, size_t max) {
  std::vector<std::vector<uint8_t>> frames;
  if (!xsk_) return frames;
  pollfd pfd{fd(), POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) <= 0) return frames;
  uint32_t idx = 0;
  const uint32_t n = xsk_ring_cons__peek(&rings_->rx, static_cast<uint32_t>(max), &idx);
  std::vector<uint64_t> addrs;
  for (uint32_t i = 0; i < n; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&rings_->rx, idx + i);
    const auto* p = static_cast<const uint8_t*>(xsk_umem__get_data(area_, desc->addr));
    frames.emplace_back(p, p + desc->len);
    addrs.push_back(xsk_umem__extract_addr(desc->addr));
  }
  xsk_ring_cons__release(&rings_->rx, n);
  uint32_t fidx = 0;
  if (xsk_ring_prod__reserve(&rings_->fill, n, &fidx) == n) {
    for (uint32_t i = 0; i < n; ++i) *xsk_ring_prod__fill_addr(&rings_->fill, fidx + i) = addrs[i];
    xsk_ring_prod__submit(&rings_->fill, n);
  }
  return frames;
}

}  // namespace sipsteer::bpftest

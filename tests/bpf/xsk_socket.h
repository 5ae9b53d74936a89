// A small AF_XDP socket for tests (libxdp's xsk API): copy mode, no program
// loaded by libxdp (the test's XDP program redirects into it), UMEM of a few
// frames so it fits the 8 MiB memlock limit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct xsk_socket;
struct xsk_umem;

namespace sipsteer::bpftest {

class XskSocket {
 public:
  // Binds queue `queue` of `ifname`; ok() false (error() says why) on failure.
  XskSocket(const std::string& ifname, uint32_t queue);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  bool ok() const { return xsk_ != nullptr; }
  const std::string& error() const { return error_; }
  int fd() const;
  // Frames received within `timeout_ms` (at most `max`), refilling the UMEM.
  std::vector<std::vector<uint8_t>> receive(int timeout_ms, size_t max = 64);

 private:
  struct Rings;
  Rings* rings_ = nullptr;
  void* area_ = nullptr;
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  std::string error_;
};

}  // namespace sipsteer::bpftest

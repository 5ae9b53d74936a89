#include "runtime/kernel_neighbours.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipsteer::dp {
namespace {

std::string errnoText(const char* what, int error) {
  return std::string(what) + ": " + std::strerror(error) + " (errno " + std::to_string(error) + ")";
}

// A dump of 4096 entries arrives in well under this many parts.
constexpr int kMaxReads = 256;

}  // namespace

KernelNeighbours::~KernelNeighbours() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> KernelNeighbours::open() {
  if (fd_ >= 0) return {};
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return std::unexpected(errnoText("socket(AF_NETLINK, NETLINK_ROUTE)", errno));
  // Ask the kernel to check dump requests strictly (the NDA_IFINDEX filter
  // is honoured either way); old kernels without the option are fine.
  const int one = 1;
  (void)::setsockopt(fd_, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  return {};
}

std::unexpected<std::string> KernelNeighbours::fail(std::string why) {
  // A socket left mid-dump would answer the next dump EBUSY, and stray
  // replies would linger: start the next round on a fresh one.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return std::unexpected(std::move(why));
}

std::expected<void, std::string> KernelNeighbours::send(const uint8_t* message, size_t length, const char* what) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, message, length, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(length))
    return std::unexpected(errnoText(what, errno));
  return {};
}

std::expected<void, std::string> KernelNeighbours::exchange(const uint8_t* message, size_t length, uint32_t seq,
                                                            const char* what, int max_reads, const char* unanswered,
                                                            std::vector<KernelNeighbour>& out) {
  if (auto ok = open(); !ok) return std::unexpected(ok.error());
  if (auto ok = send(message, length, what); !ok) return fail(ok.error());
  for (int reads = 0; reads < max_reads; ++reads) {
    const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errnoText((std::string(what) + ": recv").c_str(), errno));
    }
    const NetlinkBatch batch = parseNeighbourReplies(buffer_.data(), static_cast<size_t>(n), seq, out);
    if (batch.malformed) return fail(std::string(what) + ": malformed reply");
    if (batch.error != 0) return fail(errnoText(what, batch.error));
    if (batch.done) return {};
  }
  return fail(std::string(what) + ": " + unanswered);
}

std::expected<std::vector<KernelNeighbour>, std::string> KernelNeighbours::dump(int ifindex) {
  uint8_t message[kNeighbourRequestMax];
  const uint32_t seq = ++seq_;
  std::vector<KernelNeighbour> out;
  const std::string unanswered = "no end after " + std::to_string(kMaxReads) + " reads";
  if (auto ok = exchange(message, buildNeighbourDump(message, seq, ifindex), seq, "RTM_GETNEIGH dump", kMaxReads,
                         unanswered.c_str(), out);
      !ok)
    return std::unexpected(ok.error());
  return out;
}

std::expected<void, std::string> KernelNeighbours::use(int ifindex, uint8_t family,
                                                       const union sipsteer_addr& addr) {
  uint8_t message[kNeighbourRequestMax];
  const uint32_t seq = ++seq_;
  std::vector<KernelNeighbour> ignored;
  return exchange(message, buildNeighbourUse(message, seq, ifindex, family, addr), seq, "RTM_NEWNEIGH NTF_USE", 4,
                  "no acknowledgement", ignored);
}

}  // namespace sipsteer::dp

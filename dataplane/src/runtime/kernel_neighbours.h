// The kernel's neighbour table over an rtnetlink socket in sipsteer-dp's
// own network namespace: read one interface's entries, ask the kernel to
// resolve an address. Non-blocking: the kernel answers a request to its own
// netlink socket while sendto() runs (and produces the next part of a dump
// while recv() runs), so nothing here waits; a reply that is not there is an
// error for this round, and the next round asks again. Control thread only.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "runtime/neighbour_netlink.h"

namespace sipsteer::dp {

class KernelNeighbours {
 public:
  KernelNeighbours() = default;
  ~KernelNeighbours();
  KernelNeighbours(const KernelNeighbours&) = delete;
  KernelNeighbours& operator=(const KernelNeighbours&) = delete;

  // Opens the socket (idempotent). Errors name the call and errno.
  std::expected<void, std::string> open();
  // Every IPv4/IPv6 entry of `ifindex`, usable or not.
  std::expected<std::vector<KernelNeighbour>, std::string> dump(int ifindex);
  // RTM_NEWNEIGH with NTF_USE for `addr` on `ifindex`; waits for no answer
  // beyond the kernel's acknowledgement.
  std::expected<void, std::string> use(int ifindex, uint8_t family, const union sipsteer_addr& addr);

 private:
  std::unexpected<std::string> fail(std::string why);
  std::expected<void, std::string> send(const uint8_t* message, size_t length, const char* what);
  // Sends `message` (sequence `seq`) and reads replies until the kernel's
  // done/ack, at most `max_reads` times; entries found go to `out`. Errors
  // start with `what`; `unanswered` says what was missing at the end.
  std::expected<void, std::string> exchange(const uint8_t* message, size_t length, uint32_t seq, const char* what,
                                            int max_reads, const char* unanswered, std::vector<KernelNeighbour>& out);
  int fd_ = -1;
  uint32_t seq_ = 0;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(32768);
};

}  // namespace sipsteer::dp

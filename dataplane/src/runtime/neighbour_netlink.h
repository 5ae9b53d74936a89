// rtnetlink neighbour messages, built and parsed without a socket (so tests
// feed captured bytes): a dump of one interface's neighbour table
// (RTM_GETNEIGH), a "resolve this address" request (RTM_NEWNEIGH with
// NTF_USE: the kernel sends its own ARP request / solicitation, from its own
// address, and learns the answer), and the replies to both.
// Plain <linux/rtnetlink.h>: two fixed-layout requests and a flat walk over
// the replies need no helper library.
#pragma once

#include <sipsteer/abi/common.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sipsteer::dp {

struct KernelNeighbour {
  uint8_t family = 0;  // SIPSTEER_FAMILY_*
  union sipsteer_addr addr {};
  int ifindex = 0;
  uint16_t state = 0;  // NUD_*
  bool has_mac = false;
  uint8_t mac[6] = {};
};

// Bytes needed by the builders below.
inline constexpr size_t kNeighbourRequestMax = 64;

// RTM_GETNEIGH dump of both families, filtered by the kernel to `ifindex`
// (NDA_IFINDEX). Returns the message length.
size_t buildNeighbourDump(uint8_t* out, uint32_t seq, int ifindex);
// RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_ACK, ndm_flags NTF_USE, NDA_DST `addr`:
// the kernel creates the entry if needed and starts resolving it
// (neigh_add -> neigh_event_send), or revalidates a STALE one.
size_t buildNeighbourUse(uint8_t* out, uint32_t seq, int ifindex, uint8_t family, const union sipsteer_addr& addr);

struct NetlinkBatch {
  bool done = false;     // NLMSG_DONE (dump) or the acknowledgement (request) arrived
  int error = 0;         // errno the kernel answered (positive), 0 if none
  bool malformed = false;
};

// Walks one recv()'s worth of netlink messages answering `seq`, appending
// every IPv4/IPv6 neighbour (RTM_NEWNEIGH) to `out`; other sequence numbers
// and message types are skipped.
NetlinkBatch parseNeighbourReplies(const uint8_t* data, size_t length, uint32_t seq, std::vector<KernelNeighbour>& out);

// Whether the kernel's entry holds a MAC fit to send to: REACHABLE, STALE,
// DELAY, PROBE, PERMANENT, NOARP (STALE/DELAY/PROBE: not confirmed lately,
// still the last known MAC, as the kernel itself uses it).
bool usableNeighbourState(uint16_t state) noexcept;
// "reachable", "stale|..." (for logs).
std::string neighbourStateName(uint16_t state);

}  // namespace sipsteer::dp

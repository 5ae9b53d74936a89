#include "runtime/neighbour_netlink.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace sipsteer::dp {
namespace {

// Appends one attribute at `at` (4-byte aligned); returns the new length.
size_t putAttr(uint8_t* out, size_t at, uint16_t type, const void* data, size_t size) {
  rtattr attr{};
  attr.rta_type = type;
  attr.rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
  std::memcpy(out + at, &attr, sizeof attr);
  std::memcpy(out + at + RTA_LENGTH(0), data, size);
  return at + RTA_SPACE(size);
}

size_t startMessage(uint8_t* out, uint16_t type, uint16_t flags, uint32_t seq, const ndmsg& body) {
  std::memset(out, 0, kNeighbourRequestMax);
  nlmsghdr header{};
  header.nlmsg_type = type;
  header.nlmsg_flags = flags;
  header.nlmsg_seq = seq;
  std::memcpy(out, &header, sizeof header);
  std::memcpy(out + NLMSG_HDRLEN, &body, sizeof body);
  return NLMSG_SPACE(sizeof body);
}

void finishMessage(uint8_t* out, size_t length) {
  const uint32_t len = static_cast<uint32_t>(length);
  std::memcpy(out + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
}

}  // namespace

size_t buildNeighbourDump(uint8_t* out, uint32_t seq, int ifindex) {
  ndmsg body{};
  body.ndm_family = AF_UNSPEC;  // both tables: arp_tbl and nd_tbl
  size_t length = startMessage(out, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, body);
  // The filter is the attribute; a non-zero ndm_ifindex in a dump request
  // is refused under strict checking.
  const uint32_t index = static_cast<uint32_t>(ifindex);
  length = putAttr(out, length, NDA_IFINDEX, &index, sizeof index);
  finishMessage(out, length);
  return length;
}

size_t buildNeighbourUse(uint8_t* out, uint32_t seq, int ifindex, uint8_t family, const union sipsteer_addr& addr) {
  ndmsg body{};
  body.ndm_family = family == SIPSTEER_FAMILY_IPV4 ? AF_INET : AF_INET6;
  body.ndm_ifindex = ifindex;
  body.ndm_state = NUD_NONE;  // not PERMANENT: a created entry stays the kernel's to age and collect
  body.ndm_flags = NTF_USE;
  size_t length = startMessage(out, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, seq, body);
  length = putAttr(out, length, NDA_DST, addr.bytes, family == SIPSTEER_FAMILY_IPV4 ? 4 : 16);
  finishMessage(out, length);
  return length;
}

NetlinkBatch parseNeighbourReplies(const uint8_t* data, size_t length, uint32_t seq,
                                   std::vector<KernelNeighbour>& out) {
  NetlinkBatch batch;
  size_t at = 0;
  while (at + NLMSG_HDRLEN <= length) {
    nlmsghdr header;
    std::memcpy(&header, data + at, sizeof header);
    if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > length - at) {
      batch.malformed = true;
      return batch;
    }
    const uint8_t* payload = data + at + NLMSG_HDRLEN;
    const size_t payload_length = header.nlmsg_len - NLMSG_HDRLEN;
    at += NLMSG_ALIGN(header.nlmsg_len);
    if (header.nlmsg_seq != seq) continue;
    if (header.nlmsg_type == NLMSG_DONE) {
      batch.done = true;
    } else if (header.nlmsg_type == NLMSG_ERROR) {
      // An acknowledgement is an error message with error 0.
      nlmsgerr err;
      if (payload_length < sizeof err.error) {
        batch.malformed = true;
        return batch;
      }
      std::memcpy(&err.error, payload, sizeof err.error);
      batch.error = -err.error;
      batch.done = true;
    } else if (header.nlmsg_type == RTM_NEWNEIGH) {
      ndmsg body;
      if (payload_length < sizeof body) {
        batch.malformed = true;
        return batch;
      }
      std::memcpy(&body, payload, sizeof body);
      if (body.ndm_family != AF_INET && body.ndm_family != AF_INET6) continue;
      KernelNeighbour n;
      n.family = body.ndm_family == AF_INET ? SIPSTEER_FAMILY_IPV4 : SIPSTEER_FAMILY_IPV6;
      n.ifindex = body.ndm_ifindex;
      n.state = body.ndm_state;
      const size_t addr_size = body.ndm_family == AF_INET ? 4 : 16;
      bool have_dst = false;
      size_t a = NLMSG_ALIGN(sizeof body);
      while (a + RTA_LENGTH(0) <= payload_length) {
        rtattr attr;
        std::memcpy(&attr, payload + a, sizeof attr);
        if (attr.rta_len < RTA_LENGTH(0) || attr.rta_len > payload_length - a) {
          batch.malformed = true;
          return batch;
        }
        const uint8_t* value = payload + a + RTA_LENGTH(0);
        const size_t value_size = attr.rta_len - RTA_LENGTH(0);
        if (attr.rta_type == NDA_DST && value_size == addr_size) {
          std::memcpy(n.addr.bytes, value, addr_size);
          have_dst = true;
        } else if (attr.rta_type == NDA_LLADDR && value_size == 6) {
          std::memcpy(n.mac, value, 6);
          n.has_mac = true;
        }
        a += RTA_ALIGN(attr.rta_len);
      }
      if (have_dst) out.push_back(n);
    }
  }
  return batch;
}

bool usableNeighbourState(uint16_t state) noexcept {
  return (state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)) != 0;
}

std::string neighbourStateName(uint16_t state) {
  static constexpr struct {
    uint16_t bit;
    const char* name;
  } kNames[] = {{NUD_INCOMPLETE, "incomplete"}, {NUD_REACHABLE, "reachable"}, {NUD_STALE, "stale"},
                {NUD_DELAY, "delay"},           {NUD_PROBE, "probe"},         {NUD_FAILED, "failed"},
                {NUD_NOARP, "noarp"},           {NUD_PERMANENT, "permanent"}};
  std::string out;
  for (const auto& n : kNames)
    if (state & n.bit) {
      if (!out.empty()) out += '|';
      out += n.name;
    }
  return out.empty() ? "none" : out;
}

}  // namespace sipsteer::dp

// Helpers shared by the fixture tests: endpoints from text, counter deltas.
#pragma once

#include <sipsteer_bpf/map_types.h>

#include <cstring>
#include <string_view>

#include "bpf/frames.h"

namespace sipsteer::bpftest {

inline sipsteer_bpf_endpoint endpoint(std::string_view addr, uint16_t port) {
  const Ip ip = Ip::parse(addr);
  sipsteer_bpf_endpoint ep{};
  std::memcpy(ep.addr.bytes, ip.bytes.data(), ip.family == 4 ? 4 : 16);
  ep.family = ip.family == 4 ? SIPSTEER_FAMILY_IPV4 : SIPSTEER_FAMILY_IPV6;
  ep.port = static_cast<uint16_t>(port >> 8 | (port & 0xff) << 8);  // network order
  return ep;
}

}  // namespace sipsteer::bpftest

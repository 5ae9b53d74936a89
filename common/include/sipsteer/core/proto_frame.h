// Encoding of one control <-> dataplane message (abi/proto.h): header plus
// payload, the only place that fills a sipsteer_msg_header for sending. Used by
// the control plane's dataplane client and by the tests' protocol peers.
#pragma once

#include <sipsteer/abi/proto.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace sipsteer::core {

inline std::vector<uint8_t> encodeProtoMessage(uint16_t type, uint32_t seq,
                                               std::span<const uint8_t> payload) {
  sipsteer_msg_header header{};
  header.magic = SIPSTEER_PROTO_MAGIC;
  header.version = SIPSTEER_PROTO_VERSION;
  header.type = type;
  header.length = static_cast<uint32_t>(payload.size());
  header.seq = seq;
  std::vector<uint8_t> out(sizeof header + payload.size());
  std::memcpy(out.data(), &header, sizeof header);
  if (!payload.empty()) std::memcpy(out.data() + sizeof header, payload.data(), payload.size());
  return out;
}

}  // namespace sipsteer::core

// The control plane's names for the shared protocol framing
// (sipsteer/core/proto_frame.h), plus a byte view of a fixed-size record.
#pragma once

#include <sipsteer/core/proto_frame.h>

#include <cstdint>
#include <span>
#include <vector>

namespace sipsteer::control {

using core::ProtoMessage;
using MessageReader = core::ProtoReader;

inline std::vector<uint8_t> encodeMessage(uint16_t type, uint32_t seq, std::span<const uint8_t> payload) {
  return core::encodeProtoMessage(type, seq, payload);
}

template <typename T>
std::span<const uint8_t> asBytes(const T& value) {
  return {reinterpret_cast<const uint8_t*>(&value), sizeof value};
}

}  // namespace sipsteer::control

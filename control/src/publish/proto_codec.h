// Framing of the control <-> dataplane protocol (abi/proto.h): encoding a
// message and cutting a byte stream into checked messages. Used by the
// dataplane client and by the fake dataplane peer of the tests.
#pragma once

#include <sipsteer/abi/proto.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sipsteer::control {

struct ProtoMessage {
  sipsteer_msg_header header{};
  std::vector<uint8_t> payload;
};

std::vector<uint8_t> encodeMessage(uint16_t type, uint32_t seq, std::span<const uint8_t> payload);

template <typename T>
std::span<const uint8_t> asBytes(const T& value) {
  return {reinterpret_cast<const uint8_t*>(&value), sizeof value};
}

// Accumulates stream bytes; next() yields whole messages. A wrong magic,
// version or oversized length puts the reader in a failed state (the
// connection must be closed: the protocol never guesses).
class MessageReader {
 public:
  void feed(std::span<const uint8_t> bytes);
  std::optional<ProtoMessage> next();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;
  std::string error_;
};

}  // namespace sipsteer::control

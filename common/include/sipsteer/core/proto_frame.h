// Framing of one control <-> dataplane message (abi/proto.h): the only place
// that fills a sipsteer_msg_header for sending, and the only reader that cuts
// a byte stream into checked messages. Used by the control plane's dataplane
// client, the dataplane's control server and the tests' protocol peers.
#pragma once

#include <sipsteer/abi/proto.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sipsteer::core {

// Empty when the payload is over SIPSTEER_PROTO_MAX_PAYLOAD: every reader
// would refuse it, so it is never put on the wire.
inline std::vector<uint8_t> encodeProtoMessage(uint16_t type, uint32_t seq,
                                               std::span<const uint8_t> payload) {
  if (payload.size() > SIPSTEER_PROTO_MAX_PAYLOAD) return {};
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

struct ProtoMessage {
  sipsteer_msg_header header{};
  std::vector<uint8_t> payload;
};

// Accumulates stream bytes; next() yields whole messages. A wrong magic,
// version or oversized length puts the reader in a failed state: the
// connection must be closed, because the protocol never guesses where the
// next message starts.
class ProtoReader {
 public:
  void feed(std::span<const uint8_t> bytes);
  std::optional<ProtoMessage> next();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // The seq of the header that failed, so the peer's request can be named.
  uint32_t failedSeq() const { return failed_seq_; }

 private:
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;
  std::string error_;
  uint32_t failed_seq_ = 0;
};

}  // namespace sipsteer::core

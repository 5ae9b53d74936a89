#include <sipsteer/core/proto_frame.h>

namespace sipsteer::core {

void ProtoReader::feed(std::span<const uint8_t> bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<ProtoMessage> ProtoReader::next() {
  if (failed()) return std::nullopt;
  const size_t avail = buffer_.size() - start_;
  if (avail < sizeof(sipsteer_msg_header)) return std::nullopt;
  ProtoMessage m;
  std::memcpy(&m.header, buffer_.data() + start_, sizeof m.header);
  if (m.header.magic != SIPSTEER_PROTO_MAGIC) {
    error_ = "bad magic";
  } else if (m.header.version != SIPSTEER_PROTO_VERSION) {
    error_ = "protocol version " + std::to_string(m.header.version) + ", expected " +
             std::to_string(SIPSTEER_PROTO_VERSION);
  } else if (m.header.length > SIPSTEER_PROTO_MAX_PAYLOAD) {
    error_ = "payload of " + std::to_string(m.header.length) + " bytes is over the protocol limit of " +
             std::to_string(SIPSTEER_PROTO_MAX_PAYLOAD);
  }
  if (failed()) {
    failed_seq_ = m.header.seq;
    return std::nullopt;
  }
  if (avail < sizeof m.header + m.header.length) return std::nullopt;
  const uint8_t* p = buffer_.data() + start_ + sizeof m.header;
  m.payload.assign(p, p + m.header.length);
  start_ += sizeof m.header + m.header.length;
  // Compact now and then so a long-lived connection does not grow the buffer.
  if (start_ > (1u << 20)) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(start_));
    start_ = 0;
  }
  return m;
}

}  // namespace sipsteer::core

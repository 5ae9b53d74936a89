// A blocking client of the control<->dataplane protocol (abi/proto.h), the
// control plane's side, for tools and tests: connect, HELLO, TABLE ->
// TABLE_ACK, COUNTERS_REQUEST -> COUNTERS_REPLY, EVENTS. Framing is the shared
// sipsteer/core/proto_frame.h; the message exchange is written from the header
// independently of the control plane's client, so each checks the other.
#pragma once

#include <sipsteer/abi/events.h>
#include <sipsteer/abi/proto.h>
#include <sipsteer/core/proto_frame.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipsteer::testing {

using core::ProtoMessage;

class ProtoClient {
 public:
  ~ProtoClient();
  // Connects to `path`; false with `error` set on failure.
  bool connect(const std::string& path, std::string& error);
  bool send(uint16_t type, const std::vector<uint8_t>& payload, uint32_t seq);
  // Writes bytes as they are (tests of the peer's framing checks).
  bool sendRaw(const std::vector<uint8_t>& bytes);
  // Next message, waiting at most `timeout_ms`; nullopt on timeout or close.
  std::optional<ProtoMessage> receive(int timeout_ms);
  // Next message of `type`, collecting EVENTS seen on the way into events().
  std::optional<ProtoMessage> receiveType(uint16_t type, int timeout_ms);

  // HELLO exchange; the dataplane's hello (its generation) or nullopt.
  std::optional<sipsteer_msg_hello> hello();
  std::optional<sipsteer_msg_table_ack> sendTable(const std::vector<uint8_t>& blob);
  std::optional<std::vector<uint8_t>> counters();
  std::vector<sipsteer_event>& events() { return events_; }
  void close();

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
  core::ProtoReader reader_;
  std::vector<sipsteer_event> events_;
};

// Decoded COUNTERS_REPLY.
struct CountersView {
  sipsteer_counters_header header{};
  std::vector<uint64_t> drops;
  std::vector<uint64_t> sip_errors;
  std::vector<sipsteer_port_counters> ports;
  std::vector<sipsteer_vip_counters> vips;
  std::vector<sipsteer_server_counters> servers;
};
std::optional<CountersView> decodeCounters(const std::vector<uint8_t>& blob);

}  // namespace sipsteer::testing

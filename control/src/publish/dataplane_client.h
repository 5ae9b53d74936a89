// The control plane's side of proto.h: connects to sipsteer-dp's Unix
// socket, says HELLO, sends TABLEs, asks for COUNTERS, and hands ACKs,
// EVENTS and counters to a listener. Reconnects are driven by the owner
// (connect() again after a disconnect); on every (re)connect the owner
// re-publishes its current table, which is how a restart re-syncs.
// Single-threaded (event loop): fd() is watched for reads, onReadable()
// drains it. Writes block up to a short send timeout.
#pragma once

#include <sipsteer/abi/events.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "publish/proto_codec.h"
#include "publish/table_publisher.h"
#include "util/clock.h"

namespace sipsteer::control {

class DataplaneListener {
 public:
  virtual ~DataplaneListener() = default;
  virtual void onDataplaneHello(uint64_t generation, uint32_t pid) = 0;
  // `latency`: from the start of publish() to this ACK.
  virtual void onTableAck(uint64_t generation, uint32_t status, uint32_t apply_ns, Nanos latency) = 0;
  virtual void onEvents(std::span<const sipsteer_event> events) = 0;
  virtual void onCounters(std::span<const uint8_t> blob) = 0;
  virtual void onDataplaneError(const std::string& message) = 0;
  virtual void onDataplaneDisconnect(const std::string& why) = 0;
};

class DataplaneClient final : public TablePublisher {
 public:
  DataplaneClient(std::string socket_path, const Clock& clock, DataplaneListener& listener);
  ~DataplaneClient() override;
  DataplaneClient(const DataplaneClient&) = delete;
  DataplaneClient& operator=(const DataplaneClient&) = delete;

  std::expected<void, std::string> connect(uint64_t our_generation);
  void close(const std::string& why);
  int fd() const { return fd_; }
  void onReadable();

  std::string_view name() const override { return "dataplane"; }
  std::expected<void, std::string> publish(std::span<const uint8_t> blob, uint64_t generation) override;
  bool ready() const override { return fd_ >= 0; }
  std::expected<void, std::string> requestCounters();

 private:
  std::expected<void, std::string> sendAll(const std::vector<uint8_t>& bytes);
  void dispatch(const ProtoMessage& m);

  std::string path_;
  const Clock& clock_;
  DataplaneListener& listener_;
  int fd_ = -1;
  uint32_t seq_ = 0;
  MessageReader reader_;
  std::map<uint64_t, Nanos> in_flight_;  // generation -> publish start
};

}  // namespace sipsteer::control

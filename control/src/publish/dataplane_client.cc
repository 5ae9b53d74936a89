#include "publish/dataplane_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sipsteer::control {

DataplaneClient::DataplaneClient(std::string socket_path, const Clock& clock,
                                 DataplaneListener& listener)
    : path_(std::move(socket_path)), clock_(clock), listener_(listener) {}

DataplaneClient::~DataplaneClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> DataplaneClient::connect(uint64_t our_generation) {
  if (fd_ >= 0) return {};
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path_.size() >= sizeof sa.sun_path) return std::unexpected("socket path too long: " + path_);
  std::memcpy(sa.sun_path, path_.c_str(), path_.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::string err = "connect " + path_ + ": " + std::strerror(errno);
    ::close(fd);
    return std::unexpected(err);
  }
  // A wedged dataplane must not wedge the control loop: sends give up.
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  fd_ = fd;
  reader_ = MessageReader();
  in_flight_.clear();
  sipsteer_msg_hello hello{};
  hello.abi_version = SIPSTEER_ABI_VERSION;
  hello.role = 1;
  hello.pid = static_cast<uint32_t>(::getpid());
  hello.generation = our_generation;
  auto sent = sendAll(encodeMessage(SIPSTEER_MSG_HELLO, ++seq_, asBytes(hello)));
  if (!sent) {
    close(sent.error());
    return std::unexpected(sent.error());
  }
  return {};
}

void DataplaneClient::close(const std::string& why) {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  in_flight_.clear();
  listener_.onDataplaneDisconnect(why);
}

std::expected<void, std::string> DataplaneClient::sendAll(const std::vector<uint8_t>& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected("send to " + path_ + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

std::expected<void, std::string> DataplaneClient::publish(std::span<const uint8_t> blob,
                                                          uint64_t generation) {
  if (fd_ < 0) return std::unexpected("not connected to " + path_);
  if (blob.size() > SIPSTEER_PROTO_MAX_PAYLOAD)
    return std::unexpected("table generation " + std::to_string(generation) + " is " + std::to_string(blob.size()) +
                           " bytes, over the protocol limit of " + std::to_string(SIPSTEER_PROTO_MAX_PAYLOAD));
  Nanos start = clock_.now();
  auto sent = sendAll(encodeMessage(SIPSTEER_MSG_TABLE, ++seq_, blob));
  if (!sent) {
    close(sent.error());
    return sent;
  }
  in_flight_[generation] = start;
  // Forget ACKs that never came (a peer may drop superseded tables).
  while (in_flight_.size() > 64) in_flight_.erase(in_flight_.begin());
  return {};
}

std::expected<void, std::string> DataplaneClient::requestCounters() {
  if (fd_ < 0) return std::unexpected("not connected to " + path_);
  auto sent = sendAll(encodeMessage(SIPSTEER_MSG_COUNTERS_REQUEST, ++seq_, {}));
  if (!sent) close(sent.error());
  return sent;
}

void DataplaneClient::onReadable() {
  if (fd_ < 0) return;
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      close("dataplane closed the connection");
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close(std::string("recv: ") + std::strerror(errno));
      return;
    }
    reader_.feed({buf, static_cast<size_t>(n)});
    while (auto m = reader_.next()) {
      dispatch(*m);
      if (fd_ < 0) return;
    }
    if (reader_.failed()) {
      close("protocol error from dataplane: " + reader_.error());
      return;
    }
  }
}

void DataplaneClient::dispatch(const ProtoMessage& m) {
  switch (m.header.type) {
    case SIPSTEER_MSG_HELLO: {
      sipsteer_msg_hello h{};
      if (m.payload.size() < sizeof h) {
        listener_.onDataplaneError("short HELLO");
        return;
      }
      std::memcpy(&h, m.payload.data(), sizeof h);
      if (h.abi_version != SIPSTEER_ABI_VERSION) {
        close("dataplane speaks ABI " + std::to_string(h.abi_version) + ", we speak " +
              std::to_string(SIPSTEER_ABI_VERSION));
        return;
      }
      listener_.onDataplaneHello(h.generation, h.pid);
      return;
    }
    case SIPSTEER_MSG_TABLE_ACK: {
      sipsteer_msg_table_ack a{};
      if (m.payload.size() < sizeof a) {
        listener_.onDataplaneError("short TABLE_ACK");
        return;
      }
      std::memcpy(&a, m.payload.data(), sizeof a);
      Nanos latency{0};
      auto it = in_flight_.find(a.generation);
      if (it != in_flight_.end()) {
        latency = clock_.now() - it->second;
        in_flight_.erase(it);
      }
      listener_.onTableAck(a.generation, a.status, a.apply_ns, latency);
      return;
    }
    case SIPSTEER_MSG_EVENTS: {
      size_t n = m.payload.size() / sizeof(sipsteer_event);
      std::vector<sipsteer_event> events(n);
      if (n) std::memcpy(events.data(), m.payload.data(), n * sizeof(sipsteer_event));
      listener_.onEvents(events);
      return;
    }
    case SIPSTEER_MSG_COUNTERS_REPLY:
      listener_.onCounters(m.payload);
      return;
    case SIPSTEER_MSG_ERROR:
      listener_.onDataplaneError(std::string(m.payload.begin(), m.payload.end()));
      return;
    default:
      listener_.onDataplaneError("unexpected message type " + std::to_string(m.header.type));
  }
}

}  // namespace sipsteer::control

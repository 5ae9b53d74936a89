#include "support/proto_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sipsteer/core/proto_frame.h>

namespace sipsteer::testing {

ProtoClient::~ProtoClient() { close(); }

void ProtoClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  reader_ = core::ProtoReader();
}

bool ProtoClient::connect(const std::string& path, std::string& error) {
  close();
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    error = path + ": path too long";
    return false;
  }
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = path + ": connect: " + std::strerror(errno);
    close();
    return false;
  }
  return true;
}

bool ProtoClient::send(uint16_t type, const std::vector<uint8_t>& payload, uint32_t seq) {
  return sendRaw(core::encodeProtoMessage(type, seq, payload));
}

bool ProtoClient::sendRaw(const std::vector<uint8_t>& out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::send(fd_, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<ProtoMessage> ProtoClient::receive(int timeout_ms) {
  for (;;) {
    if (auto m = reader_.next()) return m;
    if (reader_.failed()) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || ::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    uint8_t chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    reader_.feed({chunk, static_cast<size_t>(n)});
  }
}

std::optional<ProtoMessage> ProtoClient::receiveType(uint16_t type, int timeout_ms) {
  for (;;) {
    auto m = receive(timeout_ms);
    if (!m) return std::nullopt;
    if (m->header.type == SIPSTEER_MSG_EVENTS) {
      const size_t n = m->payload.size() / sizeof(sipsteer_event);
      for (size_t i = 0; i < n; ++i) {
        sipsteer_event e;
        std::memcpy(&e, m->payload.data() + i * sizeof e, sizeof e);
        events_.push_back(e);
      }
    }
    if (m->header.type == type || m->header.type == SIPSTEER_MSG_ERROR) return m;
  }
}

std::optional<sipsteer_msg_hello> ProtoClient::hello() {
  sipsteer_msg_hello mine{};
  mine.abi_version = SIPSTEER_ABI_VERSION;
  mine.role = 1;
  mine.pid = static_cast<uint32_t>(::getpid());
  std::vector<uint8_t> payload(sizeof mine);
  std::memcpy(payload.data(), &mine, sizeof mine);
  if (!send(SIPSTEER_MSG_HELLO, payload, ++seq_)) return std::nullopt;
  for (;;) {
    auto m = receiveType(SIPSTEER_MSG_HELLO, 5000);
    if (!m || m->header.type != SIPSTEER_MSG_HELLO || m->payload.size() < sizeof(sipsteer_msg_hello))
      return std::nullopt;
    if (m->header.seq != seq_) continue;  // the unsolicited hello on connect
    sipsteer_msg_hello theirs;
    std::memcpy(&theirs, m->payload.data(), sizeof theirs);
    return theirs;
  }
}

std::optional<sipsteer_msg_table_ack> ProtoClient::sendTable(const std::vector<uint8_t>& blob) {
  if (!send(SIPSTEER_MSG_TABLE, blob, ++seq_)) return std::nullopt;
  auto m = receiveType(SIPSTEER_MSG_TABLE_ACK, 10000);
  if (!m || m->header.type != SIPSTEER_MSG_TABLE_ACK || m->payload.size() < sizeof(sipsteer_msg_table_ack))
    return std::nullopt;
  sipsteer_msg_table_ack ack;
  std::memcpy(&ack, m->payload.data(), sizeof ack);
  return ack;
}

std::optional<std::vector<uint8_t>> ProtoClient::counters() {
  if (!send(SIPSTEER_MSG_COUNTERS_REQUEST, {}, ++seq_)) return std::nullopt;
  auto m = receiveType(SIPSTEER_MSG_COUNTERS_REPLY, 5000);
  if (!m || m->header.type != SIPSTEER_MSG_COUNTERS_REPLY) return std::nullopt;
  return m->payload;
}

std::optional<CountersView> decodeCounters(const std::vector<uint8_t>& blob) {
  CountersView v;
  size_t off = 0;
  auto take = [&](void* out, size_t n) {
    if (blob.size() - off < n) return false;
    std::memcpy(out, blob.data() + off, n);
    off += n;
    return true;
  };
  if (blob.size() < sizeof v.header || !take(&v.header, sizeof v.header)) return std::nullopt;
  v.drops.resize(v.header.drop_reason_count);
  v.sip_errors.resize(v.header.sip_error_count);
  v.ports.resize(v.header.port_count);
  v.vips.resize(v.header.vip_count);
  v.servers.resize(v.header.server_count);
  for (auto& d : v.drops)
    if (!take(&d, 8)) return std::nullopt;
  for (auto& e : v.sip_errors)
    if (!take(&e, 8)) return std::nullopt;
  for (auto& p : v.ports)
    if (!take(&p, sizeof p)) return std::nullopt;
  for (auto& x : v.vips)
    if (!take(&x, sizeof x)) return std::nullopt;
  for (auto& s : v.servers)
    if (!take(&s, sizeof s)) return std::nullopt;
  return v;
}

}  // namespace sipsteer::testing

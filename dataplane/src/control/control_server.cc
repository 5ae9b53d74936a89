#include "control/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace sipsteer::dp {
namespace {

constexpr uint64_t kTickNs = 10'000'000;
constexpr size_t kMaxEventsPerMessage = 512;

uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Writes all of `data` to a blocking socket; false when the peer is gone.
bool writeAll(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

ControlServer::ControlServer(std::string path, ControlHandler& handler) : path_(std::move(path)), handler_(handler) {}

ControlServer::~ControlServer() {
  closeClient();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
}

std::expected<void, std::string> ControlServer::listen() {
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) return std::unexpected(path_ + ": socket path too long");
  std::error_code ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return std::unexpected(parent.string() + ": " + ec.message());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::unexpected(path_ + ": socket: " + std::strerror(errno));
  ::unlink(path_.c_str());  // a stale socket of a previous run
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return std::unexpected(path_ + ": bind: " + std::strerror(errno));
  ::chmod(path_.c_str(), 0660);
  if (::listen(listen_fd_, 4) != 0) return std::unexpected(path_ + ": listen: " + std::strerror(errno));
  return {};
}

void ControlServer::closeClient() {
  if (client_ >= 0) ::close(client_);
  client_ = -1;
  reader_ = core::ProtoReader();
}

void ControlServer::acceptClient() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  closeClient();  // the newest control plane wins
  client_ = fd;
  // A send to a peer that stopped reading must not stall housekeeping forever.
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Announce ourselves and the generation we forward with, so a restarted
  // control plane knows whether it must resend the table.
  sipsteer_msg_hello hello{};
  hello.abi_version = SIPSTEER_ABI_VERSION;
  hello.role = 2;
  hello.pid = static_cast<uint32_t>(::getpid());
  hello.generation = handler_.generation();
  sendMessage(SIPSTEER_MSG_HELLO, 0, {reinterpret_cast<const uint8_t*>(&hello), sizeof hello});
}

bool ControlServer::sendMessage(uint16_t type, uint32_t seq, std::span<const uint8_t> payload) {
  if (client_ < 0) return false;
  const std::vector<uint8_t> out = core::encodeProtoMessage(type, seq != 0 ? seq : ++seq_, payload);
  if (out.empty()) return false;  // over the protocol limit; never the case for what the dataplane sends
  if (!writeAll(client_, out.data(), out.size())) {
    closeClient();
    return false;
  }
  return true;
}

void ControlServer::sendError(uint32_t seq, const std::string& message) {
  sendMessage(SIPSTEER_MSG_ERROR, seq, {reinterpret_cast<const uint8_t*>(message.data()), message.size()});
}

void ControlServer::readClient() {
  uint8_t buf[65536];
  const ssize_t n = ::recv(client_, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    closeClient();  // fail-static: keep forwarding, wait for a reconnect
    return;
  }
  if (n < 0) return;
  reader_.feed({buf, static_cast<size_t>(n)});
  while (auto m = reader_.next()) {
    handleMessage(m->header, m->payload);
    if (client_ < 0) return;
  }
  if (reader_.failed()) {
    sendError(reader_.failedSeq(), reader_.error() + " (dataplane speaks protocol version " +
                                       std::to_string(SIPSTEER_PROTO_VERSION) + ")");
    closeClient();
  }
}

void ControlServer::handleMessage(const sipsteer_msg_header& h, std::span<const uint8_t> payload) {
  switch (h.type) {
    case SIPSTEER_MSG_HELLO: {
      sipsteer_msg_hello hello{};
      hello.abi_version = SIPSTEER_ABI_VERSION;
      hello.role = 2;
      hello.pid = static_cast<uint32_t>(::getpid());
      hello.generation = handler_.generation();
      if (payload.size() >= sizeof(sipsteer_msg_hello)) {
        sipsteer_msg_hello theirs;
        std::memcpy(&theirs, payload.data(), sizeof theirs);
        if (theirs.abi_version != SIPSTEER_ABI_VERSION) {
          sendError(h.seq, "ABI version " + std::to_string(theirs.abi_version) + " != dataplane's " +
                               std::to_string(SIPSTEER_ABI_VERSION));
          closeClient();
          return;
        }
      }
      sendMessage(SIPSTEER_MSG_HELLO, h.seq, {reinterpret_cast<const uint8_t*>(&hello), sizeof hello});
      return;
    }
    case SIPSTEER_MSG_TABLE: {
      const sipsteer_msg_table_ack ack = handler_.applyTable(payload);
      sendMessage(SIPSTEER_MSG_TABLE_ACK, h.seq, {reinterpret_cast<const uint8_t*>(&ack), sizeof ack});
      return;
    }
    case SIPSTEER_MSG_COUNTERS_REQUEST: {
      const std::vector<uint8_t> blob = handler_.counters();
      sendMessage(SIPSTEER_MSG_COUNTERS_REPLY, h.seq, blob);
      return;
    }
    default:
      sendError(h.seq, "unexpected message type " + std::to_string(h.type));
  }
}

void ControlServer::runOnce(int timeout_ms) {
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {client_, POLLIN, 0}};
  const int n = ::poll(fds, client_ >= 0 ? 2 : 1, timeout_ms);
  if (n > 0) {
    if (fds[0].revents & POLLIN) acceptClient();
    else if (client_ >= 0 && fds[1].revents & (POLLIN | POLLHUP | POLLERR)) readClient();
  }
  const uint64_t now = monotonicNs();
  if (now - last_tick_ns_ >= kTickNs) {
    last_tick_ns_ = now;
    handler_.tick();
  }
  forwardEvents(now);
}

// Events wait in a bounded backlog while no control plane is connected (it
// restarts, or has not come up yet), so an ICMP report from a server that
// died meanwhile still reaches it. Bounded twice: by count (oldest dropped
// first) and by age (a report older than kMaxEventAgeNs describes a past the
// control plane has since probed for itself).
void ControlServer::forwardEvents(uint64_t now) {
  events_.clear();
  handler_.drainEvents(events_);
  backlog_.insert(backlog_.end(), events_.begin(), events_.end());
  if (backlog_.size() > kMaxBacklog) {
    const size_t excess = backlog_.size() - kMaxBacklog;
    backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<long>(excess));
    events_dropped_ += excess;
  }
  if (client_ < 0) return;
  while (!backlog_.empty() && now > backlog_.front().timestamp_ns &&
         now - backlog_.front().timestamp_ns > kMaxEventAgeNs) {
    backlog_.pop_front();
    ++events_dropped_;
  }
  while (!backlog_.empty()) {
    const size_t count = std::min(kMaxEventsPerMessage, backlog_.size());
    events_.assign(backlog_.begin(), backlog_.begin() + static_cast<long>(count));
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(events_.data()),
                                         count * sizeof(sipsteer_event));
    if (!sendMessage(SIPSTEER_MSG_EVENTS, 0, bytes)) return;  // closed: they wait for the next one
    backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<long>(count));
  }
}

}  // namespace sipsteer::dp

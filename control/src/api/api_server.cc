#include "api/api_server.h"
#include "util/text.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sipsteer::control {

ApiServer::~ApiServer() {
  for (auto& [fd, buf] : buffers_) ::close(fd);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
}

std::expected<void, std::string> ApiServer::listen(const std::string& path, const std::string& group) {
  if (!group.empty()) {
    struct group* g = ::getgrnam(group.c_str());
    if (!g) return std::unexpected("API group '" + group + "' does not exist");
    group_ = g->gr_gid;
  }
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return std::unexpected("API socket path too long: " + path);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  // Created 0660 from the start (umask), so there is no window of 0777.
  mode_t old = ::umask(0117);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::umask(old);
  if (rc != 0 || ::listen(fd, 16) != 0) {
    std::string err = "API socket " + path + ": " + std::strerror(errno);
    ::close(fd);
    return std::unexpected(err);
  }
  if (group_ != static_cast<gid_t>(-1) && ::chown(path.c_str(), static_cast<uid_t>(-1), group_) != 0) {
    std::string err = "chown " + path + ": " + std::strerror(errno);
    ::close(fd);
    return std::unexpected(err);
  }
  listen_fd_ = fd;
  path_ = path;
  return loop_.watch(fd, [this] { accept(); });
}

void ApiServer::accept() {
  for (;;) {
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    if (buffers_.size() >= 64) {  // bounded: a client storm cannot exhaust fds
      ::close(c);
      continue;
    }
    buffers_[c];
    if (!loop_.watch(c, [this, c] { onReadable(c); })) {
      buffers_.erase(c);
      ::close(c);
    }
  }
}

void ApiServer::drop(int fd) {
  loop_.unwatch(fd);
  ::close(fd);
  buffers_.erase(fd);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), fd), subscribers_.end());
}

namespace {
bool sendLine(int fd, const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // a client that does not read is dropped, not waited for
    }
    off += static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

// The peer's own supplementary groups (SO_PEERGROUPS), not the groups the
// user database lists for its uid: a process that dropped a group must not
// get it back, and one given a group by its service manager keeps it. Old
// kernels without SO_PEERGROUPS fall back to the database.
bool ApiServer::peerInGroup(int fd, uid_t uid) const {
  gid_t groups[256];
  socklen_t len = sizeof groups;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
    const size_t count = len / sizeof(gid_t);
    return std::find(groups, groups + count, group_) != groups + count;
  }
  if (errno != ENOPROTOOPT) return false;
  passwd* pw = ::getpwuid(uid);
  if (!pw) return false;
  int count = 256;
  if (::getgrouplist(pw->pw_name, pw->pw_gid, groups, &count) <= 0) return false;
  return std::find(groups, groups + count, group_) != groups + count;
}

void ApiServer::onReadable(int fd) {
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    drop(fd);
    return;
  }
  std::string& pending = buffers_[fd];
  pending.append(buf, static_cast<size_t>(n));
  if (pending.size() > 65536) {  // no sane request is this long
    sendLine(fd, ApiReply::error(ApiCode::kUsage, "request too long").toJson().dump() + "\n");
    drop(fd);
    return;
  }
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    ucred cred{};
    socklen_t len = sizeof cred;
    ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    ApiCaller caller{cred.uid, cred.gid, false, fd};
    caller.may_change = cred.uid == 0 || (group_ != static_cast<gid_t>(-1) && cred.gid == group_);
    if (!caller.may_change && group_ != static_cast<gid_t>(-1)) caller.may_change = peerInGroup(fd, cred.uid);
    ApiReply reply = dispatch(line, caller);
    if (!sendLine(fd, reply.toJson().dump() + "\n")) {
      drop(fd);
      return;
    }
  }
}

ApiReply ApiServer::dispatch(const std::string& line, const ApiCaller& caller) {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    return ApiReply::error(ApiCode::kUsage, std::string("request is not JSON: ") + e.what());
  }
  if (!request.is_object()) return ApiReply::error(ApiCode::kUsage, "request must be a JSON object");
  auto version = request.find("version");
  if (version == request.end() || !version->is_number_integer() || version->get<int>() != kApiVersion) {
    return ApiReply::error(ApiCode::kUsage, "API version " + std::to_string(kApiVersion) + " expected");
  }
  auto command = request.find("command");
  if (command == request.end() || !command->is_string()) return ApiReply::error(ApiCode::kUsage, "no command");
  auto it = commands_.find(command->get<std::string>());
  if (it == commands_.end()) {
    return ApiReply::error(ApiCode::kUsage, "unknown command '" + command->get<std::string>() + "'");
  }
  if (it->second.changes_state && !caller.may_change) {
    return ApiReply::error(ApiCode::kPermission, inQuotes(it->first) + " needs root or the API group");
  }
  nlohmann::json args = request.value("args", nlohmann::json::object());
  if (!args.is_object()) return ApiReply::error(ApiCode::kUsage, "args must be an object");
  try {
    return it->second.run(args, caller);
  } catch (const nlohmann::json::exception& e) {
    return ApiReply::error(ApiCode::kUsage, std::string("bad arguments: ") + e.what());
  }
}

void ApiServer::broadcast(const nlohmann::json& event) {
  std::string line = event.dump() + "\n";
  std::vector<int> gone;
  for (int fd : subscribers_) {
    if (!sendLine(fd, line)) gone.push_back(fd);
  }
  for (int fd : gone) drop(fd);
}

}  // namespace sipsteer::control

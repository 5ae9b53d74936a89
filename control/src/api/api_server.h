// The Unix-socket side of the control API: accepts connections, reads JSON
// lines, checks the caller (SO_PEERCRED) and dispatches to a handler table.
// Commands marked `changes_state` need uid 0 or the configured group; the
// socket itself is 0660 root:group, so others cannot even connect.
// Single-threaded (event loop).
#pragma once

#include <sys/types.h>

#include <expected>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/api_protocol.h"
#include "daemon/event_loop.h"

namespace sipsteer::control {

struct ApiCaller {
  uid_t uid = 0;
  gid_t gid = 0;
  bool may_change = false;
  int connection = -1;  // for streaming (events --follow)
};

struct ApiCommand {
  std::string help;
  bool changes_state = false;
  std::function<ApiReply(const nlohmann::json& args, const ApiCaller& caller)> run;
};

class ApiServer {
 public:
  explicit ApiServer(EventLoop& loop) : loop_(loop) {}
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void add(const std::string& name, ApiCommand command) { commands_[name] = std::move(command); }
  const std::map<std::string, ApiCommand>& commands() const { return commands_; }

  std::expected<void, std::string> listen(const std::string& path, const std::string& group);
  // Marks a connection as an event subscriber (after its reply).
  void subscribe(int connection) { subscribers_.push_back(connection); }
  // Sends one line to every subscriber; drops those that cannot keep up.
  void broadcast(const nlohmann::json& event);
  // Handles one request line (also used by tests without a socket).
  ApiReply dispatch(const std::string& line, const ApiCaller& caller);

 private:
  void accept();
  void onReadable(int fd);
  void drop(int fd);
  bool peerInGroup(int fd, uid_t uid) const;

  EventLoop& loop_;
  std::map<std::string, ApiCommand> commands_;
  int listen_fd_ = -1;
  std::string path_;
  gid_t group_ = static_cast<gid_t>(-1);
  std::map<int, std::string> buffers_;
  std::vector<int> subscribers_;
};

}  // namespace sipsteer::control

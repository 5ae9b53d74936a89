// sipsteerctl: the operator CLI. Every subcommand is one API command (see
// api/handlers.cc); --json prints the daemon's data as is. Exit codes are
// the API's codes (api_protocol.h): 0 ok, 1 error, 2 usage, 3 daemon
// unreachable, 4 not found, 5 permission, 6 --wait deadline, 7 config refused.
#include <CLI/CLI.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "api/api_protocol.h"
#include "cli/render.h"

using nlohmann::json;
using namespace sipsteer::control;

namespace {

class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool open(const std::string& path, std::string& error) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      error = "cannot reach sipsteerd at " + path + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }
  bool send(const json& request) {
    std::string line = request.dump() + "\n";
    return ::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  }
  bool readLine(std::string& line) {
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

struct Options {
  std::string socket = "/run/sipsteer/control.sock";
  bool json_out = false;
};

// One request/reply; prints the error and returns its exit code on failure.
int call(const Options& o, const std::string& command, const json& args, json& reply_out,
         Connection* keep = nullptr) {
  Connection local;
  Connection& c = keep ? *keep : local;
  std::string error;
  if (!c.open(o.socket, error)) {
    std::fprintf(stderr, "sipsteerctl: %s\n", error.c_str());
    return static_cast<int>(ApiCode::kUnavailable);
  }
  std::string line;
  if (!c.send({{"version", kApiVersion}, {"command", command}, {"args", args}}) || !c.readLine(line)) {
    std::fprintf(stderr, "sipsteerctl: sipsteerd closed the connection\n");
    return static_cast<int>(ApiCode::kUnavailable);
  }
  try {
    reply_out = json::parse(line);
  } catch (const json::exception&) {
    std::fprintf(stderr, "sipsteerctl: unreadable reply\n");
    return static_cast<int>(ApiCode::kError);
  }
  int code = reply_out.value("code", 1);
  if (code != 0) {
    if (o.json_out) {
      std::cout << reply_out.dump(2) << "\n";
    } else {
      std::fprintf(stderr, "sipsteerctl: %s\n", reply_out.value("message", std::string("error")).c_str());
      if (reply_out["data"].contains("errors")) {
        for (const auto& e : reply_out["data"]["errors"]) std::fprintf(stderr, "  %s\n", e.get<std::string>().c_str());
      }
    }
  }
  return code;
}

int simple(const Options& o, const std::string& command, const json& args,
           void (*render)(const json& data)) {
  json reply;
  int code = call(o, command, args, reply);
  if (code != 0) return code;
  if (o.json_out) std::cout << reply["data"].dump(2) << "\n";
  else if (render) render(reply["data"]);
  else std::cout << reply.value("message", std::string("ok")) << "\n";
  return 0;
}

int drainWait(const Options& o, const std::string& server, double deadline_s) {
  json reply;
  int code = call(o, "drain", {{"server", server}}, reply);
  if (code != 0) return code;
  if (!o.json_out) std::cout << reply.value("message", std::string()) << "\n";
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(deadline_s);
  for (;;) {
    code = call(o, "server", {{"server", server}}, reply);
    if (code != 0) return code;
    const json& d = reply["data"];
    if (d["active_dialogs"].is_number() && d["active_dialogs"].get<uint64_t>() == 0) {
      if (o.json_out) std::cout << d.dump(2) << "\n";
      else std::cout << server << ": drained (no active dialogs)\n";
      return 0;
    }
    if (std::chrono::steady_clock::now() >= until) {
      std::string have = d["active_dialogs"].is_null() ? std::string("unknown (no dataplane counters)")
                                                       : std::to_string(d["active_dialogs"].get<uint64_t>());
      std::fprintf(stderr, "sipsteerctl: %s still has %s active dialogs at the deadline\n", server.c_str(), have.c_str());
      return static_cast<int>(ApiCode::kTimeout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int followEvents(const Options& o, size_t last) {
  Connection c;
  json reply;
  int code = call(o, "events", {{"last", last}, {"follow", true}}, reply, &c);
  if (code != 0) return code;
  for (const auto& e : reply["data"]) std::cout << (o.json_out ? e.dump() : renderEvent(e)) << "\n";
  std::cout.flush();
  std::string line;
  while (c.readLine(line)) {
    try {
      json e = json::parse(line);
      std::cout << (o.json_out ? e.dump() : renderEvent(e)) << std::endl;
    } catch (const json::exception&) {
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sipsteerctl: operate sipsteerd"};
  app.require_subcommand(1);
  Options o;
  app.add_option("-s,--socket", o.socket, "control API socket");
  app.add_flag("--json", o.json_out, "print JSON");
  std::string server, pool, call_id, file;
  int weight = -1;
  bool wait = false, follow = false, reset = false;
  double deadline = 300;
  size_t last = 20;

  auto* status = app.add_subcommand("status", "overall state");
  auto* servers = app.add_subcommand("servers", "every server");
  servers->add_option("--pool", pool, "only this pool");
  auto* server_cmd = app.add_subcommand("server", "one server in detail");
  server_cmd->add_option("server", server, "id, pool/addr:port or addr:port")->required();
  auto* pools = app.add_subcommand("pools", "pools and their active tier");
  auto* dns = app.add_subcommand("dns", "DNS record sets, TTLs, staleness");
  auto* drain = app.add_subcommand("drain", "no new dialogs for SERVER");
  drain->add_option("server", server, "id, pool/addr:port or addr:port")->required();
  drain->add_flag("--wait", wait, "return when its active dialogs reach zero");
  drain->add_option("--deadline", deadline, "seconds --wait waits at most (exit 6 after)");
  auto* disable = app.add_subcommand("disable", "take SERVER out entirely");
  disable->add_option("server", server)->required();
  auto* enable = app.add_subcommand("enable", "undo drain/disable");
  enable->add_option("server", server)->required();
  auto* weight_cmd = app.add_subcommand("weight", "override SERVER's weight");
  weight_cmd->add_option("server", server)->required();
  weight_cmd->add_option("weight", weight, "0-65535")->check(CLI::Range(0, 65535));
  weight_cmd->add_flag("--reset", reset, "back to the config/DNS weight");
  auto* reload = app.add_subcommand("reload", "re-read the config file");
  reload->add_option("--file", file, "another file than the running one");
  auto* events = app.add_subcommand("events", "recent events");
  events->add_flag("-f,--follow", follow, "keep printing new events");
  events->add_option("-n,--last", last, "how many past events");
  auto* explain = app.add_subcommand("explain", "which server a new dialog with CALL-ID gets, and why");
  explain->add_option("call_id", call_id)->required();
  explain->add_option("--pool", pool, "only this pool");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ApiCode::kUsage);
  }
  if (*status) return simple(o, "status", json::object(), renderStatus);
  if (*servers) return simple(o, "servers", {{"pool", pool}}, renderServers);
  if (*server_cmd) return simple(o, "server", {{"server", server}}, renderServer);
  if (*pools) return simple(o, "pools", json::object(), renderPools);
  if (*dns) return simple(o, "dns", json::object(), renderDns);
  if (*drain) return wait ? drainWait(o, server, deadline) : simple(o, "drain", {{"server", server}}, nullptr);
  if (*disable) return simple(o, "disable", {{"server", server}}, nullptr);
  if (*enable) return simple(o, "enable", {{"server", server}}, nullptr);
  if (*weight_cmd) {
    if (!reset && weight < 0) {
      std::fprintf(stderr, "sipsteerctl: weight needs a value or --reset\n");
      return static_cast<int>(ApiCode::kUsage);
    }
    return simple(o, "weight", {{"server", server}, {"weight", reset ? json(nullptr) : json(weight)}}, nullptr);
  }
  if (*reload) return simple(o, "reload", {{"file", file}}, nullptr);
  if (*events) {
    if (follow) return followEvents(o, last);
    return simple(o, "events", {{"last", last}}, renderEvents);
  }
  if (*explain) return simple(o, "explain", {{"call_id", call_id}, {"pool", pool}}, renderExplain);
  return static_cast<int>(ApiCode::kUsage);
}

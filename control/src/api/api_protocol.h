// The control API: JSON lines over a Unix stream socket.
//   request : {"version":1, "command":"drain", "args":{"server":"core/198.18.1.10:5060"}}
//   reply   : {"version":1, "status":"ok"|"error", "code":0, "message":"...", "data":{...}}
// `code` is the exit code sipsteerctl returns (ApiCode). `events` with
// {"follow":true} keeps the connection and streams one event per line.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace sipsteer::control {

inline constexpr int kApiVersion = 1;

enum class ApiCode : int {
  kOk = 0,
  kError = 1,          // the daemon could not do it (message says why)
  kUsage = 2,          // bad command or arguments
  kUnavailable = 3,    // cannot reach the daemon
  kNotFound = 4,       // no such server or pool
  kPermission = 5,     // needs root or the API group
  kTimeout = 6,        // a --wait deadline passed
  kRefused = 7,        // config refused (reload)
};

struct ApiReply {
  ApiCode code = ApiCode::kOk;
  std::string message;
  nlohmann::json data = nlohmann::json::object();

  static ApiReply ok(nlohmann::json data = nlohmann::json::object(), std::string message = "") {
    return {ApiCode::kOk, std::move(message), std::move(data)};
  }
  static ApiReply error(ApiCode code, std::string message) { return {code, std::move(message), nlohmann::json::object()}; }
  nlohmann::json toJson() const {
    return {{"version", kApiVersion}, {"status", code == ApiCode::kOk ? "ok" : "error"},
            {"code", static_cast<int>(code)}, {"message", message}, {"data", data}};
  }
};

}  // namespace sipsteer::control

// Loads and validates the YAML configuration. All problems are collected (not
// only the first), each naming file:line:column, the key path and the reason,
// so an operator fixes a file in one pass. Nothing here has side effects:
// a refused file leaves the running configuration untouched.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "config/config.h"

namespace YAML {
class Node;
}

namespace sipsteer::control {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based, 0 = unknown
  int column = 0;  // 1-based
  std::string key; // e.g. "pools[0].servers[1].weight"
  std::string reason;
  std::string text;  // set when another parser formatted the whole message
  std::string format() const;  // "file:line:col: key: reason"
};

using ConfigErrors = std::vector<ConfigError>;

std::expected<Config, ConfigErrors> loadConfigFile(const std::string& path);
// `file` names the source in messages.
std::expected<Config, ConfigErrors> loadConfigString(const std::string& yaml,
                                                     const std::string& file);

std::string formatErrors(const ConfigErrors& errors);

}  // namespace sipsteer::control

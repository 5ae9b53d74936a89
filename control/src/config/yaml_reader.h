// Typed access to a YAML mapping with error collection: every read names the
// key path and the line/column of the offending node, and unknown keys are
// reported against the list of keys a section knows.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/config_loader.h"
#include "util/clock.h"

namespace sipsteer::control {

class YamlReader {
 public:
  YamlReader(std::string file, ConfigErrors& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const YAML::Node& node, const std::string& key, const std::string& reason);
  void add(ConfigError error) { errors_.push_back(std::move(error)); }
  // Reports every key of `map` not in `known`. False if `map` is not a mapping.
  bool checkMapping(const YAML::Node& map, const std::string& path,
                    std::initializer_list<std::string_view> known);

  // Each reads map[key] into out when present (keeping out's default when
  // absent) and records an error on a wrong type or range.
  void readString(const YAML::Node& map, const std::string& path, const char* key, std::string& out);
  void readBool(const YAML::Node& map, const std::string& path, const char* key, bool& out);
  void readUint(const YAML::Node& map, const std::string& path, const char* key, uint64_t min,
                uint64_t max, uint64_t& out);
  template <typename T>
  void readUintT(const YAML::Node& map, const std::string& path, const char* key, uint64_t min,
                 uint64_t max, T& out) {
    uint64_t v = out;
    readUint(map, path, key, min, max, v);
    out = static_cast<T>(v);
  }
  void readDouble(const YAML::Node& map, const std::string& path, const char* key, double min,
                  double max, double& out);
  // "500ms", "2s", "5m", "1h"; a bare number is refused (units are not guessed).
  void readDuration(const YAML::Node& map, const std::string& path, const char* key, Nanos min,
                    Nanos max, Nanos& out);

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  const std::string& file() const { return file_; }

 private:
  bool scalar(const YAML::Node& node, const std::string& key);
  std::string file_;
  ConfigErrors& errors_;
};

// Parses a duration literal; exposed for the CLI and tests.
std::expected<Nanos, std::string> parseDuration(std::string_view text);
// The shortest exact literal parseDuration() reads back ("2s", "500ms", "5m").
std::string formatDuration(Nanos d);

}  // namespace sipsteer::control

#include "config/yaml_reader.h"
#include "util/text.h"

#include <charconv>
#include <cmath>
#include <string>

namespace sipsteer::control {

void YamlReader::error(const YAML::Node& node, const std::string& key, const std::string& reason) {
  ConfigError e;
  e.file = file_;
  if (node.IsDefined()) {
    YAML::Mark m = node.Mark();
    if (m.line >= 0) {
      e.line = m.line + 1;
      e.column = m.column + 1;
    }
  }
  e.key = key;
  e.reason = reason;
  errors_.push_back(std::move(e));
}

bool YamlReader::checkMapping(const YAML::Node& map, const std::string& path,
                              std::initializer_list<std::string_view> known) {
  if (!map.IsMap()) {
    error(map, path, "must be a mapping (key: value)");
    return false;
  }
  for (const auto& item : map) {
    std::string name = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
    bool ok = false;
    for (auto k : known) ok = ok || (k == name);
    if (!ok) {
      std::string list;
      for (auto k : known) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      error(item.first, join(path, name), "unknown key (known here: " + list + ")");
    }
  }
  return true;
}

bool YamlReader::scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    error(node, key, "must be a single value, not a list or mapping");
    return false;
  }
  return true;
}

void YamlReader::readString(const YAML::Node& map, const std::string& path, const char* key,
                            std::string& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (scalar(n, join(path, key))) out = n.Scalar();
}

void YamlReader::readBool(const YAML::Node& map, const std::string& path, const char* key,
                          bool& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!scalar(n, join(path, key))) return;
  const std::string& s = n.Scalar();
  if (s == "true" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    out = false;
  } else {
    error(n, join(path, key), inQuotes(s) + " is not a boolean (true/false)");
  }
}

void YamlReader::readUint(const YAML::Node& map, const std::string& path, const char* key,
                          uint64_t min, uint64_t max, uint64_t& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!scalar(n, join(path, key))) return;
  const std::string& s = n.Scalar();
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    error(n, join(path, key), inQuotes(s) + " is not a whole number");
    return;
  }
  if (v < min || v > max) {
    error(n, join(path, key),
          std::to_string(v) + " is out of range " + std::to_string(min) + "-" + std::to_string(max));
    return;
  }
  out = v;
}

void YamlReader::readDouble(const YAML::Node& map, const std::string& path, const char* key,
                            double min, double max, double& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!scalar(n, join(path, key))) return;
  const std::string& s = n.Scalar();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() || !std::isfinite(v)) {
    error(n, join(path, key), inQuotes(s) + " is not a number");
    return;
  }
  if (v < min || v > max) {
    error(n, join(path, key), s + " is out of range " + std::to_string(min) + "-" + std::to_string(max));
    return;
  }
  out = v;
}

std::expected<Nanos, std::string> parseDuration(std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) {
    return std::unexpected(inQuotes(std::string(text)) + " is not a duration (e.g. 500ms, 2s, 5m, 1h)");
  }
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  uint64_t ns_per = 0;
  if (unit == "ms") ns_per = 1'000'000ULL;
  else if (unit == "s") ns_per = 1'000'000'000ULL;
  else if (unit == "m") ns_per = 60'000'000'000ULL;
  else if (unit == "h") ns_per = 3'600'000'000'000ULL;
  else if (unit.empty()) return std::unexpected(inQuotes(std::string(text)) + " needs a unit (ms, s, m, h)");
  else return std::unexpected("unknown unit '" + std::string(unit) + "' (use ms, s, m, h)");
  if (value > (1ULL << 62) / ns_per) return std::unexpected(inQuotes(std::string(text)) + " is too long");
  return Nanos(static_cast<int64_t>(value * ns_per));
}

std::string formatDuration(Nanos d) {
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void YamlReader::readDuration(const YAML::Node& map, const std::string& path, const char* key,
                              Nanos min, Nanos max, Nanos& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!scalar(n, join(path, key))) return;
  auto d = parseDuration(n.Scalar());
  if (!d) {
    error(n, join(path, key), d.error());
    return;
  }
  if (*d < min || *d > max) {
    error(n, join(path, key),
          n.Scalar() + " is out of range " + formatDuration(min) + "-" + formatDuration(max));
    return;
  }
  out = *d;
}

}  // namespace sipsteer::control

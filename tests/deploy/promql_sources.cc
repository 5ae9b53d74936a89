#include "promql_sources.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace sipsteer::deploy {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {
void collectPanels(const nlohmann::json& panels, std::vector<Query>& out) {
  for (const auto& p : panels) {
    std::string title = p.value("title", std::string("?"));
    if (p.contains("targets")) {
      for (const auto& t : p["targets"]) {
        if (t.contains("expr")) out.push_back({"dashboard panel '" + title + "'", t["expr"].get<std::string>()});
      }
    }
    if (p.contains("panels")) collectPanels(p["panels"], out);  // collapsed rows
  }
}
}  // namespace

std::vector<Query> dashboardQueries(const std::string& path) {
  auto dash = nlohmann::json::parse(readFile(path));
  std::vector<Query> out;
  collectPanels(dash.at("panels"), out);
  for (const auto& v : dash["templating"]["list"]) {
    if (v.value("type", "") == "query") {
      // Grafana's label_values(selector, label) is not PromQL: keep the selector.
      std::string q = v["definition"].get<std::string>();
      const std::string kFn = "label_values(";
      if (q.rfind(kFn, 0) == 0 && q.back() == ')') q = q.substr(kFn.size(), q.rfind(',') - kFn.size());
      out.push_back({"dashboard variable $" + v["name"].get<std::string>(), q});
    }
  }
  return out;
}

std::vector<Query> alertQueries(const std::string& path) {
  YAML::Node root = YAML::LoadFile(path);
  std::vector<Query> out;
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      std::string name = rule["alert"] ? rule["alert"].as<std::string>() : rule["record"].as<std::string>();
      out.push_back({"alert " + name, rule["expr"].as<std::string>()});
    }
  }
  return out;
}

namespace {
bool isIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool isNameChar(char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; }
void skipBlanks(const std::string& s, size_t& i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
}

// Calls `sink(name, end)` for every sipsteer_* token (std::regex is avoided:
// gcc 12 warns inside <regex> at -O1 with the sanitizers).
template <typename Sink>
void forEachName(const std::string& expr, Sink sink) {
  static const std::string kPrefix = "sipsteer_";
  for (size_t at = expr.find(kPrefix); at != std::string::npos; at = expr.find(kPrefix, at + 1)) {
    if (at > 0 && isIdent(expr[at - 1])) continue;
    size_t end = at + kPrefix.size();
    while (end < expr.size() && isNameChar(expr[end])) ++end;
    if (end < expr.size() && isIdent(expr[end])) continue;  // upper case or ':' inside: not one of ours
    sink(expr.substr(at, end - at), end);
  }
}
}  // namespace

std::set<std::string> metricNames(const std::string& expr) {
  std::set<std::string> names;
  forEachName(expr, [&](const std::string& name, size_t) { names.insert(name); });
  return names;
}

std::vector<Matcher> matchers(const std::string& expr) {
  std::vector<Matcher> out;
  forEachName(expr, [&](const std::string& name, size_t i) {
    skipBlanks(expr, i);
    if (i >= expr.size() || expr[i] != '{') return;
    ++i;
    for (;;) {
      skipBlanks(expr, i);
      if (i < expr.size() && expr[i] == ',') ++i;
      skipBlanks(expr, i);
      if (i >= expr.size() || expr[i] == '}') return;
      size_t label_start = i;
      while (i < expr.size() && isIdent(expr[i])) ++i;
      std::string label = expr.substr(label_start, i - label_start);
      skipBlanks(expr, i);
      std::string op;
      for (const char* candidate : {"=~", "!~", "!=", "="}) {
        if (expr.compare(i, std::strlen(candidate), candidate) == 0) {
          op = candidate;
          break;
        }
      }
      if (label.empty() || op.empty()) return;  // not a matcher list we understand
      i += op.size();
      skipBlanks(expr, i);
      if (i >= expr.size() || expr[i] != '"') return;
      size_t close = expr.find('"', i + 1);
      if (close == std::string::npos) return;
      out.push_back({name, label, op, expr.substr(i + 1, close - i - 1)});
      i = close + 1;
    }
  });
  return out;
}

std::string withoutGrafanaVariables(std::string expr) {
  std::string out;
  for (size_t i = 0; i < expr.size();) {
    if (expr[i] != '$') {
      out += expr[i++];
      continue;
    }
    size_t j = i + 1;
    bool braced = j < expr.size() && expr[j] == '{';
    if (braced) ++j;
    size_t name_start = j;
    while (j < expr.size() && isIdent(expr[j])) ++j;
    std::string name = expr.substr(name_start, j - name_start);
    if (braced && j < expr.size() && expr[j] == '}') ++j;
    // Range variables become a duration, the others a match-all regex.
    out += (name == "__rate_interval" || name == "__interval" || name == "__range") ? "5m" : ".*";
    i = j;
  }
  return out;
}

}  // namespace sipsteer::deploy

#include "promql_sources.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
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
      out.push_back({"dashboard variable $" + v["name"].get<std::string>(), v["definition"].get<std::string>()});
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

std::set<std::string> metricNames(const std::string& expr) {
  static const std::regex kName(R"(\bsipsteer_[a-z0-9_]+\b)");
  std::set<std::string> names;
  for (std::sregex_iterator it(expr.begin(), expr.end(), kName), end; it != end; ++it) names.insert(it->str());
  return names;
}

std::vector<Matcher> matchers(const std::string& expr) {
  static const std::regex kSelector(R"((sipsteer_[a-z0-9_]+)\s*\{([^}]*)\})");
  static const std::regex kMatcher(R"re(([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)")re");
  std::vector<Matcher> out;
  for (std::sregex_iterator it(expr.begin(), expr.end(), kSelector), end; it != end; ++it) {
    std::string metric = (*it)[1], body = (*it)[2];
    for (std::sregex_iterator m(body.begin(), body.end(), kMatcher); m != end; ++m) {
      out.push_back({metric, (*m)[1], (*m)[2], (*m)[3]});
    }
  }
  return out;
}

std::string withoutGrafanaVariables(std::string expr) {
  static const std::regex kRange(R"(\$__(rate_)?interval)");
  static const std::regex kVar(R"(\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?)");
  expr = std::regex_replace(expr, kRange, "5m");
  return std::regex_replace(expr, kVar, ".*");
}

}  // namespace sipsteer::deploy

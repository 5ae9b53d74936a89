// Reading the PromQL that the deploy/ assets query: every `expr` of the
// Grafana dashboard and of the Prometheus alert rules, and the metric names
// and label matchers in them. Shared by the deploy tests.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sipsteer::deploy {

struct Query {
  std::string where;  // "dashboard panel 'X'" / "alert Y", for messages
  std::string expr;
};

// A label matcher written after a metric name: name{label op "value"}.
struct Matcher {
  std::string metric, label, op, value;
};

std::string readFile(const std::string& path);
std::vector<Query> dashboardQueries(const std::string& dashboard_json_path);
std::vector<Query> alertQueries(const std::string& rules_yaml_path);
// Every sipsteer_* token of the expression.
std::set<std::string> metricNames(const std::string& expr);
std::vector<Matcher> matchers(const std::string& expr);
// Grafana's $variables replaced so the expression is plain PromQL.
std::string withoutGrafanaVariables(std::string expr);

}  // namespace sipsteer::deploy

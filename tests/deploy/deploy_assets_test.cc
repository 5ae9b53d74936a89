// The Grafana dashboard and the alert rules as files: the dashboard is JSON
// Grafana can import (ids unique, every panel on the grid, one data source
// variable), every query is valid PromQL (checked by promtool on a rules file
// made of them), and every alert carries what an on-call person needs.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>
#include <utility>

#include "promql_sources.h"

namespace sipsteer::deploy {
namespace {

const std::string kSource = SIPSTEER_SOURCE_DIR;
const std::string kDashboard = kSource + "/deploy/grafana/sipsteer-dashboard.json";
const std::string kAlerts = kSource + "/deploy/prometheus/sipsteer-alerts.yml";

TEST(DashboardTest, IsImportableGrafanaJson) {
  nlohmann::json dash;
  ASSERT_NO_THROW(dash = nlohmann::json::parse(readFile(kDashboard)));
  EXPECT_EQ(dash.value("uid", ""), "sipsteer-overview");
  EXPECT_GE(dash.value("schemaVersion", 0), 36);
  std::set<int> ids;
  int panels = 0;
  for (const auto& p : dash.at("panels")) {
    ASSERT_TRUE(p.contains("id") && p.contains("gridPos") && p.contains("type")) << p.dump();
    EXPECT_TRUE(ids.insert(p["id"].get<int>()).second) << "duplicate panel id " << p["id"];
    const auto& g = p["gridPos"];
    EXPECT_LE(g["x"].get<int>() + g["w"].get<int>(), 24) << p.value("title", "");
    if (p["type"] != "row") {
      ++panels;
      ASSERT_TRUE(p.contains("targets") && !p["targets"].empty()) << p.value("title", "") << " has no query";
      EXPECT_EQ(p["datasource"]["uid"], "${datasource}") << p.value("title", "");
    }
  }
  EXPECT_GE(panels, 20);
  std::set<std::string> vars;
  for (const auto& v : dash["templating"]["list"]) vars.insert(v["name"].get<std::string>());
  EXPECT_EQ(vars, (std::set<std::string>{"datasource", "instance", "pool"}));
}

TEST(DashboardTest, ShowsWhatOperatorsAskFor) {
  // Server states, calls and dialogs per server, probe RTT quantiles, drops
  // by reason, 503s, publish latency, table generation.
  std::string all;
  for (const auto& q : dashboardQueries(kDashboard)) all += q.expr + "\n";
  for (const char* needle :
       {"sipsteer_server_state", "sipsteer_server_requests_total", "sipsteer_server_new_dialogs_total",
        "histogram_quantile(0.99, sum by (pool, server, le) (rate(sipsteer_probe_rtt_seconds_bucket",
        "sum by (reason) (rate(sipsteer_dataplane_drops_total", "sipsteer_vip_synthesised_503_total",
        "sipsteer_table_publish_latency_seconds_bucket", "sipsteer_dataplane_table_generation"}) {
    EXPECT_NE(all.find(needle), std::string::npos) << "dashboard lacks " << needle;
  }
}

bool havePromtool() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }

// promtool has no "check expression": a rules file with one recording rule
// per query makes it parse every one of them. Returns promtool's exit code
// and output.
std::pair<int, std::string> promtoolCheck(const std::vector<Query>& queries, const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("sipsteer_promql_" + tag + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << tag << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (size_t i = 0; i < queries.size(); ++i) {
    out << YAML::BeginMap << YAML::Key << "record" << YAML::Value << "check:q" + std::to_string(i) << YAML::Key
        << "expr" << YAML::Value << withoutGrafanaVariables(queries[i].expr) << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  auto file = dir / "rules.yml";
  std::ofstream(file) << out.c_str();
  std::string cmd = "promtool check rules " + file.string() + " > " + (dir / "out").string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::string output = readFile((dir / "out").string());
  std::filesystem::remove_all(dir);
  return {rc, output};
}

TEST(DashboardTest, EveryQueryIsValidPromql) {
  auto queries = dashboardQueries(kDashboard);
  ASSERT_GE(queries.size(), 30u);
  if (!havePromtool()) GTEST_SKIP() << "promtool not installed";
  auto [rc, output] = promtoolCheck(queries, "dashboard");
  EXPECT_EQ(rc, 0) << output;
}

TEST(DashboardTest, PromqlCheckCatchesABrokenQuery) {
  if (!havePromtool()) GTEST_SKIP() << "promtool not installed";
  auto [rc, output] = promtoolCheck({{"self-test", "sum by (pool) (rate(sipsteer_x_total[$__rate_interval])"}}, "broken");
  EXPECT_NE(rc, 0) << output;
}

TEST(AlertRulesTest, EveryAlertHasSeveritySummaryAndDescription) {
  YAML::Node root = YAML::LoadFile(kAlerts);
  std::set<std::string> names;
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      ASSERT_TRUE(rule["alert"]) << "recording rules belong elsewhere";
      std::string name = rule["alert"].as<std::string>();
      EXPECT_TRUE(names.insert(name).second) << "duplicate alert " << name;
      EXPECT_EQ(name.rfind("Sipsteer", 0), 0u) << name;
      std::string severity = rule["labels"]["severity"] ? rule["labels"]["severity"].as<std::string>() : "";
      EXPECT_TRUE(severity == "critical" || severity == "warning" || severity == "info") << name << ": " << severity;
      EXPECT_TRUE(rule["annotations"]["summary"]) << name;
      EXPECT_TRUE(rule["annotations"]["description"]) << name;
    }
  }
  EXPECT_GE(names.size(), 15u);
}

}  // namespace
}  // namespace sipsteer::deploy

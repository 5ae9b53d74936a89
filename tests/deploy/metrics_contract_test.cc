// The dashboard and the alert rules query only what sipsteerd really
// exports. The list is not copied from anywhere: a real control::Metrics is
// driven through every recorder with every reason/state/verdict enumerator,
// the dataplane collector is fed a counters snapshot with one port, VIP and
// server, and the families prometheus-cpp would serve are collected. A
// renamed metric or label value on either side fails here.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "fsm/server_fsm.h"
#include "health/probe_types.h"
#include "icmp/icmp_policy.h"
#include "metrics/metrics.h"
#include "promql_sources.h"

namespace sipsteer::deploy {
namespace {

using control::Metrics;
using control::Nanos;

const std::string kSource = SIPSTEER_SOURCE_DIR;

struct Exported {
  std::map<std::string, prometheus::MetricType> types;            // family -> type
  std::map<std::string, std::map<std::string, std::set<std::string>>> labels;  // family -> label -> values
};

Exported collectExported() {
  Metrics m;
  m.addServer(1, "p", "s");
  for (uint8_t s = 0; s < 5; ++s) m.setState(1, static_cast<control::ServerState>(s));
  for (size_t r = 0; r < static_cast<size_t>(control::FsmReason::kCount); ++r) {
    m.transition(1, static_cast<control::FsmReason>(r));
  }
  using control::ProbeOutcome;
  m.probeSent(1);
  for (ProbeOutcome o : {ProbeOutcome::kOk, ProbeOutcome::kTimeout, ProbeOutcome::kBadCode, ProbeOutcome::kIcmp,
                         ProbeOutcome::kRetryAfter, ProbeOutcome::kSendError}) {
    m.probeDone(1, o, Nanos{1'000'000});
  }
  for (size_t r = 0; r < static_cast<size_t>(control::ProbeReject::kCount); ++r) {
    m.probeRejected(static_cast<control::ProbeReject>(r));
  }
  for (const char* source : {"dataplane", "xdp", "probe_socket"}) {
    for (size_t v = 0; v < static_cast<size_t>(control::IcmpVerdict::kCount); ++v) {
      m.icmpSignal(source, control::icmpVerdictLabel(static_cast<control::IcmpVerdict>(v)));
    }
  }
  m.dnsRefresh("p", true, "");
  m.dnsRefresh("p", false, "timeout");
  m.tablePublished(1, true);
  m.tablePublished(2, false);
  m.tableAcked(Nanos{500'000}, true);
  m.tableAcked(Nanos{500'000}, false);
  m.configReload(true);
  m.configReload(false);

  control::DataplaneCounters c;
  c.generation = 1;
  c.ports.resize(1);
  c.vips.resize(1);
  c.servers.resize(1);
  c.servers[0].server_id = 1;
  m.dataplane().setNames({{1, {"p", "s"}}}, {"198.18.0.10:5060"});
  m.dataplane().update(c);

  Exported out;
  auto add = [&](const std::vector<prometheus::MetricFamily>& families) {
    for (const auto& f : families) {
      out.types[f.name] = f.type;
      for (const auto& metric : f.metric) {
        for (const auto& l : metric.label) out.labels[f.name][l.name].insert(l.value);
      }
    }
  };
  add(m.registry()->Collect());
  add(m.dataplane().Collect());
  return out;
}

// The family a queried series name belongs to (histograms are queried
// through _bucket/_sum/_count), or "" when none.
std::string familyOf(const Exported& e, const std::string& name) {
  if (e.types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = e.types.find(base);
      if (it != e.types.end() && it->second == prometheus::MetricType::Histogram) return base;
    }
  }
  return "";
}

// Labels whose values are fixed by the code (enumerators), as opposed to
// names from the configuration (pool, server, vip, port) or the scrape.
const std::set<std::string> kEnumLabels = {"reason", "state", "verdict", "result", "source"};

void expectOnlyExported(const std::vector<Query>& queries, const Exported& e) {
  size_t names = 0;
  for (const auto& q : queries) {
    for (const auto& name : metricNames(q.expr)) {
      ++names;
      EXPECT_NE(familyOf(e, name), "") << q.where << " queries " << name << ", which sipsteerd does not export";
    }
    for (const auto& m : matchers(q.expr)) {
      std::string family = familyOf(e, m.metric);
      if (family.empty() || !kEnumLabels.count(m.label) || m.value.find('$') != std::string::npos) continue;
      auto labels = e.labels.find(family);
      ASSERT_NE(labels, e.labels.end()) << family;
      auto values = labels->second.find(m.label);
      ASSERT_NE(values, labels->second.end()) << q.where << ": " << family << " has no label " << m.label;
      // "=" names one value; "=~"/"!~" an alternation of plain values.
      std::string rest = m.value;
      size_t start = 0;
      while (start <= rest.size()) {
        size_t bar = rest.find('|', start);
        std::string v = rest.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
        EXPECT_TRUE(values->second.count(v))
            << q.where << ": " << family << "{" << m.label << m.op << "\"" << m.value << "\"}: '" << v
            << "' is not a value sipsteerd exports";
        if (bar == std::string::npos || m.op == "=" || m.op == "!=") break;
        start = bar + 1;
      }
    }
  }
  EXPECT_GT(names, 0u);
}

TEST(MetricsContractTest, ExporterHasTheFamiliesTheAssetsRelyOn) {
  Exported e = collectExported();
  EXPECT_EQ(e.types.at("sipsteer_probe_rtt_seconds"), prometheus::MetricType::Histogram);
  EXPECT_EQ(e.types.at("sipsteer_server_active_dialogs"), prometheus::MetricType::Gauge);
  EXPECT_TRUE(e.labels.at("sipsteer_dataplane_drops_total").at("reason").count("icmp_no_flow"));
  EXPECT_EQ(e.labels.at("sipsteer_server_state").at("state"),
            (std::set<std::string>{"up", "down", "dirty", "draining", "disabled"}));
}

TEST(MetricsContractTest, DashboardQueriesOnlyExportedMetrics) {
  expectOnlyExported(dashboardQueries(kSource + "/deploy/grafana/sipsteer-dashboard.json"), collectExported());
}

TEST(MetricsContractTest, AlertsQueryOnlyExportedMetricsAndLabelValues) {
  expectOnlyExported(alertQueries(kSource + "/deploy/prometheus/sipsteer-alerts.yml"), collectExported());
}

TEST(MetricsContractTest, AUnknownNameOrLabelValueIsCaught) {
  Exported e = collectExported();
  EXPECT_EQ(familyOf(e, "sipsteer_server_sate"), "");
  EXPECT_EQ(familyOf(e, "sipsteer_probe_rtt_seconds_bucket"), "sipsteer_probe_rtt_seconds");
  EXPECT_EQ(familyOf(e, "sipsteer_server_state_bucket"), "");  // not a histogram
  auto ms = matchers(R"(sum(rate(sipsteer_dataplane_drops_total{reason=~"tx_full|no_flow"}[5m])))");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].value, "tx_full|no_flow");
  EXPECT_FALSE(e.labels.at("sipsteer_dataplane_drops_total").at("reason").count("no_flow"));
}

}  // namespace
}  // namespace sipsteer::deploy

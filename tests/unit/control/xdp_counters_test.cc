// The exporter's view of the XDP program counters: one family per entry of
// SIPSTEER_XDP_COUNTER_X with the program label, drops only for steer.
#include "metrics/xdp_counters.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace sipsteer::control {
namespace {

std::string render(const XdpCollector& c) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Collect());
  return out.str();
}

TEST(XdpCollectorTest, NothingBeforeTheFirstRead) {
  XdpCollector c;
  EXPECT_TRUE(c.Collect().empty());
}

TEST(XdpCollectorTest, SteerCountersAndDropsByReason) {
  XdpCollector c;
  XdpCounters v;
  v.program = "steer";
  v.counters[SIPSTEER_XDP_STEERED_NAT] = 42;
  v.counters[SIPSTEER_XDP_ICMP_EVENTS] = 3;
  v.has_drops = true;
  v.drops[SIPSTEER_DROP_NO_SERVER] = 7;
  c.update(v);
  const std::string text = render(c);
  EXPECT_NE(text.find("sipsteer_xdp_steered_nat_total{program=\"steer\"} 42"), std::string::npos) << text;
  EXPECT_NE(text.find("sipsteer_xdp_icmp_events_total{program=\"steer\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("sipsteer_xdp_passed_total{program=\"steer\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("sipsteer_xdp_drops_total{program=\"steer\",reason=\"no_server\"} 7"), std::string::npos) << text;
  EXPECT_NE(text.find("sipsteer_xdp_drops_total{program=\"steer\",reason=\"truncated\"} 0"), std::string::npos) << text;
  // One family per counter of the ABI list, plus the drops.
  EXPECT_EQ(c.Collect().size(), static_cast<size_t>(SIPSTEER_XDP_COUNTER_COUNT) + 1);
}

TEST(XdpCollectorTest, FrontHasNoDropsFamily) {
  XdpCollector c;
  XdpCounters v;
  v.program = "front";
  v.counters[SIPSTEER_XDP_REDIRECTED_SIP] = 9;
  c.update(v);
  const std::string text = render(c);
  EXPECT_NE(text.find("sipsteer_xdp_redirected_sip_total{program=\"front\"} 9"), std::string::npos) << text;
  EXPECT_EQ(text.find("sipsteer_xdp_drops_total"), std::string::npos) << text;
}

}  // namespace
}  // namespace sipsteer::control

#include "icmp/icmp_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>

namespace sipsteer::control {
namespace {

class IcmpPolicyTest : public ::testing::Test {
 protected:
  IcmpPolicyTest() {
    for (uint32_t id = 1; id <= 10; ++id) {
      IcmpServerView v;
      v.address = parseAddressPort("198.18.1." + std::to_string(id) + ":5060").value();
      v.up = true;
      v.pool_in_ring = 10;
      servers[id] = v;
    }
    config.rate_per_second = 2;
    config.burst = 3;
    config.per_server_interval = 1s;
  }
  sipsteer_event event(uint32_t id) {
    sipsteer_event e{};
    e.type = SIPSTEER_EVENT_ICMP_UNREACHABLE;
    e.family = SIPSTEER_FAMILY_IPV4;
    e.icmp_type = 3;
    e.icmp_code = 3;
    e.quoted_proto = 17;
    e.server_id = id;
    const NetAddress& a = servers.count(id) ? servers[id].address : servers[1].address;
    std::memcpy(e.quoted_dst.bytes, a.addr.bytes, 16);
    e.quoted_dport = htons(a.port);
    return e;
  }
  IcmpPolicy policy() {
    return IcmpPolicy(config, [this](uint32_t id) -> std::optional<IcmpServerView> {
      auto it = servers.find(id);
      if (it == servers.end()) return std::nullopt;
      return it->second;
    }, 0s);
  }
  std::map<uint32_t, IcmpServerView> servers;
  IcmpConfig config;
};

TEST_F(IcmpPolicyTest, ValidReportIsAccepted) {
  auto p = policy();
  EXPECT_EQ(p.judge(event(1), 0s), IcmpVerdict::kAccepted);
}

TEST_F(IcmpPolicyTest, ReportsThatQuoteNothingRealAreRejected) {
  auto p = policy();
  auto e = event(1);
  e.quoted_dport = htons(5061);
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kAddressMismatch);
  e = event(1);
  e.quoted_dst.bytes[3] ^= 1;
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kAddressMismatch);
  e = event(99);
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kUnknownServer);
  e = event(1);
  e.icmp_type = 11;  // time exceeded
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kNotUnreachable);
  e = event(1);
  e.quoted_proto = 6;
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kNotUdp);
  e = event(1);
  e.type = SIPSTEER_EVENT_ICMP_REJECTED;
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kDataplaneRejected);
}

TEST_F(IcmpPolicyTest, AFloodCannotMarkEverythingDown) {
  auto p = policy();
  int accepted = 0;
  // 10 servers x 100 reports in 100 ms.
  for (int i = 0; i < 1000; ++i) {
    uint32_t id = 1 + i % 10;
    if (p.judge(event(id), Nanos(i * 100'000)) == IcmpVerdict::kAccepted) ++accepted;
  }
  EXPECT_EQ(accepted, 3);  // the burst, no more
  // The bucket refills at 2/s; the per-server limit holds each server to 1/s.
  EXPECT_EQ(p.judge(event(4), 600ms), IcmpVerdict::kAccepted);
  EXPECT_EQ(p.judge(event(1), 600ms), IcmpVerdict::kServerRateLimited);
}

TEST_F(IcmpPolicyTest, NeverEmptiesAPool) {
  servers[1].pool_in_ring = 1;
  auto p = policy();
  EXPECT_EQ(p.judge(event(1), 0s), IcmpVerdict::kLastServer);
  servers[2].up = false;
  EXPECT_EQ(p.judge(event(2), 0s), IcmpVerdict::kNotUp);
}

TEST_F(IcmpPolicyTest, Ipv6UsesIcmpv6Type) {
  auto p = policy();
  auto e = event(1);
  e.family = SIPSTEER_FAMILY_IPV6;
  e.icmp_type = 3;  // ICMPv6 time exceeded
  EXPECT_EQ(p.judge(e, 0s), IcmpVerdict::kNotUnreachable);
}

}  // namespace
}  // namespace sipsteer::control

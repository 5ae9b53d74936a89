// ARP and IPv6 neighbour discovery: answers for VIPs and own addresses,
// learns the servers' MACs.
#include "pipeline_fixture.h"

namespace sipsteer::dp::testing {
namespace {

using sipsteer::testing::arpReply;
using sipsteer::testing::arpRequest;
using sipsteer::testing::neighbourAdvertisement;
using sipsteer::testing::neighbourSolicitation;

class PipelineNeighbourTest : public PipelineFixture {};

TEST_F(PipelineNeighbourTest, AnswersArpForVipAndOwnAddressOnly) {
  publish(defaultSpec(4, SIPSTEER_MODE_NAT));
  for (const char* target : {"198.18.0.10", "198.18.0.2"}) {
    const auto out = send(arpRequest(kClientMac, IpAddr::parse("198.18.1.1"), IpAddr::parse(target)));
    ASSERT_EQ(out.size(), 1u) << target;
    EXPECT_EQ(out[0].frame, arpReply(kPort0Mac, IpAddr::parse(target), kClientMac, IpAddr::parse("198.18.1.1")));
  }
  EXPECT_TRUE(send(arpRequest(kClientMac, IpAddr::parse("198.18.1.1"), IpAddr::parse("198.18.0.99"))).empty());
  EXPECT_EQ(counters_->ports[0][SIPSTEER_PORT_ARP_REPLIES], 2u);
  EXPECT_EQ(counters_->ports[0][SIPSTEER_PORT_PASSED], 1u);
}

TEST_F(PipelineNeighbourTest, ServerSidePortDoesNotClaimTheVip) {
  useTwoArms();
  publish(defaultSpec(4, SIPSTEER_MODE_DSR));
  EXPECT_TRUE(send(arpRequest(serverMac(1), IpAddr::parse("198.18.2.1"), IpAddr::parse("198.18.0.10")), 1).empty());
  EXPECT_EQ(send(arpRequest(serverMac(1), IpAddr::parse("198.18.2.1"), IpAddr::parse("198.18.2.254")), 1).size(), 1u);
  EXPECT_EQ(send(arpRequest(kClientMac, IpAddr::parse("198.18.1.1"), IpAddr::parse("198.18.0.10")), 0).size(), 1u);
}

TEST_F(PipelineNeighbourTest, LearnsServerMacsFromArpAndNd) {
  const auto spec4 = defaultSpec(4, SIPSTEER_MODE_NAT);
  publish(spec4);
  sipsteer::testing::SipRequestSpec r;
  const Bytes invite = sipsteer::testing::udpFrame(clientFrame(4), sipsteer::testing::sipRequest(r));
  EXPECT_TRUE(send(invite).empty());
  for (int i = 1; i <= 3; ++i)
    send(arpReply(serverMac(i), IpAddr::parse("198.18.2." + std::to_string(i)), kPort0Mac,
                  IpAddr::parse("198.18.0.2")));
  ASSERT_EQ(send(invite).size(), 1u);

  auto spec6 = defaultSpec(6, SIPSTEER_MODE_NAT);
  spec6.generation = 2;
  publish(spec6);
  const Bytes invite6 = sipsteer::testing::udpFrame(clientFrame(6), sipsteer::testing::sipRequest(r));
  EXPECT_TRUE(send(invite6).empty());
  for (int i = 1; i <= 3; ++i) {
    const IpAddr s = IpAddr::parse("fd00:5eed::2:" + std::to_string(i));
    send(neighbourAdvertisement(serverMac(i), s, kPort0Mac, IpAddr::parse("fd00:5eed::2"), s));
  }
  ASSERT_EQ(send(invite6).size(), 1u);
}

TEST_F(PipelineNeighbourTest, AnswersNeighbourSolicitationForVip6) {
  publish(defaultSpec(6, SIPSTEER_MODE_NAT));
  const auto out = send(neighbourSolicitation(kClientMac, IpAddr::parse("fd00:5eed::1:1"),
                                              IpAddr::parse("fd00:5eed::10")));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].frame, neighbourAdvertisement(kPort0Mac, IpAddr::parse("fd00:5eed::10"), kClientMac,
                                                 IpAddr::parse("fd00:5eed::1:1"), IpAddr::parse("fd00:5eed::10")));
  const auto d = decodeFrame(out[0].frame);
  EXPECT_TRUE(d.l4_checksum_ok);
}

}  // namespace
}  // namespace sipsteer::dp::testing

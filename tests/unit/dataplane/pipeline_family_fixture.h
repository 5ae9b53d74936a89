// PipelineFixture run once per address family: the test parameter is 4 or 6,
// and the helpers speak of defaultSpec() in that family. Instantiate with
//   INSTANTIATE_TEST_SUITE_P(Families, MyTest, ::testing::Values(4, 6), familyName);
#pragma once

#include <string>

#include "pipeline_fixture.h"

namespace sipsteer::dp::testing {

// The SIP request builders every family test sends with.
using sipsteer::testing::SipRequestSpec;
using sipsteer::testing::sipRequest;
using sipsteer::testing::udpFrame;

class PipelineFamilyFixture : public PipelineFixture,
                              public ::testing::WithParamInterface<uint8_t> {
 protected:
  uint8_t family() const { return GetParam(); }
  // Server i (1..3) of defaultSpec(): 198.18.2.i or fd00:5eed::2:i.
  IpAddr serverAddr(int i) const {
    return IpAddr::parse(family() == 4 ? "198.18.2." + std::to_string(i)
                                       : "fd00:5eed::2:" + std::to_string(i));
  }
  // Publishes defaultSpec(family(), mode) as spec_ and learns its servers' MACs.
  void start(uint8_t mode) {
    spec_ = defaultSpec(family(), mode);
    publish(spec_);
    learnServerMacs(spec_);
  }
  // Which server (1..3) a frame went to, by its destination MAC; 0 for none.
  int serverNumber(const sipsteer::testing::DecodedFrame& d) const {
    for (int i = 1; i <= 3; ++i)
      if (d.dst_mac == serverMac(i)) return i;
    return 0;
  }

  core::TableSpec spec_;
};

// Instance names "Ipv4" and "Ipv6", so a failure names the family.
inline std::string familyName(const ::testing::TestParamInfo<uint8_t>& info) {
  return info.param == 4 ? "Ipv4" : "Ipv6";
}

}  // namespace sipsteer::dp::testing

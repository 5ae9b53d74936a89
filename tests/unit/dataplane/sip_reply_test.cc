#include "pkt/sip_reply.h"

#include <gtest/gtest.h>

#include "support/packet_builder.h"

namespace sipsteer::dp {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string build(const std::string& request, uint32_t retry_after = 30, size_t capacity = 4096) {
  std::vector<uint8_t> out(capacity);
  const size_t n = buildServiceUnavailable(bytes(request), retry_after, 0x0123456789abcdefull, out.data(),
                                           out.size());
  return {reinterpret_cast<const char*>(out.data()), n};
}

TEST(SipReplyTest, CopiesWhatRfc3261Requires) {
  testing::SipRequestSpec r;
  r.extra_vias = {"SIP/2.0/UDP 198.18.9.9;branch=z9hG4bK-proxy"};
  r.extra_headers = {"Contact: <sip:alice@198.18.1.1>", "Subject: not copied"};
  r.body = "v=0\r\n";
  const std::string reply = build(testing::sipRequest(r), 45);
  EXPECT_EQ(reply,
            "SIP/2.0 503 Service Unavailable\r\n"
            "Via: SIP/2.0/UDP 198.18.1.1:5060;branch=z9hG4bK-1\r\n"
            "Via: SIP/2.0/UDP 198.18.9.9;branch=z9hG4bK-proxy\r\n"
            "From: <sip:alice@198.18.1.1>;tag=from-1\r\n"
            "To: <sip:service@198.18.0.10>;tag=0123456789abcdef\r\n"
            "Call-ID: call-1@198.18.1.1\r\n"
            "CSeq: 1 INVITE\r\n"
            "Retry-After: 45\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(SipReplyTest, KeepsAnExistingToTagAndCompactForms) {
  const std::string request =
      "BYE sip:x@198.18.0.10 SIP/2.0\r\n"
      "v: SIP/2.0/UDP 198.18.1.1:5062;branch=z9hG4bK-7;rport\r\n"
      "f: <sip:a@b>;tag=1\r\n"
      "t: <sip:x@y>; tag = 2\r\n"
      "i: abc\r\n"
      "CSeq: 2 BYE\r\n"
      "l: 0\r\n\r\n";
  const std::string reply = build(request);
  EXPECT_NE(reply.find("t: <sip:x@y>; tag = 2\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("0123456789abcdef"), std::string::npos);
  EXPECT_NE(reply.find("v: SIP/2.0/UDP 198.18.1.1:5062;branch=z9hG4bK-7;rport\r\n"), std::string::npos);
  EXPECT_NE(reply.find("i: abc\r\n"), std::string::npos);
}

TEST(SipReplyTest, RefusesWithoutRequiredHeadersOrRoom) {
  testing::SipRequestSpec r;
  r.omit_call_id = true;
  EXPECT_EQ(build(testing::sipRequest(r)), "");
  testing::SipRequestSpec ok;
  EXPECT_EQ(build(testing::sipRequest(ok), 30, 100), "");
  EXPECT_NE(build(testing::sipRequest(ok), 30, 400), "");
}

TEST(SipReplyTest, ResponsePortFollowsRportAndSentBy) {
  auto port = [](const std::string& via, uint16_t source) {
    testing::SipRequestSpec r;
    r.via = via;
    const std::string m = testing::sipRequest(r);
    sip::SipMessage msg;
    EXPECT_EQ(sip::scan(bytes(m), msg), sip::ScanError::kOK) << via;
    return responsePort(bytes(m), msg, source);
  };
  EXPECT_EQ(port("SIP/2.0/UDP 198.18.1.1:5062;branch=z9hG4bK-1", 40000), 5062);
  EXPECT_EQ(port("SIP/2.0/UDP 198.18.1.1;branch=z9hG4bK-1", 40000), 5060);
  EXPECT_EQ(port("SIP/2.0/UDP 198.18.1.1:5062;branch=z9hG4bK-1;rport", 40000), 40000);
  EXPECT_EQ(port("SIP/2.0/UDP [fd00:5eed::1]:5070;branch=z9hG4bK-1", 40000), 5070);
  EXPECT_EQ(port("SIP/2.0/UDP [fd00:5eed::1];branch=z9hG4bK-1", 40000), 5060);
}

}  // namespace
}  // namespace sipsteer::dp

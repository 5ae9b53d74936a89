// The OPTIONS request we send and the reading of replies (with the shared
// SIP scanner): what counts as a reply, and what is rejected and why.
#include "health/options_message.h"

#include <gtest/gtest.h>

namespace sipsteer::control {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const NetAddress kServer = parseAddressPort("198.18.1.10:5060").value();
const NetAddress kLocal = parseAddressPort("198.18.0.100:5099").value();

std::string replyTo(const OptionsRequest& req, const std::string& status_line, const std::string& extra = "") {
  auto via = req.bytes.find("Via:");
  auto via_end = req.bytes.find("\r\n", via);
  return status_line + "\r\n" + req.bytes.substr(via, via_end - via) + ";received=198.18.0.100\r\n" +
         "From: <sip:sipsteer@198.18.0.100:5099>;tag=abc\r\nTo: <sip:198.18.1.10:5060>;tag=xyz\r\n" +
         "Call-ID: " + req.call_id + "\r\nCSeq: 7 OPTIONS\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

TEST(OptionsMessageTest, RequestIsWellFormedAndUnique) {
  auto a = buildOptions(kServer, kLocal, "00112233aabbccdd1", 7);
  auto b = buildOptions(kServer, kLocal, "00112233aabbccdd2", 8);
  EXPECT_NE(a.branch, b.branch);
  EXPECT_NE(a.call_id, b.call_id);
  EXPECT_EQ(a.branch.rfind("z9hG4bK", 0), 0u);  // RFC 3261 magic cookie
  // Our own request, read back, is a request: never mistaken for a reply.
  auto self = parseOptionsReply(bytes(a.bytes), kServer);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error(), ProbeReject::kNotResponse);
}

TEST(OptionsMessageTest, ReplyGivesBranchStatusAndRetryAfter) {
  auto req = buildOptions(kServer, kLocal, "feedface00000001", 7);
  auto ok = parseOptionsReply(bytes(replyTo(req, "SIP/2.0 200 OK")), kServer);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->branch, req.branch);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->call_id, req.call_id);
  EXPECT_EQ(ok->retry_after, -1);
  auto busy = parseOptionsReply(bytes(replyTo(req, "SIP/2.0 503 Service Unavailable", "Retry-After: 120\r\n")), kServer);
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->retry_after, 120);
}

TEST(OptionsMessageTest, MalformedAndForeignDatagramsAreRejected) {
  auto req = buildOptions(kServer, kLocal, "feedface00000002", 7);
  EXPECT_EQ(parseOptionsReply(bytes("hello"), kServer).error(), ProbeReject::kMalformed);
  EXPECT_EQ(parseOptionsReply(bytes(""), kServer).error(), ProbeReject::kMalformed);
  std::string bad_code = replyTo(req, "SIP/2.0 2000 OK");
  EXPECT_EQ(parseOptionsReply(bytes(bad_code), kServer).error(), ProbeReject::kMalformed);
  std::string invite = replyTo(req, "SIP/2.0 200 OK");
  invite.replace(invite.find("7 OPTIONS"), 9, "7 INVITE");
  EXPECT_EQ(parseOptionsReply(bytes(invite), kServer).error(), ProbeReject::kNotOptions);
  // Every truncation of a good reply is refused or read, never a crash.
  std::string good = replyTo(req, "SIP/2.0 200 OK");
  for (size_t n = 0; n < good.size(); ++n) (void)parseOptionsReply(bytes(good.substr(0, n)), kServer);
}

}  // namespace
}  // namespace sipsteer::control

// The one framing of the control <-> dataplane stream: messages cut out of
// any split of the bytes, and a stream that lies about itself refused.
#include <sipsteer/core/proto_frame.h>

#include <gtest/gtest.h>

namespace sipsteer::core {
namespace {

std::span<const uint8_t> bytesOf(const sipsteer_msg_header& h) {
  return {reinterpret_cast<const uint8_t*>(&h), sizeof h};
}

TEST(ProtoFrameTest, SplitsAStreamFedOneByteAtATime) {
  ProtoReader r;
  const std::vector<uint8_t> payload = {1, 2, 3};
  auto m1 = encodeProtoMessage(SIPSTEER_MSG_TABLE, 1, payload);
  auto m2 = encodeProtoMessage(SIPSTEER_MSG_COUNTERS_REQUEST, 2, {});
  std::vector<uint8_t> stream(m1);
  stream.insert(stream.end(), m2.begin(), m2.end());
  for (uint8_t b : stream) r.feed({&b, 1});
  auto a = r.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header.type, SIPSTEER_MSG_TABLE);
  EXPECT_EQ(a->payload, payload);
  auto b = r.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->header.seq, 2u);
  EXPECT_TRUE(b->payload.empty());
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.failed());
}

TEST(ProtoFrameTest, WaitsForTheWholePayload) {
  ProtoReader r;
  const std::vector<uint8_t> payload(100, 7);
  auto m = encodeProtoMessage(SIPSTEER_MSG_TABLE, 5, payload);
  r.feed({m.data(), m.size() - 1});
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.failed());
  r.feed({m.data() + m.size() - 1, 1});
  auto got = r.next();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, payload);
}

TEST(ProtoFrameTest, NeverEncodesWhatEveryReaderWouldRefuse) {
  const std::vector<uint8_t> too_big(SIPSTEER_PROTO_MAX_PAYLOAD + 1, 0);
  EXPECT_TRUE(encodeProtoMessage(SIPSTEER_MSG_TABLE, 1, too_big).empty());
  const std::vector<uint8_t> at_limit(SIPSTEER_PROTO_MAX_PAYLOAD, 0);
  EXPECT_EQ(encodeProtoMessage(SIPSTEER_MSG_TABLE, 1, at_limit).size(),
            sizeof(sipsteer_msg_header) + SIPSTEER_PROTO_MAX_PAYLOAD);
}

TEST(ProtoFrameTest, RefusesBadMagicWrongVersionAndOversizedLength) {
  ProtoReader bad_magic;
  auto m = encodeProtoMessage(SIPSTEER_MSG_TABLE, 9, {});
  m[0] ^= 0xff;
  bad_magic.feed(m);
  EXPECT_FALSE(bad_magic.next());
  EXPECT_TRUE(bad_magic.failed());
  EXPECT_EQ(bad_magic.error(), "bad magic");
  EXPECT_EQ(bad_magic.failedSeq(), 9u);

  ProtoReader old_version;
  sipsteer_msg_header v{SIPSTEER_PROTO_MAGIC, SIPSTEER_PROTO_VERSION + 1, SIPSTEER_MSG_TABLE, 0, 3};
  old_version.feed(bytesOf(v));
  EXPECT_FALSE(old_version.next());
  EXPECT_NE(old_version.error().find("protocol version"), std::string::npos);

  ProtoReader huge;
  sipsteer_msg_header h{SIPSTEER_PROTO_MAGIC, SIPSTEER_PROTO_VERSION, SIPSTEER_MSG_TABLE,
                        SIPSTEER_PROTO_MAX_PAYLOAD + 1, 4};
  huge.feed(bytesOf(h));
  EXPECT_FALSE(huge.next());
  EXPECT_TRUE(huge.failed());
  EXPECT_NE(huge.error().find("over the protocol limit"), std::string::npos);
  // A failed reader stays failed: the stream cannot be resynchronised.
  auto good = encodeProtoMessage(SIPSTEER_MSG_TABLE, 5, {});
  huge.feed(good);
  EXPECT_FALSE(huge.next());
}

}  // namespace
}  // namespace sipsteer::core

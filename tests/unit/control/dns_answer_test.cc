// The bounded DNS answer reader: TTLs per record, compression, junk.
#include "dns/dns_answer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipsteer::control {
namespace {

class Packet {
 public:
  Packet(uint16_t flags, uint16_t an) {
    u16(0x1234);
    u16(flags);
    u16(1);
    u16(an);
    u16(0);
    u16(0);
    name("_sip._udp.example.test");
    u16(kDnsTypeSrv);
    u16(1);
  }
  void u8(uint8_t v) { b.push_back(v); }
  void u16(uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void name(const std::string& n) {
    size_t start = 0;
    while (start < n.size()) {
      size_t dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      u8(static_cast<uint8_t>(dot - start));
      for (size_t i = start; i < dot; ++i) b.push_back(static_cast<uint8_t>(n[i]));
      start = dot + 1;
    }
    u8(0);
  }
  void pointer(uint16_t offset) { u16(0xc000 | offset); }
  // Record header with the owner as a pointer to the question name (offset 12).
  void record(uint16_t type, uint32_t ttl, uint16_t rdlen) {
    pointer(12);
    u16(type);
    u16(1);
    u32(ttl);
    u16(rdlen);
  }
  std::vector<uint8_t> b;
};

TEST(DnsAnswerTest, ReadsSrvWithTtlAndCompressedTarget) {
  Packet p(0x8180, 2);
  std::string target = "sip1.example.test";
  p.record(kDnsTypeSrv, 300, static_cast<uint16_t>(6 + target.size() + 2));
  p.u16(10);
  p.u16(60);
  p.u16(5060);
  p.name(target);
  p.record(kDnsTypeSrv, 120, 8);
  p.u16(20);
  p.u16(0);
  p.u16(5070);
  p.pointer(12 + 10);  // "example.test" inside the question name
  auto a = readDnsAnswer(p.b);
  ASSERT_TRUE(a) << a.error();
  ASSERT_EQ(a->records.size(), 2u);
  EXPECT_EQ(a->records[0].ttl, 300u);
  EXPECT_EQ(a->records[0].priority, 10);
  EXPECT_EQ(a->records[0].weight, 60);
  EXPECT_EQ(a->records[0].port, 5060);
  EXPECT_EQ(a->records[0].target, "sip1.example.test");
  EXPECT_EQ(a->records[0].owner, "_sip._udp.example.test");
  EXPECT_EQ(a->records[1].target, "example.test");
  EXPECT_EQ(a->minTtl(kDnsTypeSrv), 120u);
}

TEST(DnsAnswerTest, ReadsNaptrAAndAaaa) {
  Packet p(0x8180, 3);
  std::string repl = "_sip._udp.example.test";
  p.record(kDnsTypeNaptr, 60, static_cast<uint16_t>(4 + 2 + 8 + 1 + repl.size() + 2));
  p.u16(10);
  p.u16(50);
  p.u8(1);
  p.u8('s');
  p.u8(7);
  for (char c : std::string("SIP+D2U")) p.u8(static_cast<uint8_t>(c));
  p.u8(0);
  p.name(repl);
  p.record(kDnsTypeA, 30, 4);
  for (uint8_t x : {198, 18, 1, 10}) p.u8(x);
  p.record(kDnsTypeAaaa, 0x80000001u, 16);  // top bit set: RFC 2181 says 0
  for (int i = 0; i < 16; ++i) p.u8(i == 0 ? 0xfd : static_cast<uint8_t>(i == 15));
  auto a = readDnsAnswer(p.b);
  ASSERT_TRUE(a) << a.error();
  ASSERT_EQ(a->records.size(), 3u);
  EXPECT_EQ(a->records[0].service, "SIP+D2U");
  EXPECT_EQ(a->records[0].flags, "s");
  EXPECT_EQ(a->records[0].target, repl);
  EXPECT_EQ(a->records[1].address.hostString(), "198.18.1.10");
  EXPECT_EQ(a->records[1].ttl, 30u);
  EXPECT_EQ(a->records[2].address.hostString(), "fd00::1");
  EXPECT_EQ(a->records[2].ttl, 0u);
}

TEST(DnsAnswerTest, JunkIsAnErrorNeverACrash) {
  Packet good(0x8180, 1);
  good.record(kDnsTypeA, 30, 4);
  for (uint8_t x : {198, 18, 1, 10}) good.u8(x);
  ASSERT_TRUE(readDnsAnswer(good.b));
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good.b.size(); ++n) {
    std::vector<uint8_t> cut(good.b.begin(), good.b.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(readDnsAnswer(cut)) << n;
  }
  // A with a wrong length.
  Packet bad(0x8180, 1);
  bad.record(kDnsTypeA, 30, 3);
  for (uint8_t x : {198, 18, 1}) bad.u8(x);
  EXPECT_FALSE(readDnsAnswer(bad.b));
  // A compression loop (pointer to itself) and a forward pointer.
  Packet loop(0x8180, 1);
  size_t at = loop.b.size();
  loop.pointer(static_cast<uint16_t>(at));
  EXPECT_FALSE(readDnsAnswer(loop.b));
  Packet fwd(0x8180, 1);
  fwd.pointer(0x3ff);
  EXPECT_FALSE(readDnsAnswer(fwd.b));
  // A query, not a reply.
  Packet q(0x0100, 0);
  EXPECT_FALSE(readDnsAnswer(q.b));
  // Random bytes: no crash whatever they say (ASan watches).
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> r(good.b);
    for (int k = 0; k < 4; ++k) {
      x = x * 1103515245 + 12345;
      r[(x >> 8) % r.size()] = static_cast<uint8_t>(x >> 20);
    }
    (void)readDnsAnswer(r);
  }
}

TEST(DnsAnswerTest, SrvRdataLongerThanItsFieldsIsRefused) {
  Packet p(0x8180, 1);
  p.record(kDnsTypeSrv, 30, 10);
  p.u16(1);
  p.u16(1);
  p.u16(5060);
  p.u8(0);  // root target
  p.u8(0);
  p.u8(0);
  p.u8(0);
  EXPECT_FALSE(readDnsAnswer(p.b));
}

}  // namespace
}  // namespace sipsteer::control

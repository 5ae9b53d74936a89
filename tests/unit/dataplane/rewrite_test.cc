#include "pkt/rewrite.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstring>

#include "support/packet_builder.h"

namespace sipsteer::dp {
namespace {

using testing::Bytes;
using testing::IpAddr;

union sipsteer_addr toAddr(const IpAddr& a) {
  union sipsteer_addr out {};
  std::memcpy(out.bytes, a.bytes.data(), a.family == 4 ? 4 : 16);
  return out;
}

ParsedPacket parse(const Bytes& f) {
  ParsedPacket p;
  parsePacket(f.data(), static_cast<uint32_t>(f.size()), {}, p);
  return p;
}

// What the pipeline does: the sums come from the table (here: computed from
// the packet's current address and the new one).
bool natTo(Bytes& f, const ParsedPacket& p, const IpAddr& to, uint16_t port) {
  const union sipsteer_addr addr = toAddr(to);
  return natDestination(f.data(), p, {addr, port, addressSum(p.family, addr)}, addressSum(p.family, p.dst));
}
bool natFrom(Bytes& f, const ParsedPacket& p, const IpAddr& to, uint16_t port) {
  const union sipsteer_addr addr = toAddr(to);
  return natSource(f.data(), p, {addr, port, addressSum(p.family, addr)}, addressSum(p.family, p.src));
}

class RewriteTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(RewriteTest, NatBothWaysKeepsChecksumsValid) {
  testing::UdpFrameSpec s;
  s.src = IpAddr::parse(GetParam().first);
  s.dst = IpAddr::parse(GetParam().second);
  s.sport = 40000;
  const IpAddr server = IpAddr::parse(s.src.family == 4 ? "198.18.2.20" : "fd00:5eed::2:20");
  for (int round = 0; round < 50; ++round) {
    Bytes f = testing::udpFrame(s, std::string(static_cast<size_t>(round * 7 + 1), static_cast<char>('A' + round % 26)));
    ParsedPacket p = parse(f);
    ASSERT_EQ(p.kind, PacketKind::kUdp);
    ASSERT_TRUE(natTo(f, p, server, 5070));
    auto d = testing::decodeFrame(f);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.dst, server);
    EXPECT_EQ(d.dport, 5070);
    EXPECT_EQ(d.ttl, 63);
    EXPECT_TRUE(d.ip_checksum_ok);
    EXPECT_TRUE(d.l4_checksum_ok) << "round " << round;
    // And the server's reply leaves from the VIP again.
    p = parse(f);
    ASSERT_EQ(p.kind, PacketKind::kUdp) << int(p.drop_reason);
    ASSERT_TRUE(natFrom(f, p, s.dst, 5061));
    d = testing::decodeFrame(f);
    EXPECT_EQ(d.src, s.dst);
    EXPECT_EQ(d.sport, 5061);
    EXPECT_TRUE(d.ip_checksum_ok);
    EXPECT_TRUE(d.l4_checksum_ok);
    s.sport = static_cast<uint16_t>(s.sport + 977);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, RewriteTest,
                         ::testing::Values(std::make_pair("198.18.1.1", "198.18.0.10"),
                                           std::make_pair("fd00:5eed::1:1", "fd00:5eed::10")));

// The precomputed address sums must give the same checksums as a full
// recomputation for any addresses, ports and TTLs, including words of 0 and
// 0xffff (where one's-complement has two zeros) and sums that carry.
TEST(RewriteSumsTest, AnyAddressPairKeepsChecksumsValid) {
  uint64_t state = 0x5eed;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  auto randomAddr = [&](int family) {
    IpAddr a;
    a.family = static_cast<uint8_t>(family);
    for (size_t i = 0; i < (family == 4 ? 4u : 16u); ++i) {
      const uint32_t r = next() % 8;
      a.bytes[i] = r == 0 ? 0 : r == 1 ? 0xff : static_cast<uint8_t>(next());
    }
    return a;
  };
  for (int family : {4, 6}) {
    for (int round = 0; round < 400; ++round) {
      testing::UdpFrameSpec s;
      s.src = randomAddr(family);
      s.dst = randomAddr(family);
      s.sport = static_cast<uint16_t>(next());
      s.dport = static_cast<uint16_t>(next());
      s.ttl = static_cast<uint8_t>(3 + next() % 253);  // two rewrites
      Bytes f = testing::udpFrame(s, std::string(1 + next() % 64, static_cast<char>(next())));
      ParsedPacket p = parse(f);
      ASSERT_EQ(p.kind, PacketKind::kUdp) << "round " << round;
      const IpAddr server = randomAddr(family);
      const auto port = static_cast<uint16_t>(next());
      ASSERT_TRUE(natTo(f, p, server, port));
      auto d = testing::decodeFrame(f);
      ASSERT_TRUE(d.ok) << d.error;
      EXPECT_EQ(d.dst, server);
      EXPECT_EQ(d.ttl, s.ttl - 1);
      EXPECT_TRUE(d.ip_checksum_ok) << "family " << family << " round " << round;
      EXPECT_TRUE(d.l4_checksum_ok) << "family " << family << " round " << round;
      p = parse(f);
      ASSERT_EQ(p.kind, PacketKind::kUdp) << int(p.drop_reason);
      const IpAddr vip = randomAddr(family);
      ASSERT_TRUE(natFrom(f, p, vip, static_cast<uint16_t>(next())));
      d = testing::decodeFrame(f);
      EXPECT_EQ(d.src, vip);
      EXPECT_TRUE(d.ip_checksum_ok) << "family " << family << " round " << round;
      EXPECT_TRUE(d.l4_checksum_ok) << "family " << family << " round " << round;
    }
  }
}

TEST(RewriteTtlTest, ExpiringTtlLeavesFrameUntouched) {
  testing::UdpFrameSpec s;
  s.src = IpAddr::parse("198.18.1.1");
  s.dst = IpAddr::parse("198.18.0.10");
  s.ttl = 1;
  Bytes f = testing::udpFrame(s, "x");
  const Bytes before = f;
  EXPECT_FALSE(natTo(f, parse(f), IpAddr::parse("198.18.2.1"), 5060));
  EXPECT_EQ(f, before);
}

TEST(RewriteTest4, Ipv4WithoutUdpChecksumStaysWithout) {
  testing::UdpFrameSpec s;
  s.src = IpAddr::parse("198.18.1.1");
  s.dst = IpAddr::parse("198.18.0.10");
  s.udp_checksum = false;
  Bytes f = testing::udpFrame(s, "hello");
  ASSERT_TRUE(natTo(f, parse(f), IpAddr::parse("198.18.2.1"), 5060));
  EXPECT_EQ(f[34 + 6], 0);
  EXPECT_EQ(f[34 + 7], 0);
  EXPECT_TRUE(testing::decodeFrame(f).ip_checksum_ok);
}

TEST(TurnAroundTest, RepliesFromTheVipToTheSender) {
  for (const char* fam : {"4", "6"}) {
    testing::UdpFrameSpec s;
    s.src = IpAddr::parse(fam[0] == '4' ? "198.18.1.1" : "fd00:5eed::1:1");
    s.dst = IpAddr::parse(fam[0] == '4' ? "198.18.0.10" : "fd00:5eed::10");
    s.sport = 33333;
    Bytes f = testing::udpFrame(s, "request");
    f.resize(2048);
    const ParsedPacket p = parse(f);
    const std::string body = "a somewhat longer reply body than the request was";
    const size_t n = turnAroundUdp(f.data(), f.size(), p, 5090, reinterpret_cast<const uint8_t*>(body.data()),
                                   body.size());
    ASSERT_GT(n, 0u);
    f.resize(n);
    const auto d = testing::decodeFrame(f);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.src, s.dst);
    EXPECT_EQ(d.dst, s.src);
    EXPECT_EQ(d.sport, 5060);
    EXPECT_EQ(d.dport, 5090);
    EXPECT_EQ(d.src_mac, s.dst_mac);
    EXPECT_EQ(d.dst_mac, s.src_mac);
    EXPECT_TRUE(d.ip_checksum_ok);
    EXPECT_TRUE(d.l4_checksum_ok);
    EXPECT_EQ(std::string(d.payload.begin(), d.payload.end()), body);
  }
}

TEST(TurnAroundTest, RefusesWhatDoesNotFit) {
  testing::UdpFrameSpec s;
  s.src = IpAddr::parse("198.18.1.1");
  s.dst = IpAddr::parse("198.18.0.10");
  Bytes f = testing::udpFrame(s, "r");
  const std::string body(100, 'x');
  EXPECT_EQ(turnAroundUdp(f.data(), f.size(), parse(f), 5060, reinterpret_cast<const uint8_t*>(body.data()),
                          body.size()),
            0u);
}

TEST(NeighbourRewriteTest, ArpReplyAndNeighbourAdvert) {
  const auto peer = testing::parseMac("02:00:00:00:00:09");
  const uint8_t ours[6] = {0x02, 0, 0, 0, 0, 0x42};
  Bytes arp = testing::arpRequest(peer, IpAddr::parse("198.18.0.1"), IpAddr::parse("198.18.0.10"));
  ParsedPacket p = parse(arp);
  uint32_t sender = 0;
  const uint8_t* sender_mac = nullptr;
  EXPECT_EQ(arpRequestTarget(arp.data(), p, &sender, &sender_mac), inet_addr("198.18.0.10"));
  makeArpReply(arp.data(), p, ours);
  const Bytes expected = testing::arpReply({0x02, 0, 0, 0, 0, 0x42}, IpAddr::parse("198.18.0.10"), peer,
                                           IpAddr::parse("198.18.0.1"));
  EXPECT_EQ(arp, expected);

  Bytes ns = testing::neighbourSolicitation(peer, IpAddr::parse("fd00:5eed::1"), IpAddr::parse("fd00:5eed::10"));
  p = parse(ns);
  NdInfo nd;
  ASSERT_TRUE(parseNd(ns.data(), p, nd));
  ASSERT_NE(nd.lladdr, nullptr);
  EXPECT_EQ(0, std::memcmp(nd.lladdr, peer.data(), 6));
  const size_t n = makeNeighbourAdvert(ns.data(), p, ours);
  ns.resize(n);
  const Bytes na = testing::neighbourAdvertisement({0x02, 0, 0, 0, 0, 0x42}, IpAddr::parse("fd00:5eed::10"), peer,
                                                   IpAddr::parse("fd00:5eed::1"), IpAddr::parse("fd00:5eed::10"));
  EXPECT_EQ(ns, na);
}

}  // namespace
}  // namespace sipsteer::dp

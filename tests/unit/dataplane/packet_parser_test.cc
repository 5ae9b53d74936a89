#include "pkt/packet_parser.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include "support/packet_builder.h"

namespace sipsteer::dp {
namespace {

using testing::Bytes;
using testing::IpAddr;
using testing::UdpFrameSpec;

UdpFrameSpec spec4() {
  UdpFrameSpec s;
  s.src = IpAddr::parse("198.18.1.1");
  s.dst = IpAddr::parse("198.18.0.10");
  s.sport = 5062;
  return s;
}
UdpFrameSpec spec6() {
  UdpFrameSpec s;
  s.src = IpAddr::parse("fd00:5eed::1:1");
  s.dst = IpAddr::parse("fd00:5eed::10");
  s.sport = 5062;
  return s;
}

ParsedPacket parse(const Bytes& f, ParseOptions options = {}) {
  ParsedPacket p;
  parsePacket(f.data(), static_cast<uint32_t>(f.size()), options, p);
  return p;
}

constexpr const char* kSip = "OPTIONS sip:x SIP/2.0\r\n\r\n";

TEST(PacketParserTest, Ipv4Udp) {
  const Bytes f = testing::udpFrame(spec4(), kSip);
  const ParsedPacket p = parse(f);
  ASSERT_EQ(p.kind, PacketKind::kUdp);
  EXPECT_EQ(p.family, SIPSTEER_FAMILY_IPV4);
  EXPECT_EQ(p.sport, 5062);
  EXPECT_EQ(p.dport, 5060);
  EXPECT_EQ(p.l3_offset, 14);
  EXPECT_EQ(p.l4_offset, 34);
  EXPECT_EQ(p.payload_offset, 42);
  EXPECT_EQ(p.payload_length, std::string(kSip).size());
  EXPECT_EQ(p.dst.v4, inet_addr("198.18.0.10"));
  EXPECT_EQ(p.ttl, 64);
}

TEST(PacketParserTest, Ipv6UdpBehindTwoVlans) {
  UdpFrameSpec s = spec6();
  s.vlans = {100, 200};
  const Bytes f = testing::udpFrame(s, kSip);
  const ParsedPacket p = parse(f);
  ASSERT_EQ(p.kind, PacketKind::kUdp);
  EXPECT_EQ(p.family, SIPSTEER_FAMILY_IPV6);
  EXPECT_EQ(p.vlan_count, 2);
  EXPECT_EQ(p.l3_offset, 22);
  EXPECT_EQ(p.payload_offset, 22 + 48);
  EXPECT_EQ(0, std::memcmp(p.dst.bytes, IpAddr::parse("fd00:5eed::10").bytes.data(), 16));
}

TEST(PacketParserTest, ThreeVlansUnsupported) {
  UdpFrameSpec s = spec4();
  s.vlans = {1, 2, 3};
  const ParsedPacket p = parse(testing::udpFrame(s, kSip));
  EXPECT_EQ(p.kind, PacketKind::kDrop);
  EXPECT_EQ(p.drop_reason, SIPSTEER_DROP_L2_UNSUPPORTED);
}

TEST(PacketParserTest, EveryTruncationIsDroppedWithoutReadingPastTheEnd) {
  for (const Bytes& whole : {testing::udpFrame(spec4(), kSip), testing::udpFrame(spec6(), kSip)}) {
    for (size_t n = 0; n < whole.size(); ++n) {
      // A fresh heap copy of exactly n bytes, so ASan catches any over-read.
      const Bytes cut(whole.begin(), whole.begin() + static_cast<long>(n));
      const ParsedPacket p = parse(cut);
      EXPECT_EQ(p.kind, PacketKind::kDrop) << "length " << n;
      EXPECT_TRUE(p.drop_reason == SIPSTEER_DROP_TRUNCATED || p.drop_reason == SIPSTEER_DROP_IP_BAD_LENGTH)
          << "length " << n << " reason " << int(p.drop_reason);
    }
  }
}

TEST(PacketParserTest, EthernetPaddingIsAllowed) {
  Bytes f = testing::udpFrame(spec4(), "x");
  f.resize(f.size() + 10, 0);
  EXPECT_EQ(parse(f).kind, PacketKind::kUdp);
}

TEST(PacketParserTest, BadIpv4Checksum) {
  UdpFrameSpec s = spec4();
  s.corrupt_ip_checksum = true;
  const Bytes f = testing::udpFrame(s, kSip);
  EXPECT_EQ(parse(f).drop_reason, SIPSTEER_DROP_IP_BAD_CHECKSUM);
  ParseOptions offloaded;
  offloaded.verify_ipv4_checksum = false;
  EXPECT_EQ(parse(f, offloaded).kind, PacketKind::kUdp);
}

TEST(PacketParserTest, BadUdpChecksumBothFamilies) {
  for (UdpFrameSpec s : {spec4(), spec6()}) {
    s.corrupt_udp_checksum = true;
    EXPECT_EQ(parse(testing::udpFrame(s, kSip)).drop_reason, SIPSTEER_DROP_UDP_BAD_CHECKSUM);
  }
}

TEST(PacketParserTest, UdpChecksumKnobSkipsOnlyTheUdpCheck) {
  ParseOptions trust_udp;
  trust_udp.verify_udp_checksum = false;
  for (UdpFrameSpec s : {spec4(), spec6()}) {
    s.corrupt_udp_checksum = true;
    const ParsedPacket p = parse(testing::udpFrame(s, kSip), trust_udp);
    EXPECT_EQ(p.kind, PacketKind::kUdp) << "a wrong UDP checksum is not looked at";
    s.corrupt_udp_checksum = false;
    s.corrupt_ip_checksum = s.dst.family == 4;
    if (s.corrupt_ip_checksum) {
      EXPECT_EQ(parse(testing::udpFrame(s, kSip), trust_udp).drop_reason, SIPSTEER_DROP_IP_BAD_CHECKSUM);
    }
  }
  // A zero UDP checksum is malformed in IPv6 whatever the knob says.
  Bytes zero = testing::udpFrame(spec6(), kSip);
  zero[14 + 40 + 6] = 0;
  zero[14 + 40 + 7] = 0;
  EXPECT_EQ(parse(zero, trust_udp).drop_reason, SIPSTEER_DROP_UDP_BAD_CHECKSUM);
  // ICMP errors are still verified: they change liveness.
  const UdpFrameSpec s = spec4();
  Bytes icmp = testing::icmpUnreachableFrame({}, {}, s.dst, s.src, 3, testing::udpFrame(s, kSip));
  icmp[34 + 2] ^= 1;
  EXPECT_EQ(parse(icmp, trust_udp).drop_reason, SIPSTEER_DROP_ICMP_MALFORMED);
}

TEST(PacketParserTest, Ipv4UdpWithoutChecksumIsAccepted) {
  UdpFrameSpec s = spec4();
  s.udp_checksum = false;
  EXPECT_EQ(parse(testing::udpFrame(s, kSip)).kind, PacketKind::kUdp);
}

TEST(PacketParserTest, Ipv6UdpWithoutChecksumIsDropped) {
  Bytes f = testing::udpFrame(spec6(), kSip);
  f[14 + 40 + 6] = 0;
  f[14 + 40 + 7] = 0;
  EXPECT_EQ(parse(f).drop_reason, SIPSTEER_DROP_UDP_BAD_CHECKSUM);
}

TEST(PacketParserTest, Ipv4Options) {
  UdpFrameSpec s = spec4();
  s.ipv4_options = {1, 1, 1, 0};  // NOP NOP NOP EOL
  EXPECT_EQ(parse(testing::udpFrame(s, kSip)).drop_reason, SIPSTEER_DROP_IP_OPTIONS);
}

TEST(PacketParserTest, BadLengths) {
  Bytes f = testing::udpFrame(spec4(), kSip);
  Bytes longer = f;
  longer[16] = 0x40;  // total length 16 K > frame
  EXPECT_EQ(parse(longer).drop_reason, SIPSTEER_DROP_IP_BAD_LENGTH);
  Bytes header = f;
  header[14] = 0x44;  // IHL 4 words
  EXPECT_EQ(parse(header).drop_reason, SIPSTEER_DROP_IP_BAD_HEADER);
  Bytes version = f;
  version[14] = 0x65;
  EXPECT_EQ(parse(version).drop_reason, SIPSTEER_DROP_IP_BAD_HEADER);
  Bytes udp = f;
  udp[34 + 5] += 1;  // UDP length one more than the IP payload
  ParseOptions no_check;
  no_check.verify_l4_checksum = false;
  EXPECT_EQ(parse(udp, no_check).drop_reason, SIPSTEER_DROP_UDP_BAD_LENGTH);
  Bytes v6 = testing::udpFrame(spec6(), kSip);
  v6[14 + 4] = 0x7f;  // payload length beyond the frame
  EXPECT_EQ(parse(v6).drop_reason, SIPSTEER_DROP_IP_BAD_LENGTH);
}

TEST(PacketParserTest, FragmentsBothFamilies) {
  std::string big(3000, 'a');
  for (const UdpFrameSpec& s : {spec4(), spec6()}) {
    const auto frags = testing::fragmentFrame(testing::udpFrame(s, big), 1500);
    ASSERT_GE(frags.size(), 3u);
    for (const Bytes& f : frags) EXPECT_EQ(parse(f).kind, PacketKind::kFragment);
  }
}

TEST(PacketParserTest, ArpAndNeighbourDiscovery) {
  const Bytes arp = testing::arpRequest(testing::parseMac("02:00:00:00:00:09"), IpAddr::parse("198.18.0.1"),
                                        IpAddr::parse("198.18.0.10"));
  EXPECT_EQ(parse(arp).kind, PacketKind::kArp);
  const Bytes ns = testing::neighbourSolicitation(testing::parseMac("02:00:00:00:00:09"),
                                                  IpAddr::parse("fd00:5eed::1"), IpAddr::parse("fd00:5eed::10"));
  const ParsedPacket p = parse(ns);
  EXPECT_EQ(p.kind, PacketKind::kNeighbour);
  EXPECT_EQ(p.icmp_type, 135);
}

TEST(PacketParserTest, IcmpErrorQuotesTheOriginal) {
  for (const UdpFrameSpec& s : {spec4(), spec6()}) {
    const Bytes sent = testing::udpFrame(s, kSip);
    const Bytes icmp = testing::icmpUnreachableFrame(testing::parseMac("02:00:00:00:00:07"),
                                                     testing::parseMac("02:00:00:00:00:08"), s.dst, s.src,
                                                     s.src.family == 4 ? 3 : 4, sent);
    const ParsedPacket p = parse(icmp);
    ASSERT_EQ(p.kind, PacketKind::kIcmpError);
    QuotedPacket q;
    ASSERT_TRUE(parseQuoted(icmp.data() + p.quoted_offset, p.quoted_length, p.family, q));
    EXPECT_EQ(q.sport, 5062);
    EXPECT_EQ(q.dport, 5060);
    EXPECT_EQ(q.payload_length, std::string(kSip).size());
    EXPECT_EQ(0, std::memcmp(q.dst.bytes, p.src.bytes, 16));
  }
}

TEST(PacketParserTest, IcmpWithBadChecksumOrShortQuote) {
  const UdpFrameSpec s = spec4();
  Bytes icmp = testing::icmpUnreachableFrame({}, {}, s.dst, s.src, 3, testing::udpFrame(s, kSip));
  Bytes bad = icmp;
  bad[34 + 2] ^= 1;
  EXPECT_EQ(parse(bad).drop_reason, SIPSTEER_DROP_ICMP_MALFORMED);
  const Bytes short_quote =
      testing::icmpUnreachableFrame({}, {}, s.dst, s.src, 3, testing::udpFrame(s, kSip), 20);
  const ParsedPacket p = parse(short_quote);
  ASSERT_EQ(p.kind, PacketKind::kIcmpError);
  QuotedPacket q;
  EXPECT_FALSE(parseQuoted(short_quote.data() + p.quoted_offset, p.quoted_length, p.family, q));
}

TEST(PacketParserTest, OtherTraffic) {
  UdpFrameSpec s = spec4();
  Bytes tcp = testing::udpFrame(s, kSip);
  tcp[14 + 9] = 6;  // protocol TCP (checksum now wrong: fix it)
  tcp[24] = tcp[25] = 0;
  const uint16_t sum = static_cast<uint16_t>(~testing::onesComplementSum({tcp.data() + 14, 20}));
  tcp[24] = static_cast<uint8_t>(sum >> 8);
  tcp[25] = static_cast<uint8_t>(sum);
  EXPECT_EQ(parse(tcp).kind, PacketKind::kOther);
  Bytes lldp(60, 0);
  lldp[12] = 0x88;
  lldp[13] = 0xcc;
  EXPECT_EQ(parse(lldp).kind, PacketKind::kOther);
}

}  // namespace
}  // namespace sipsteer::dp

// parsePacket's fast path (untagged IPv4/UDP with fixed offsets) against the
// general parser it short-cuts: identical results, field by field, for the
// frames it takes and every mutation of their headers it must hand over
// (each header byte changed, truncated and padded frames, bad checksums,
// both families, VLAN tags), under each checksum option set.
#include <gtest/gtest.h>

#include <cstring>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "pkt/packet_parser.h"
#include "support/packet_builder.h"

namespace sipsteer::dp {
namespace {

using testing::Bytes;
using testing::IpAddr;
using testing::UdpFrameSpec;

bool same(const ParsedPacket& a, const ParsedPacket& b) {
  return a.kind == b.kind && a.drop_reason == b.drop_reason && a.family == b.family && a.vlan_count == b.vlan_count &&
         a.ip_proto == b.ip_proto && a.ttl == b.ttl && a.icmp_type == b.icmp_type && a.icmp_code == b.icmp_code &&
         a.l3_offset == b.l3_offset && a.l4_offset == b.l4_offset && a.l3_length == b.l3_length &&
         a.sport == b.sport && a.dport == b.dport && a.payload_offset == b.payload_offset &&
         a.payload_length == b.payload_length && a.quoted_offset == b.quoted_offset &&
         a.quoted_length == b.quoted_length && std::memcmp(a.src.bytes, b.src.bytes, 16) == 0 &&
         std::memcmp(a.dst.bytes, b.dst.bytes, 16) == 0;
}

std::string describe(const ParsedPacket& p) {
  std::string s;
  for (const int v : {int(p.kind), int(p.drop_reason), int(p.family), int(p.vlan_count), int(p.ip_proto), int(p.ttl),
                      int(p.icmp_type), int(p.icmp_code), int(p.l3_offset), int(p.l4_offset), int(p.l3_length),
                      int(p.sport), int(p.dport), int(p.payload_offset), int(p.payload_length),
                      int(p.quoted_offset), int(p.quoted_length)})
    s += std::to_string(v) + " ";
  for (const uint8_t b : p.src.bytes) s += std::to_string(b) + ".";
  s += " ";
  for (const uint8_t b : p.dst.bytes) s += std::to_string(b) + ".";
  return s;
}

std::vector<ParseOptions> optionSets() {
  std::vector<ParseOptions> sets(4);
  sets[1].verify_ipv4_checksum = sets[1].verify_l4_checksum = false;
  sets[2].verify_udp_checksum = false;
  sets[3].verify_ipv4_checksum = false;
  return sets;
}

// Parses `frame` from an exact-size heap copy (ASan sees over-reads) both
// ways; returns the number of option sets where the fast path answered kUdp.
int expectSameResult(const Bytes& frame, const std::string& what) {
  int udp = 0;
  const Bytes exact(frame);
  for (const ParseOptions& options : optionSets()) {
    ParsedPacket fast, general;
    // Stale contents of a reused slot must not leak through.
    fast.kind = PacketKind::kOther;
    fast.vlan_count = fast.icmp_type = 7;
    fast.quoted_offset = fast.sport = 0xbeef;
    std::memset(fast.src.bytes, 0xa5, sizeof fast.src.bytes);
    std::memset(fast.dst.bytes, 0xa5, sizeof fast.dst.bytes);
    parsePacket(exact.data(), static_cast<uint32_t>(exact.size()), options, fast);
    detail::parsePacketGeneral(exact.data(), static_cast<uint32_t>(exact.size()), options, general);
    if (!same(fast, general)) ADD_FAILURE() << what << "\nfast:    " << describe(fast) << "\ngeneral: " << describe(general);
    udp += fast.kind == PacketKind::kUdp;
    if (fast.family == SIPSTEER_FAMILY_IPV4) {  // zero-padded whatever the slot held
      static const uint8_t zeros[12] = {};
      EXPECT_EQ(0, std::memcmp(fast.src.bytes + 4, zeros, 12)) << what;
      EXPECT_EQ(0, std::memcmp(fast.dst.bytes + 4, zeros, 12)) << what;
    }
  }
  return udp;
}

UdpFrameSpec spec(const char* src, const char* dst) {
  UdpFrameSpec s;
  s.src = IpAddr::parse(src);
  s.dst = IpAddr::parse(dst);
  s.sport = 5062;
  return s;
}

TEST(ParserFastPathTest, SameResultAsTheGeneralParser) {
  std::mt19937 random(4242);
  int accepted = 0;
  for (const size_t payload_size : {0, 1, 2, 25, 31, 32, 33, 457, 458, 958, 1400}) {
    std::string payload(payload_size, 'x');
    for (auto& c : payload) c = static_cast<char>('a' + random() % 26);
    for (UdpFrameSpec s : {spec("198.18.1.1", "198.18.0.10"), spec("fd00:5eed::1:1", "fd00:5eed::10")}) {
      for (const bool vlan : {false, true}) {
        s.vlans.clear();
        if (vlan) s.vlans.push_back(100);
        const Bytes whole = testing::udpFrame(s, payload);
        const std::string base = std::to_string(payload_size) + (vlan ? " vlan" : "") + " v" +
                                 std::to_string(int(s.dst.family));
        accepted += expectSameResult(whole, base);
        // Every header byte (Ethernet, IP, UDP: up to 62 with a tag and
        // IPv6) changed to a few values, including the ones the fast path
        // tests for.
        for (size_t at = 0; at < std::min<size_t>(whole.size(), 70); ++at) {
          for (const int value : {0x00, 0x01, 0x08, 0x11, 0x20, 0x3f, 0x40, 0x45, 0x46, 0x80, 0xff, -1}) {
            Bytes f = whole;
            f[at] = value < 0 ? static_cast<uint8_t>(f[at] ^ (1u << (random() % 8))) : static_cast<uint8_t>(value);
            expectSameResult(f, base + " byte " + std::to_string(at) + "=" + std::to_string(f[at]));
          }
        }
        // Truncated, and padded as Ethernet may pad.
        for (size_t n = 0; n < whole.size(); n += n < 80 ? 1 : 97)
          expectSameResult(Bytes(whole.begin(), whole.begin() + static_cast<long>(n)), base + " cut " + std::to_string(n));
        Bytes padded = whole;
        padded.resize(whole.size() + 18, 0);
        accepted += expectSameResult(padded, base + " padded");
        // A corrupted payload byte: a bad UDP checksum where it is verified.
        if (payload_size > 0) {
          Bytes bad = whole;
          bad.back() ^= 0x40;
          expectSameResult(bad, base + " payload");
        }
      }
    }
  }
  // The fast path must have been taken, or the comparison proves nothing:
  // each untagged IPv4 frame (plain and padded) under four option sets.
  EXPECT_GE(accepted, 11 * 2 * 4);
}

}  // namespace
}  // namespace sipsteer::dp

// Feeds arbitrary frames through every step the fast path applies to
// received bytes. The input buffer is exactly the frame, so ASan reports any
// read past it; rewrites run on a copy with the mbuf-like tailroom the
// pipeline has.
#include <sipsteer/core/sip_scanner.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "pkt/checksum.h"
#include "pkt/packet_parser.h"
#include "pkt/rewrite.h"
#include "pkt/sip_reply.h"

using namespace sipsteer;
using namespace sipsteer::dp;

namespace {

void steerLike(const uint8_t* data, size_t size, const ParsedPacket& p) {
  const std::span<const uint8_t> sip(data + p.payload_offset, p.payload_length);
  // What the pipeline's first pass does since scanForSteering replaced the
  // Call-ID|CSeq mask.
  sip::SteeringFields msg;
  if (sip::scanForSteering(sip, msg) != sip::ScanError::kOK) return;
  uint8_t reply[8192];
  const size_t n = buildServiceUnavailable(sip, 30, 0x1234, reply, sizeof reply);
  sip::SipMessage full;
  sip::ScanOptions want503;
  want503.want = sip::kWantCallId | sip::kWantCSeq | sip::kWantVia | sip::kWantFromTo;
  const uint16_t port = sip::scan(sip, full, want503) == sip::ScanError::kOK ? responsePort(sip, full, p.sport) : 5060;
  // The pipeline rewrites in place in a buffer with tailroom.
  std::vector<uint8_t> frame(data, data + size);
  frame.resize(size + 2048);
  union sipsteer_addr addr {};
  addr.v4 = 0x01020304;
  natDestination(frame.data(), p, {addr, 5070, addressSum(p.family, addr)}, addressSum(p.family, p.dst));
  natSource(frame.data(), p, {addr, 5060, addressSum(p.family, addr)}, addressSum(p.family, p.src));
  if (n > 0) turnAroundUdp(frame.data(), frame.size(), p, port, reply, n);
}

// parsePacket's fast path for untagged IPv4/UDP must agree with the general
// parser on every field, for every input.
void expectSameAsGeneral(const uint8_t* data, size_t size, const ParseOptions& options, const ParsedPacket& p) {
  ParsedPacket g;
  detail::parsePacketGeneral(data, static_cast<uint32_t>(size), options, g);
  const bool same = p.kind == g.kind && p.drop_reason == g.drop_reason && p.family == g.family &&
                    p.vlan_count == g.vlan_count && p.ip_proto == g.ip_proto && p.ttl == g.ttl &&
                    p.icmp_type == g.icmp_type && p.icmp_code == g.icmp_code && p.l3_offset == g.l3_offset &&
                    p.l4_offset == g.l4_offset && p.l3_length == g.l3_length && p.sport == g.sport &&
                    p.dport == g.dport && p.payload_offset == g.payload_offset &&
                    p.payload_length == g.payload_length && p.quoted_offset == g.quoted_offset &&
                    p.quoted_length == g.quoted_length && std::memcmp(p.src.bytes, g.src.bytes, 16) == 0 &&
                    std::memcmp(p.dst.bytes, g.dst.bytes, 16) == 0;
  if (!same) __builtin_trap();
}

// Every bulk sum loop this CPU has (the parser uses the widest) must agree
// with the baseline one on the frame, from its start and from an odd offset.
void expectSumsAgree(const uint8_t* data, size_t size) {
  for (const size_t from : {size_t{0}, size_t{1}}) {
    if (from > size) break;
    const uint16_t baseline = checksumSumWith(SumPath::kBaseline, data + from, size - from);
    for (const SumPath path : {SumPath::kAvx2, SumPath::kAvx512})
      if (sumPathAvailable(path) && checksumSumWith(path, data + from, size - from) != baseline) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65535) return 0;
  expectSumsAgree(data, size);
  ParsedPacket p;
  // 0: software checks, 1: NIC verified everything, 2: verify_udp_checksum off.
  for (int offload = 0; offload < 3; ++offload) {
    ParseOptions options;
    options.verify_ipv4_checksum = options.verify_l4_checksum = offload != 1;
    options.verify_udp_checksum = offload != 2;
    parsePacket(data, static_cast<uint32_t>(size), options, p);
    expectSameAsGeneral(data, size, options, p);
    switch (p.kind) {
      case PacketKind::kUdp:
        steerLike(data, size, p);
        break;
      case PacketKind::kIcmpError: {
        QuotedPacket q;
        if (parseQuoted(data + p.quoted_offset, p.quoted_length, p.family, q)) {
          sip::SipMessage msg;
          sip::ScanOptions o;
          o.want = sip::kWantCallId;
          sip::scan({data + p.quoted_offset + q.payload_offset, q.payload_length}, msg, o);
        }
        break;
      }
      case PacketKind::kNeighbour: {
        NdInfo nd;
        parseNd(data, p, nd);
        std::vector<uint8_t> frame(data, data + size);
        frame.resize(std::max<size_t>(size, p.l4_offset + 32u));
        const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
        if (nd.type == 135) makeNeighbourAdvert(frame.data(), p, mac);
        break;
      }
      case PacketKind::kArp: {
        uint32_t ip;
        const uint8_t* mac;
        if (arpRequestTarget(data, p, &ip, &mac) != 0) {
          std::vector<uint8_t> frame(data, data + size);
          const uint8_t ours[6] = {2, 0, 0, 0, 0, 1};
          makeArpReply(frame.data(), p, ours);
        }
        break;
      }
      default:
        break;
    }
  }
  return 0;
}

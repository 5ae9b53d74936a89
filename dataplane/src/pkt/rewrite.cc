#include "pkt/rewrite.h"

#include <cstring>

#include "pkt/checksum.h"

namespace sipsteer::dp {
namespace {

constexpr uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace

uint16_t addressSum(uint8_t family, const union sipsteer_addr& addr) noexcept {
  const size_t length = family == SIPSTEER_FAMILY_IPV4 ? 4 : 16;
  uint32_t sum = 0;
  for (size_t i = 0; i < length; i += 2) sum += load16be(addr.bytes + i);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

size_t turnAroundUdp(uint8_t* frame, size_t capacity, const ParsedPacket& p, uint16_t dport,
                     const uint8_t* payload, size_t payload_length) noexcept {
  const bool v4 = p.family == SIPSTEER_FAMILY_IPV4;
  const size_t ip_header = p.l4_offset - p.l3_offset;
  const size_t total = p.l4_offset + 8 + payload_length;
  if (total > capacity || 8 + payload_length + ip_header > 0xffff) return 0;
  uint8_t mac[6];
  std::memcpy(mac, frame, 6);
  std::memcpy(frame, frame + 6, 6);
  std::memcpy(frame + 6, mac, 6);
  uint8_t* ip = frame + p.l3_offset;
  uint8_t* udp = frame + p.l4_offset;
  const size_t alen = v4 ? 4 : 16;
  uint8_t* src = ip + (v4 ? 12 : 8);
  uint8_t* dst = ip + (v4 ? 16 : 24);
  uint8_t tmp[16];
  std::memcpy(tmp, src, alen);
  std::memcpy(src, dst, alen);
  std::memcpy(dst, tmp, alen);
  const uint16_t udp_length = static_cast<uint16_t>(8 + payload_length);
  if (v4) {
    store16be(ip + 2, static_cast<uint16_t>(ip_header + udp_length));
    store16be(ip + 6, 0x4000);  // DF, no fragment offset
    ip[8] = 64;
    store16be(ip + 10, 0);
    store16be(ip + 10, static_cast<uint16_t>(~checksumSum(ip, ip_header)));
  } else {
    store16be(ip + 4, udp_length);
    ip[7] = 64;
  }
  const uint16_t sport = p.dport;
  store16be(udp, sport);
  store16be(udp + 2, dport);
  store16be(udp + 4, udp_length);
  store16be(udp + 6, 0);
  std::memmove(udp + 8, payload, payload_length);
  const uint32_t pseudo = pseudoHeaderSum(src, dst, alen, 17, udp_length);
  uint16_t check = static_cast<uint16_t>(~checksumSum(udp, udp_length, pseudo));
  store16be(udp + 6, check == 0 ? 0xffff : check);
  return total;
}

bool arpSender(const uint8_t* frame, const ParsedPacket& p, uint32_t* sender_ip,
               const uint8_t** sender_mac) noexcept {
  const uint8_t* arp = frame + p.l3_offset;
  // Ethernet (1), IPv4 (0x0800), hlen 6, plen 4.
  if (load16be(arp) != 1 || load16be(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4) return false;
  std::memcpy(sender_ip, arp + 14, 4);
  *sender_mac = arp + 8;
  return true;
}

uint32_t arpRequestTarget(const uint8_t* frame, const ParsedPacket& p, uint32_t* sender_ip,
                          const uint8_t** sender_mac) noexcept {
  if (!arpSender(frame, p, sender_ip, sender_mac)) return 0;
  const uint8_t* arp = frame + p.l3_offset;
  if (load16be(arp + 6) != 1) return 0;
  uint32_t target;
  std::memcpy(&target, arp + 24, 4);
  return target;
}

void makeArpReply(uint8_t* frame, const ParsedPacket& p, const uint8_t mac[6]) noexcept {
  uint8_t* arp = frame + p.l3_offset;
  uint8_t sender_mac[6], sender_ip[4], target_ip[4];
  std::memcpy(sender_mac, arp + 8, 6);
  std::memcpy(sender_ip, arp + 14, 4);
  std::memcpy(target_ip, arp + 24, 4);
  store16be(arp + 6, 2);
  std::memcpy(arp + 8, mac, 6);
  std::memcpy(arp + 14, target_ip, 4);
  std::memcpy(arp + 18, sender_mac, 6);
  std::memcpy(arp + 24, sender_ip, 4);
  setMacs(frame, sender_mac, mac);
}

size_t buildArpRequest(uint8_t* frame, const uint8_t mac[6], uint32_t sender_ip, uint32_t target) noexcept {
  std::memset(frame, 0, 60);
  setMacs(frame, kBroadcast, mac);
  store16be(frame + 12, 0x0806);
  uint8_t* arp = frame + 14;
  store16be(arp, 1);
  store16be(arp + 2, 0x0800);
  arp[4] = 6;
  arp[5] = 4;
  store16be(arp + 6, 1);
  std::memcpy(arp + 8, mac, 6);
  std::memcpy(arp + 14, &sender_ip, 4);
  std::memcpy(arp + 24, &target, 4);
  return 60;
}

bool parseNd(const uint8_t* frame, const ParsedPacket& p, NdInfo& out) noexcept {
  const uint8_t* icmp = frame + p.l4_offset;
  const uint32_t length = p.l3_length - 40u;  // parser: >= 24 for kNeighbour
  out.type = icmp[0];
  out.target = icmp + 8;
  out.lladdr = nullptr;
  const uint8_t wanted = out.type == 135 ? 1 : 2;  // source / target link-layer option
  for (uint32_t off = 24; off + 2 <= length;) {
    const uint32_t olen = icmp[off + 1] * 8u;
    if (olen == 0 || off + olen > length) return false;  // RFC 4861 4.6: length 0 is invalid
    if (icmp[off] == wanted && olen >= 8) out.lladdr = icmp + off + 2;
    off += olen;
  }
  return true;
}

size_t makeNeighbourAdvert(uint8_t* frame, const ParsedPacket& p, const uint8_t mac[6]) noexcept {
  uint8_t* ip = frame + p.l3_offset;
  static constexpr uint8_t kUnspecified[16] = {};
  if (std::memcmp(ip + 8, kUnspecified, 16) == 0) return 0;
  uint8_t* icmp = frame + p.l4_offset;
  uint8_t target[16];
  std::memcpy(target, icmp + 8, 16);
  uint8_t peer_mac[6];
  std::memcpy(peer_mac, frame + 6, 6);
  setMacs(frame, peer_mac, mac);
  std::memcpy(ip + 24, ip + 8, 16);  // to the solicitor
  std::memcpy(ip + 8, target, 16);   // from the target address itself
  store16be(ip + 4, 32);
  ip[6] = 58;
  ip[7] = 255;
  icmp[0] = 136;
  icmp[1] = 0;
  store16be(icmp + 2, 0);
  icmp[4] = 0x60;  // solicited + override
  icmp[5] = icmp[6] = icmp[7] = 0;
  std::memcpy(icmp + 8, target, 16);
  icmp[24] = 2;  // target link-layer address
  icmp[25] = 1;
  std::memcpy(icmp + 26, mac, 6);
  const uint32_t pseudo = pseudoHeaderSum(ip + 8, ip + 24, 16, 58, 32);
  store16be(icmp + 2, static_cast<uint16_t>(~checksumSum(icmp, 32, pseudo)));
  return p.l4_offset + 32u;
}

size_t buildNeighbourSolicit(uint8_t* frame, const uint8_t mac[6], const uint8_t source[16],
                             const uint8_t target[16]) noexcept {
  const uint8_t dst_mac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
  setMacs(frame, dst_mac, mac);
  store16be(frame + 12, 0x86dd);
  uint8_t* ip = frame + 14;
  std::memset(ip, 0, 40);
  ip[0] = 0x60;
  store16be(ip + 4, 32);
  ip[6] = 58;
  ip[7] = 255;
  std::memcpy(ip + 8, source, 16);
  static constexpr uint8_t kSolicited[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  std::memcpy(ip + 24, kSolicited, 13);
  std::memcpy(ip + 37, target + 13, 3);
  uint8_t* icmp = ip + 40;
  std::memset(icmp, 0, 32);
  icmp[0] = 135;
  std::memcpy(icmp + 8, target, 16);
  icmp[24] = 1;
  icmp[25] = 1;
  std::memcpy(icmp + 26, mac, 6);
  const uint32_t pseudo = pseudoHeaderSum(ip + 8, ip + 24, 16, 58, 32);
  store16be(icmp + 2, static_cast<uint16_t>(~checksumSum(icmp, 32, pseudo)));
  return 86;
}

}  // namespace sipsteer::dp

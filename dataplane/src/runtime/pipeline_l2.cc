// The parts of the per-packet path that are not SIP steering: ARP and IPv6
// neighbour discovery for our addresses, and ICMP errors from servers.
#include <arpa/inet.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/sip_scanner.h>

#include <cstring>
#include <ctime>

#include "pkt/rewrite.h"
#include "runtime/pipeline.h"

namespace sipsteer::dp {

bool Pipeline::isOwnAddress(uint16_t rx_port, uint8_t family, const union sipsteer_addr& addr,
                            const RuntimeTable* table) const noexcept {
  const PortInfo& port = config_.ports[rx_port];
  if (family == SIPSTEER_FAMILY_IPV4 && port.has_ipv4 && port.ipv4.v4 == addr.v4) return true;
  if (family == SIPSTEER_FAMILY_IPV6 && port.has_ipv6 && std::memcmp(port.ipv6.bytes, addr.bytes, 16) == 0)
    return true;
  // VIPs live on the client-facing side only; a server-side port answering
  // for them would attract the servers' own traffic to the VIP (DSR loopback).
  if (table == nullptr || port.role == PortRole::kServer) return false;
  for (const RtVip& v : table->vips())
    if (v.family == family && std::memcmp(v.addr.bytes, addr.bytes, 16) == 0) return true;
  return false;
}

Pipeline::Verdict Pipeline::handleArp(uint8_t* frame, const ParsedPacket& p, uint16_t rx_port,
                                      const RuntimeTable* table, uint64_t now) noexcept {
  uint32_t sender_ip = 0;
  const uint8_t* sender_mac = nullptr;
  if (!arpSender(frame, p, &sender_ip, &sender_mac)) {
    bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
    return Verdict::kDrop;
  }
  union sipsteer_addr sender {};
  sender.v4 = sender_ip;
  shared_.neighbours->learn(SIPSTEER_FAMILY_IPV4, sender, sender_mac, now);
  const uint32_t target = arpRequestTarget(frame, p, &sender_ip, &sender_mac);
  union sipsteer_addr wanted {};
  wanted.v4 = target;
  if (target != 0 && isOwnAddress(rx_port, SIPSTEER_FAMILY_IPV4, wanted, table)) {
    makeArpReply(frame, p, config_.ports[rx_port].mac);
    bump(counters_->ports[rx_port][SIPSTEER_PORT_ARP_REPLIES]);
    return Verdict::kBack;
  }
  bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
  return Verdict::kDrop;
}

Pipeline::Verdict Pipeline::handleNeighbour(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p,
                                            uint16_t rx_port, const RuntimeTable* table,
                                            uint64_t now) noexcept {
  NdInfo nd;
  if (!parseNd(frame, p, nd)) return dropped(SIPSTEER_DROP_ICMP_MALFORMED);
  union sipsteer_addr target {};
  std::memcpy(target.bytes, nd.target, 16);
  if (nd.type == 136) {
    if (nd.lladdr != nullptr) shared_.neighbours->learn(SIPSTEER_FAMILY_IPV6, target, nd.lladdr, now);
    bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
    return Verdict::kDrop;
  }
  if (nd.lladdr != nullptr) shared_.neighbours->learn(SIPSTEER_FAMILY_IPV6, p.src, nd.lladdr, now);
  if (!isOwnAddress(rx_port, SIPSTEER_FAMILY_IPV6, target, table)) {
    bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
    return Verdict::kDrop;
  }
  const size_t needed = p.l4_offset + 32u;
  if (rte_pktmbuf_data_len(m) < needed &&
      rte_pktmbuf_append(m, static_cast<uint16_t>(needed - rte_pktmbuf_data_len(m))) == nullptr)
    return dropped(SIPSTEER_DROP_TX_FULL);
  const size_t length = makeNeighbourAdvert(frame, p, config_.ports[rx_port].mac);
  if (length == 0) {  // duplicate address detection probe: not ours to answer
    bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
    return Verdict::kDrop;
  }
  rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - length));
  bump(counters_->ports[rx_port][SIPSTEER_PORT_ARP_REPLIES]);
  return Verdict::kBack;
}

void Pipeline::emitEvent(const sipsteer_event& event) noexcept {
  // A full ring loses the event, never blocks: the control plane also sees
  // the effect through counters and the next COUNTERS_REPLY.
  if (shared_.events != nullptr) rte_ring_mp_enqueue_elem(shared_.events, const_cast<sipsteer_event*>(&event), sizeof event);
}

Pipeline::Verdict Pipeline::handleIcmp(uint8_t* frame, const ParsedPacket& p, const RuntimeTable* table,
                                       uint64_t now) noexcept {
  (void)now;
  if (table == nullptr) return dropped(SIPSTEER_DROP_NO_TABLE);
  QuotedPacket q;
  if (!parseQuoted(frame + p.quoted_offset, p.quoted_length, p.family, q))
    return dropped(SIPSTEER_DROP_ICMP_MALFORMED);
  // "Fragmentation needed" is path MTU discovery, not a dead server.
  if (p.family == SIPSTEER_FAMILY_IPV4 && p.icmp_code == 4) return dropped(SIPSTEER_DROP_ICMP_NO_FLOW);

  sipsteer_event event{};
  event.source = SIPSTEER_EVENT_SOURCE_DPDK;
  event.family = p.family;
  event.icmp_type = p.icmp_type;
  event.icmp_code = p.icmp_code;
  event.quoted_proto = q.ip_proto;
  event.server_id = SIPSTEER_SERVER_ID_NONE;
  event.generation = table->generation();
  event.reporter = p.src;
  event.quoted_src = q.src;
  event.quoted_dst = q.dst;
  event.quoted_sport = htons(q.sport);
  event.quoted_dport = htons(q.dport);
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  event.timestamp_ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);

  // Which server does the quote accuse? nat: the quoted destination is the
  // server itself; dsr: it is the VIP, and the reporter is the server.
  int server = table->findServer(q.family, q.dst, q.dport);
  if (server < 0) {
    const int vip = table->findVip(q.family, q.dst, q.dport);
    if (vip >= 0 && table->vips()[vip].mode == SIPSTEER_MODE_DSR)
      server = table->findServerAddr(p.family, p.src);
  }
  bool valid = server >= 0 &&
               std::memcmp(table->servers()[server].addr.bytes, p.src.bytes, 16) == 0;
  if (valid) {
    // The quote must be a packet we forwarded: its Call-ID names a live
    // dialog pinned to this server, from exactly the quoted client tuple.
    const std::span<const uint8_t> quoted_sip(frame + p.quoted_offset + q.payload_offset, q.payload_length);
    sip::SipMessage msg;
    sip::ScanOptions scan_options;
    scan_options.want = sip::kWantCallId;
    valid = sip::scan(quoted_sip, msg, scan_options) == sip::ScanError::kOK && !msg.call_id.empty();
    if (valid) {
      uint64_t hash = core::hashCallId(table->hashKey(),
                                       quoted_sip.subspan(msg.call_id.offset, msg.call_id.length));
      if (hash == 0) hash = 1;
      const FlowEntry* e = shared_.flows->lookup(hash);
      valid = e != nullptr && loadRelaxed(e->server_id) == table->servers()[server].server_id &&
              e->family == q.family && e->client_port == q.sport &&
              std::memcmp(e->client.bytes, q.src.bytes, 16) == 0;
    }
  }
  if (!valid) {
    event.type = SIPSTEER_EVENT_ICMP_REJECTED;
    emitEvent(event);
    return dropped(SIPSTEER_DROP_ICMP_NO_FLOW);
  }
  const RtServer& srv = table->servers()[server];
  event.type = SIPSTEER_EVENT_ICMP_UNREACHABLE;
  event.server_id = srv.server_id;
  table->markDown(static_cast<uint16_t>(server));
  if (srv.counter_slot != kNoIndex) bump(counters_->servers[srv.counter_slot][SIPSTEER_SERVER_ICMP_UNREACH]);
  bump(counters_->icmp_validated);
  emitEvent(event);
  return Verdict::kDrop;  // absorbed: the client never sent to the server's address
}

}  // namespace sipsteer::dp

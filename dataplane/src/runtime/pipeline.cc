#include "runtime/pipeline.h"

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/sip_scanner.h>
#include <sipsteer/core/siphash_batch.h>

#include <algorithm>
#include <cstring>

#include "pkt/checksum.h"
#include "pkt/rewrite.h"
#include "pkt/sip_reply.h"

namespace sipsteer::dp {
namespace {

std::span<const uint8_t> payloadOf(const uint8_t* frame, const ParsedPacket& p) noexcept {
  return {frame + p.payload_offset, p.payload_length};
}

// 0 marks an unused flow entry: the one hash that is 0 is taken as 1.
inline uint64_t nonZeroHash(uint64_t h) noexcept { return h == 0 ? 1 : h; }

uint64_t callIdHash(const RuntimeTable& table, std::span<const uint8_t> sip, const sip::SteeringFields& msg) noexcept {
  // Inline SipHash-2-4: the same value as core::hashCallId (libsodium),
  // without the library call (its rounds overlap with the burst's other work).
  const uint64_t h = core::hashCallIdInline(table.hashKey(), sip.subspan(msg.call_id.offset, msg.call_id.length));
  return nonZeroHash(h);
}

template <int kLines>
inline void prefetchLines(const uint8_t* p) noexcept {
  for (int line = 0; line < kLines; ++line) rte_prefetch0(p + line * RTE_CACHE_LINE_SIZE);
}

}  // namespace

Pipeline::Pipeline(const PipelineConfig& config, const PipelineShared& shared, WorkerCounters* counters)
    : config_(config), shared_(shared), counters_(counters),
      batch_hash_(config.batch_call_id_hash && core::siphash24BatchIsVector()) {
  if (config_.frag_max_flows != 0)
    fragments_ = FragmentReassembler::create(config_.frag_max_flows, config_.frag_timeout_ticks);
}

Pipeline::~Pipeline() = default;

bool Pipeline::txFull(rte_mbuf* m) noexcept {
  bump(counters_->drops[SIPSTEER_DROP_TX_FULL]);
  rte_pktmbuf_free(m);
  return false;
}

void Pipeline::process(rte_mbuf** pkts, uint16_t n, uint16_t rx_port, TxBatch& tx, uint64_t now) noexcept {
  const RuntimeTable* table = shared_.table->current();
  uint64_t* port_counters = counters_->ports[rx_port];
  tx_ = &tx;
  if (fragments_) {
    const uint32_t given_up = fragments_->expire(now);
    if (given_up != 0) bump(counters_->drops[SIPSTEER_DROP_FRAG_INCOMPLETE], given_up);
  }
  // Pass 1: parse and scan every packet of the burst (and hash its Call-ID
  // unless batch_hash_); then hash the Call-IDs together (batch_hash_) and
  // look them all up at once so the flow table's cache misses overlap (at
  // 1M dialogs the table is far larger than the caches).
  uint64_t keys[kMaxBurst];
  int32_t positions[kMaxBurst];
  uint16_t owner[kMaxBurst];
  const uint8_t* call_ids[kMaxBurst];
  uint32_t call_id_lengths[kMaxBurst];
  uint16_t lookups = 0;
  uint64_t rx_bytes = 0;  // the port's RX counters take one store per burst
  for (uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) {
      // The checksum and the scanner read most of the next frame: ask for
      // its lines (up to 1 KiB) while this one is processed. Unrolled in
      // blocks of 512 B: a prefetch past the frame's end stays inside the
      // mbuf's data room (2 KiB) and never faults, so no per-line test.
      const auto* next = rte_pktmbuf_mtod(pkts[i + 1], const uint8_t*);
      prefetchLines<8>(next);
      if (rte_pktmbuf_data_len(pkts[i + 1]) > 512) prefetchLines<8>(next + 512);
    }
    rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
    stage(pkts[i], staged_[i], table);
    if (staged_[i].steer && staged_[i].sip.drop == 0) {
      const SipContext& sip = staged_[i].sip;
      if (batch_hash_) {
        // Where the Call-ID lies in the frame, for the batch hash below.
        call_ids[lookups] =
            rte_pktmbuf_mtod(pkts[i], const uint8_t*) + staged_[i].p.payload_offset + sip.msg.call_id.offset;
        call_id_lengths[lookups] = sip.msg.call_id.length;
      } else {
        keys[lookups] = sip.hash;
        shared_.flows->prefetchHint(sip.hash);
      }
      owner[lookups++] = i;
    }
  }
  bump(port_counters[SIPSTEER_PORT_RX_PACKETS], n);
  bump(port_counters[SIPSTEER_PORT_RX_BYTES], rx_bytes);
  if (lookups != 0) {
    if (batch_hash_) {
      // lookups != 0: some packet was steered, so there is a table.
      core::siphash24Batch(table->hashKey().bytes.data(), call_ids, call_id_lengths, lookups, keys);
      for (uint16_t k = 0; k < lookups; ++k) {
        keys[k] = nonZeroHash(keys[k]);
        staged_[owner[k]].sip.hash = keys[k];
        shared_.flows->prefetchHint(keys[k]);
      }
    }
    lookUpDialogs(keys, lookups, positions);
    for (uint16_t k = 0; k < lookups; ++k) staged_[owner[k]].sip.position = positions[k];
  }
  // Pass 2, in arrival order.
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    uint16_t out;
    switch (handle(m, staged_[i], rx_port, table, now)) {
      case Verdict::kToServer:
        out = config_.server_port;
        break;
      case Verdict::kToClient:
        out = config_.client_port;
        break;
      case Verdict::kBack:
        out = rx_port;
        break;
      case Verdict::kConsumed:
        continue;
      default:
        rte_pktmbuf_free(m);
        continue;
    }
    enqueue(out, m);
  }
}

// stage, stageSip, handle, handleUdp and toServer run once per packet and
// are forced inline into process(): their call frames (callee-saved
// registers pushed and popped each time) were ~70 of ~1950 instructions per
// packet (callgrind, OPTIONS 500 B).
__attribute__((always_inline)) inline void Pipeline::stage(rte_mbuf* m, Staged& s, const RuntimeTable* table) noexcept {
  s.steer = false;
  s.sip.drop = 0;
  s.sip.vip = -1;
  s.sip.server = -1;
  s.sip.position = -1;
  // Frames arrive in one segment (mbufs hold a full MTU); a chained mbuf is
  // a jumbo frame, which SIP over UDP has no business sending.
  if (m->nb_segs != 1) {
    s.p.kind = PacketKind::kDrop;
    s.p.drop_reason = SIPSTEER_DROP_SIP_TOO_LARGE;
    return;
  }
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint64_t ol = m->ol_flags;
  if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
      (ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
    s.p.kind = PacketKind::kDrop;
    s.p.drop_reason = (ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD
                          ? SIPSTEER_DROP_IP_BAD_CHECKSUM
                          : SIPSTEER_DROP_UDP_BAD_CHECKSUM;
    return;
  }
  ParseOptions options;
  options.verify_ipv4_checksum =
      config_.verify_checksums && (ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  options.verify_l4_checksum =
      config_.verify_checksums && (ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  options.verify_udp_checksum = config_.verify_udp_checksum;
  parsePacket(frame, rte_pktmbuf_data_len(m), options, s.p);
  if (s.p.kind != PacketKind::kUdp || table == nullptr) return;
  s.steer = stageSip(frame, s.p, *table, s.sip, !batch_hash_);
}

__attribute__((always_inline)) inline bool Pipeline::stageSip(const uint8_t* frame, const ParsedPacket& p, const RuntimeTable& table,
                        SipContext& ctx, bool hash_now) noexcept {
  ctx.vip = static_cast<int16_t>(table.findVip(p.family, p.dst, p.dport));
  if (ctx.vip < 0) ctx.server = static_cast<int16_t>(table.findServer(p.family, p.src, p.sport));
  if (ctx.vip < 0 && ctx.server < 0) return false;
  if (p.payload_length > config_.max_sip_size) {
    ctx.drop = SIPSTEER_DROP_SIP_TOO_LARGE + 1;
    return true;
  }
  const auto sip = payloadOf(frame, p);
  // Only what steering reads: Call-ID, and CSeq for responses.
  const sip::ScanError error = sip::scanForSteering(sip, ctx.msg);
  if (error != sip::ScanError::kOK) {
    ctx.drop = SIPSTEER_DROP_SIP_MALFORMED + 1;
    ctx.sip_error = static_cast<uint8_t>(error);
    return true;
  }
  if (hash_now) ctx.hash = callIdHash(table, sip, ctx.msg);
  return true;
}

__attribute__((always_inline)) inline Pipeline::Verdict Pipeline::handle(rte_mbuf* m, Staged& s, uint16_t rx_port, const RuntimeTable* table,
                                   uint64_t now) noexcept {
  const ParsedPacket& p = s.p;
  uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
  switch (p.kind) {
    case PacketKind::kUdp:
      if (table == nullptr) return dropped(SIPSTEER_DROP_NO_TABLE);
      if (!s.steer) return dropped(SIPSTEER_DROP_NOT_FOR_US);
      return handleUdp(m, frame, p, s.sip, table, now);
    case PacketKind::kArp:
      return handleArp(frame, p, rx_port, table, now);
    case PacketKind::kNeighbour:
      return handleNeighbour(m, frame, p, rx_port, table, now);
    case PacketKind::kIcmpError:
      return handleIcmp(frame, p, table, now);
    case PacketKind::kFragment:
      return handleFragment(m, p, rx_port, table, now);
    case PacketKind::kOther:
      bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
      return Verdict::kDrop;
    case PacketKind::kDrop:
      break;
  }
  return dropped(static_cast<sipsteer_drop_reason>(p.drop_reason));
}

__attribute__((always_inline)) inline Pipeline::Verdict Pipeline::handleUdp(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, SipContext& ctx,
                                      const RuntimeTable* table, uint64_t now) noexcept {
  if (ctx.drop != 0) {
    if (ctx.drop == SIPSTEER_DROP_SIP_MALFORMED + 1) bump(counters_->sip_errors[ctx.sip_error]);
    return dropped(static_cast<sipsteer_drop_reason>(ctx.drop - 1));
  }
  if (ctx.vip >= 0) return toServer(m, frame, p, ctx, *table, now);
  return fromServer(frame, p, ctx, *table, now);
}

__attribute__((always_inline)) inline bool Pipeline::serverMac(const RuntimeTable& table, const RtServer& s, uint8_t mac[6]) const noexcept {
  (void)table;
  if (s.flags & SIPSTEER_SERVER_F_MAC_SET) {
    std::memcpy(mac, s.mac, 6);
    return true;
  }
  const PortInfo& port = config_.ports[config_.server_port];
  if (port.gateway_slot != NeighbourCache::kNone) return shared_.neighbours->lookup(port.gateway_slot, mac);
  return shared_.neighbours->lookup(s.neighbour_slot, mac);
}

__attribute__((always_inline)) inline Pipeline::Verdict Pipeline::toServer(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p, const SipContext& ctx,
                                     const RuntimeTable& table, uint64_t now) noexcept {
  const int vip_index = ctx.vip;
  const RtVip& vip = table.vips()[vip_index];
  const sip::SteeringFields& msg = ctx.msg;
  uint8_t client_mac[6];
  std::memcpy(client_mac, frame + 6, 6);
  const bool request = msg.is_request;
  const bool expects_answer = request && msg.method != sip::Method::kAck;
  uint64_t* vip_counters = counters_->vips[vip_index];
  if (request) bump(vip_counters[SIPSTEER_VIP_REQUESTS]);

  const uint64_t hash = ctx.hash;
  FlowEntry* entry = shared_.flows->entryAt(ctx.position, hash);
  int server = -1;
  bool resteer = false;
  if (entry != nullptr) {
    server = table.serverById(loadRelaxed(entry->server_id));
    if (server < 0 || !table.isLive(static_cast<uint16_t>(server))) {
      if (server >= 0 && table.servers()[server].counter_slot != kNoIndex)
        bump(counters_->servers[table.servers()[server].counter_slot][SIPSTEER_SERVER_RESTEERED]);
      server = -1;
      resteer = true;
    }
  }
  if (server < 0) {
    const uint16_t chosen = table.select(vip.pool, hash);
    if (chosen == kNoIndex) {
      if (expects_answer) return reply503(m, frame, p, table, vip_index, hash);
      return dropped(SIPSTEER_DROP_NO_SERVER);
    }
    server = chosen;
  }
  const RtServer& srv = table.servers()[server];
  uint8_t mac[6];
  if (vip.mode == SIPSTEER_MODE_NAT && srv.family != p.family) return dropped(SIPSTEER_DROP_NO_SERVER);
  if (!serverMac(table, srv, mac)) return dropped(SIPSTEER_DROP_NO_NEIGHBOUR);
  // findVip matched the packet's destination: it is the VIP's address.
  if (vip.mode == SIPSTEER_MODE_NAT && !natDestination(frame, p, {srv.addr, srv.port, srv.addr_sum}, vip.addr_sum))
    return dropped(SIPSTEER_DROP_IP_TTL_EXPIRED);
  setMacs(frame, mac, config_.ports[config_.server_port].mac);
  uint64_t* srv_counters =
      srv.counter_slot != kNoIndex ? counters_->servers[srv.counter_slot] : nullptr;

  if (entry == nullptr || resteer) {
    bool is_new = false;
    if (entry == nullptr) entry = shared_.flows->insert(hash, &is_new);
    if (entry == nullptr) {
      bump(counters_->drops[SIPSTEER_DROP_FLOW_TABLE_FULL]);  // forwarded, just not pinned
    } else {
      storeRelaxed(entry->server_id, srv.server_id);
      storeRelaxed(entry->pending_since, uint64_t{0});
      if (is_new) {
        entry->vip = static_cast<uint16_t>(vip_index);
        entry->flags = 0;
        entry->family = p.family;
        entry->client = p.src;
        entry->client_port = p.sport;
        std::memcpy(entry->client_mac, client_mac, 6);
        entry->last_seen = now;
        FlowTable::publish(entry, hash);
        bump(vip_counters[SIPSTEER_VIP_NEW_DIALOGS]);
        if (srv_counters) bump(srv_counters[SIPSTEER_SERVER_NEW_DIALOGS]);
      }
    }
  }
  if (entry != nullptr) {
    storeRelaxed(entry->last_seen, now);
    if (request && msg.method == sip::Method::kBye)
      storeRelaxed(entry->flags, static_cast<uint8_t>(loadRelaxed(entry->flags) | kFlowClosing));
    // Only nat responses come back through us; a dsr server answers the
    // client directly, so its requests are never "unanswered" here.
    if (expects_answer && vip.mode == SIPSTEER_MODE_NAT) {
      const uint64_t pending = loadRelaxed(entry->pending_since);
      if (pending == 0) {
        storeRelaxed(entry->pending_since, now);
      } else if (now - pending > config_.unanswered_ticks) {
        // Still unanswered after the window (e.g. the retransmission of a
        // request the server ignored): a passive health signal.
        if (srv_counters) bump(srv_counters[SIPSTEER_SERVER_UNANSWERED]);
        storeRelaxed(entry->pending_since, now);
      }
    }
  }
  if (srv_counters && request) bump(srv_counters[SIPSTEER_SERVER_REQUESTS]);
  return Verdict::kToServer;
}

Pipeline::Verdict Pipeline::fromServer(uint8_t* frame, const ParsedPacket& p, const SipContext& ctx,
                                       const RuntimeTable& table, uint64_t now) noexcept {
  const RtServer& srv = table.servers()[ctx.server];
  const sip::SteeringFields& msg = ctx.msg;
  FlowEntry* entry = shared_.flows->entryAt(ctx.position, ctx.hash);
  uint16_t vip = kNoIndex;
  if (entry != nullptr) {
    const uint16_t v = loadRelaxed(entry->vip);
    if (v < table.vips().size() && table.vips()[v].family == p.family) vip = v;
  }
  if (vip == kNoIndex) vip = srv.unnat_vip;
  // DSR servers answer clients directly; what reaches us from them is not ours.
  if (vip == kNoIndex || table.vips()[vip].mode != SIPSTEER_MODE_NAT) return dropped(SIPSTEER_DROP_NOT_FOR_US);
  const RtVip& v = table.vips()[vip];

  uint8_t mac[6];
  const PortInfo& port = config_.ports[config_.client_port];
  if (entry != nullptr && loadRelaxed(entry->family) == p.family &&
      std::memcmp(entry->client.bytes, p.dst.bytes, 16) == 0) {
    std::memcpy(mac, entry->client_mac, 6);  // back to the L2 hop the dialog came from
  } else if (port.gateway_slot == NeighbourCache::kNone || !shared_.neighbours->lookup(port.gateway_slot, mac)) {
    return dropped(SIPSTEER_DROP_NO_NEIGHBOUR);
  }
  // findServer matched the packet's source address: it is the server's.
  if (!natSource(frame, p, {v.addr, v.port, v.addr_sum}, srv.addr_sum)) return dropped(SIPSTEER_DROP_IP_TTL_EXPIRED);
  setMacs(frame, mac, port.mac);

  uint64_t* srv_counters = srv.counter_slot != kNoIndex ? counters_->servers[srv.counter_slot] : nullptr;
  if (!msg.is_request) {
    if (srv_counters) bump(srv_counters[SIPSTEER_SERVER_RESPONSES]);
    bump(counters_->vips[vip][SIPSTEER_VIP_RESPONSES]);
  }
  if (entry != nullptr) {
    storeRelaxed(entry->last_seen, now);
    uint8_t flags = loadRelaxed(entry->flags);
    if (!msg.is_request) {
      storeRelaxed(entry->pending_since, uint64_t{0});
      if (msg.cseq_method == sip::Method::kInvite && msg.status_code >= 200) {
        if (msg.status_code < 300) flags |= kFlowConfirmed;
        else if (!(flags & kFlowConfirmed)) flags |= kFlowClosing;  // call attempt failed
      }
    } else if (msg.method == sip::Method::kBye) {
      flags |= kFlowClosing;
    }
    storeRelaxed(entry->flags, flags);
  }
  return Verdict::kToClient;
}

Pipeline::Verdict Pipeline::reply503(rte_mbuf* m, uint8_t* frame, const ParsedPacket& p,
                                     const RuntimeTable& table, int vip_index, uint64_t hash) noexcept {
  // `frame` holds the request (the mbuf's own data, or the contiguous copy
  // of a reassembled one); the reply goes out in `m`'s first segment.
  const auto sip = payloadOf(frame, p);
  sip::SipMessage msg;
  sip::ScanOptions scan_options;
  scan_options.want = sip::kWantCallId | sip::kWantCSeq | sip::kWantVia | sip::kWantFromTo;
  if (sip::scan(sip, msg, scan_options) != sip::ScanError::kOK) return dropped(SIPSTEER_DROP_NO_SERVER);
  const RtVip& vip = table.vips()[vip_index];
  const size_t length = buildServiceUnavailable(sip, table.pool(vip.pool).retry_after_s, hash, reply_,
                                                sizeof reply_);
  if (length == 0) return dropped(SIPSTEER_DROP_NO_SERVER);
  const uint16_t dport = responsePort(sip, msg, p.sport);
  if (m->nb_segs > 1) {
    rte_pktmbuf_free(m->next);
    m->next = nullptr;
    m->nb_segs = 1;
    m->pkt_len = m->data_len;
  }
  uint8_t* out = rte_pktmbuf_mtod(m, uint8_t*);
  if (out != frame) {
    if (rte_pktmbuf_data_len(m) < p.l4_offset) return dropped(SIPSTEER_DROP_NO_SERVER);
    std::memcpy(out, frame, p.l4_offset);
  }
  const size_t capacity = rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m);
  const size_t frame_length = turnAroundUdp(out, capacity, p, dport, reply_, length);
  if (frame_length == 0) return dropped(SIPSTEER_DROP_NO_SERVER);
  m->data_len = static_cast<uint16_t>(frame_length);
  m->pkt_len = static_cast<uint32_t>(frame_length);
  bump(counters_->vips[vip_index][SIPSTEER_VIP_SYNTH_503]);
  return Verdict::kBack;
}

Pipeline::Verdict Pipeline::handleFragment(rte_mbuf* m, const ParsedPacket& p, uint16_t rx_port,
                                           const RuntimeTable* table, uint64_t now) noexcept {
  if (!fragments_) return dropped(SIPSTEER_DROP_FRAG_INCOMPLETE);
  uint32_t ident = 0;
  if (p.family == SIPSTEER_FAMILY_IPV6) ident = load32be(rte_pktmbuf_mtod(m, const uint8_t*) + p.l4_offset + 4);
  rte_mbuf* whole = fragments_->add(m, p, now);
  if (whole == nullptr) return Verdict::kConsumed;  // held until complete (or on the death row)
  const uint32_t length = rte_pktmbuf_pkt_len(whole);
  if (length > sizeof scratch_) {
    rte_pktmbuf_free(whole);
    dropped(SIPSTEER_DROP_SIP_TOO_LARGE);
    return Verdict::kConsumed;
  }
  const void* data = rte_pktmbuf_read(whole, 0, length, scratch_);
  if (data != scratch_) std::memcpy(scratch_, data, length);
  // rte_ip_frag leaves the reassembled IPv4 header's checksum zeroed.
  if (p.family == SIPSTEER_FAMILY_IPV4) {
    uint8_t* ip = scratch_ + p.l3_offset;
    const uint16_t ihl = static_cast<uint16_t>((ip[0] & 0x0f) * 4);
    store16be(ip + 10, 0);
    store16be(ip + 10, static_cast<uint16_t>(~checksumSum(ip, ihl)));
  }
  ParseOptions options;
  options.verify_ipv4_checksum = false;
  options.verify_l4_checksum = config_.verify_checksums;
  options.verify_udp_checksum = config_.verify_udp_checksum;
  ParsedPacket whole_p;
  parsePacket(scratch_, length, options, whole_p);
  Verdict verdict = Verdict::kDrop;
  if (whole_p.kind == PacketKind::kUdp && table == nullptr) {
    dropped(SIPSTEER_DROP_NO_TABLE);
  } else if (whole_p.kind == PacketKind::kUdp) {
    SipContext& ctx = fragment_sip_;
    ctx = SipContext{};
    // One packet: hashed on its own, inline (no batch to share).
    if (!stageSip(scratch_, whole_p, *table, ctx, true)) {
      dropped(SIPSTEER_DROP_NOT_FOR_US);
    } else {
      if (ctx.drop == 0) lookUpDialogs(&ctx.hash, 1, &ctx.position);
      verdict = handleUdp(whole, scratch_, whole_p, ctx, table, now);
    }
  } else if (whole_p.kind == PacketKind::kDrop) {
    dropped(static_cast<sipsteer_drop_reason>(whole_p.drop_reason));
  } else {
    bump(counters_->ports[rx_port][SIPSTEER_PORT_PASSED]);
  }
  uint16_t out_port = rx_port;
  switch (verdict) {
    case Verdict::kBack:  // a 503, already one segment
      enqueue(rx_port, whole);
      return Verdict::kConsumed;
    case Verdict::kToServer:
      out_port = config_.server_port;
      break;
    case Verdict::kToClient:
      out_port = config_.client_port;
      break;
    default:
      rte_pktmbuf_free(whole);
      return Verdict::kConsumed;
  }
  rte_mbuf* frames[kTxRoom];
  const uint16_t room = static_cast<uint16_t>(kTxRoom - tx_->count[out_port]);
  const uint16_t n = splitReassembled(whole, scratch_, whole_p, ident, frames, room);
  if (n == 0) {
    rte_pktmbuf_free(whole);
    dropped(SIPSTEER_DROP_TX_FULL);
    return Verdict::kConsumed;
  }
  for (uint16_t i = 0; i < n; ++i) enqueue(out_port, frames[i]);
  return Verdict::kConsumed;
}

}  // namespace sipsteer::dp

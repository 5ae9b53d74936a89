#include "runtime/fragments.h"

#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include <cstring>

#include "pkt/checksum.h"

namespace sipsteer::dp {

struct FragmentReassembler::DeathRow {
  rte_ip_frag_death_row row{};
};

std::unique_ptr<FragmentReassembler> FragmentReassembler::create(uint32_t max_flows, uint64_t timeout_ticks) {
  std::unique_ptr<FragmentReassembler> r(new FragmentReassembler());
  r->death_row_ = std::make_unique<DeathRow>();
  constexpr uint32_t kBucketEntries = 16;
  const uint32_t buckets = (max_flows + kBucketEntries - 1) / kBucketEntries;
  r->table_ = rte_ip_frag_table_create(buckets, kBucketEntries, max_flows, timeout_ticks, SOCKET_ID_ANY);
  if (r->table_ == nullptr) return nullptr;
  return r;
}

FragmentReassembler::~FragmentReassembler() {
  if (death_row_) rte_ip_frag_free_death_row(&death_row_->row, 0);
  if (table_ != nullptr) rte_ip_frag_table_destroy(table_);
}

rte_mbuf* FragmentReassembler::add(rte_mbuf* m, const ParsedPacket& p, uint64_t now) noexcept {
  uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
  m->l2_len = p.l3_offset;
  if (p.family == SIPSTEER_FAMILY_IPV4) {
    m->l3_len = static_cast<uint16_t>(p.l4_offset - p.l3_offset);
    return rte_ipv4_frag_reassemble_packet(table_, &death_row_->row, m, now,
                                           reinterpret_cast<rte_ipv4_hdr*>(frame + p.l3_offset));
  }
  // The parser only calls an IPv6 packet a fragment when the Fragment
  // header directly follows the fixed header (at l4_offset, 8 bytes present).
  m->l3_len = sizeof(rte_ipv6_hdr) + sizeof(rte_ipv6_fragment_ext);
  return rte_ipv6_frag_reassemble_packet(table_, &death_row_->row, m, now,
                                         reinterpret_cast<rte_ipv6_hdr*>(frame + p.l3_offset),
                                         reinterpret_cast<rte_ipv6_fragment_ext*>(frame + p.l4_offset));
}

uint32_t FragmentReassembler::expire(uint64_t now) noexcept {
  rte_ip_frag_table_del_expired_entries(table_, &death_row_->row, now);
  const uint32_t given_up = death_row_->row.cnt;
  if (given_up != 0) rte_ip_frag_free_death_row(&death_row_->row, 0);
  return given_up;
}

uint16_t splitReassembled(rte_mbuf* whole, const uint8_t* header, const ParsedPacket& p, uint32_t ident,
                          rte_mbuf** out, uint16_t room) noexcept {
  const bool v4 = p.family == SIPSTEER_FAMILY_IPV4;
  const uint16_t l2 = p.l3_offset;
  const uint16_t l3 = static_cast<uint16_t>(p.l4_offset - p.l3_offset);
  const uint16_t headers = static_cast<uint16_t>(l2 + l3);
  const uint16_t extra = v4 ? 0 : sizeof(rte_ipv6_fragment_ext);
  if (whole->nb_segs > room || whole->data_len < headers + 8) return 0;
  // Check everything before changing anything: every part but the last a
  // multiple of 8, headroom for the headers to come back.
  uint32_t offset = 0;
  for (rte_mbuf* seg = whole; seg != nullptr; seg = seg->next) {
    const uint32_t part = seg == whole ? seg->data_len - headers : seg->data_len;
    const uint32_t need = seg == whole ? extra : headers + extra;
    if ((seg->next != nullptr && part % 8 != 0) || rte_pktmbuf_headroom(seg) < need) return 0;
    offset += part;
  }
  if (offset + l3 > 0xffff) return 0;

  uint16_t n = 0;
  offset = 0;
  rte_mbuf* seg = whole;
  while (seg != nullptr) {
    rte_mbuf* next = seg->next;
    const bool first = seg == whole;
    const uint32_t part = first ? seg->data_len - headers : seg->data_len;
    seg->next = nullptr;
    seg->nb_segs = 1;
    seg->pkt_len = seg->data_len;
    uint8_t* frame;
    if (first) {
      frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(seg, extra));
      std::memcpy(frame, header, headers);
      std::memcpy(frame + headers + extra, header + headers, 8);  // the rewritten UDP header
    } else {
      frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(seg, static_cast<uint16_t>(headers + extra)));
      std::memcpy(frame, header, headers);
    }
    uint8_t* ip = frame + l2;
    const bool more = next != nullptr;
    if (v4) {
      store16be(ip + 2, static_cast<uint16_t>(l3 + part));
      store16be(ip + 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
      store16be(ip + 10, 0);
      store16be(ip + 10, static_cast<uint16_t>(~checksumSum(ip, l3)));
    } else {
      store16be(ip + 4, static_cast<uint16_t>(extra + part));
      ip[6] = 44;  // Fragment header follows
      uint8_t* fh = ip + 40;
      fh[0] = 17;
      fh[1] = 0;
      store16be(fh + 2, static_cast<uint16_t>(offset | (more ? 1 : 0)));
      fh[4] = static_cast<uint8_t>(ident >> 24);
      fh[5] = static_cast<uint8_t>(ident >> 16);
      fh[6] = static_cast<uint8_t>(ident >> 8);
      fh[7] = static_cast<uint8_t>(ident);
    }
    seg->ol_flags = 0;
    out[n++] = seg;
    offset += part;
    seg = next;
  }
  return n;
}

}  // namespace sipsteer::dp

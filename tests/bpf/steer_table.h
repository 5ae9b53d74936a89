// The table the steering tests publish: built by core::buildTable, so the
// BPF program reads exactly what the control plane would publish.
#pragma once

#include <sipsteer/core/table_builder.h>
#include <sipsteer/core/table_view.h>

#include <cstring>
#include <string>
#include <vector>

#include "bpf/frames.h"

namespace sipsteer::bpftest {

inline core::ServerSpec server(const char* addr, uint32_t id, uint8_t mac_last, bool mac_set = true,
                               uint8_t state = SIPSTEER_STATE_UP) {
  core::ServerSpec s;
  const Ip ip = Ip::parse(addr);
  std::memcpy(s.addr.bytes, ip.bytes.data(), ip.family == 4 ? 4 : 16);
  s.family = ip.family == 4 ? SIPSTEER_FAMILY_IPV4 : SIPSTEER_FAMILY_IPV6;
  s.port = 5060;
  s.server_id = id;
  s.state = state;
  s.mac = {0x02, 0x5e, 0xed, 0, 0, mac_last};
  s.mac_set = mac_set;
  return s;
}

inline core::VipSpec vip(const char* addr, uint8_t mode, uint16_t pool) {
  core::VipSpec v;
  const Ip ip = Ip::parse(addr);
  std::memcpy(v.addr.bytes, ip.bytes.data(), ip.family == 4 ? 4 : 16);
  v.family = ip.family == 4 ? SIPSTEER_FAMILY_IPV4 : SIPSTEER_FAMILY_IPV6;
  v.port = 5060;
  v.mode = mode;
  v.pool_index = pool;
  return v;
}

// Pools: 0 = three IPv4 servers (198.18.2.1-3), 1 = two IPv6 servers,
// 2 = IPv4 servers all down, 3 = one IPv4 server without a MAC.
// VIPs: 198.18.0.10 nat->0, 198.18.0.11 dsr->0, fd00:5eed::10 nat->1,
// 198.18.0.12 nat->2, 198.18.0.13 nat->3.
inline core::TableSpec testTableSpec(uint64_t generation = 1) {
  core::TableSpec spec;
  spec.generation = generation;
  for (size_t i = 0; i < spec.hash_key.bytes.size(); ++i)
    spec.hash_key.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  core::PoolSpec p0;
  p0.pool_id = 100;
  p0.ring_size = 1021;
  p0.servers = {server("198.18.2.1", 1, 1), server("198.18.2.2", 2, 2), server("198.18.2.3", 3, 3)};
  core::PoolSpec p1;
  p1.pool_id = 101;
  p1.ring_size = 509;
  p1.servers = {server("fd00:5eed::2:1", 11, 11), server("fd00:5eed::2:2", 12, 12)};
  core::PoolSpec p2;
  p2.pool_id = 102;
  p2.ring_size = 251;
  p2.servers = {server("198.18.4.1", 21, 21, true, SIPSTEER_STATE_DOWN)};
  core::PoolSpec p3;
  p3.pool_id = 103;
  p3.ring_size = 251;
  p3.servers = {server("198.18.5.1", 31, 31, false)};
  spec.pools = {p0, p1, p2, p3};
  spec.vips = {vip("198.18.0.10", SIPSTEER_MODE_NAT, 0), vip("198.18.0.11", SIPSTEER_MODE_DSR, 0),
               vip("fd00:5eed::10", SIPSTEER_MODE_NAT, 1), vip("198.18.0.12", SIPSTEER_MODE_NAT, 2),
               vip("198.18.0.13", SIPSTEER_MODE_NAT, 3)};
  return spec;
}

}  // namespace sipsteer::bpftest

// A small, bounded DNS message reader: the answer section of a reply with
// each record's TTL (c-ares 1.18's ares_parse_srv_reply/naptr drop TTLs).
// Reads A, AAAA, SRV, NAPTR and CNAME; other types are skipped. Every offset
// is checked against the message size, compression pointers may only point
// backwards and at most 32 hops: junk yields an error, never a bad read.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "util/net_address.h"

namespace sipsteer::control {

inline constexpr int kDnsTypeA = 1;
inline constexpr int kDnsTypeCname = 5;
inline constexpr int kDnsTypeAaaa = 28;
inline constexpr int kDnsTypeSrv = 33;
inline constexpr int kDnsTypeNaptr = 35;

struct DnsRecord {
  std::string owner;  // lower case, no trailing dot
  int type = 0;
  uint32_t ttl = 0;   // seconds
  NetAddress address;  // A/AAAA (port 0)
  uint16_t priority = 0, weight = 0, port = 0;  // SRV
  std::string target;  // SRV target / CNAME target / NAPTR replacement
  uint16_t order = 0, preference = 0;  // NAPTR
  std::string flags, service, regexp;  // NAPTR
};

struct DnsAnswer {
  int rcode = 0;  // 0 NOERROR, 3 NXDOMAIN
  std::vector<DnsRecord> records;
  uint32_t minTtl(int type) const;  // over records of `type`; 0 if none
};

std::expected<DnsAnswer, std::string> readDnsAnswer(std::span<const uint8_t> message);

}  // namespace sipsteer::control

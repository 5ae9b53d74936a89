// What DNS resolution of a pool's domain yields: the members with their SRV
// priority and weight (RFC 3263: NAPTR -> SRV -> A/AAAA).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/net_address.h"

namespace sipsteer::control {

struct DnsMember {
  NetAddress address;
  uint16_t priority = 0;
  uint16_t weight = 0;
  std::string target;  // SRV target host name
  friend bool operator==(const DnsMember&, const DnsMember&) = default;
};

}  // namespace sipsteer::control

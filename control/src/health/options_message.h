// How to probe: the OPTIONS request we send and the reading of its reply.
// The request carries a fresh branch and Call-ID per probe (RFC 3261 8.1.1.7)
// so replies are matched by branch and a stale or forged reply matches nothing.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>

#include "health/probe_types.h"
#include "util/net_address.h"

namespace sipsteer::control {

struct OptionsRequest {
  std::string branch;   // "z9hG4bK..." value put in the Via
  std::string call_id;
  std::string bytes;    // the datagram
};

// Builds an OPTIONS to `target` from `local` (Via sent-by, From). `token` is
// a unique random string (hex) that makes branch, tag and Call-ID unique.
OptionsRequest buildOptions(const NetAddress& target, const NetAddress& local,
                            const std::string& token, uint32_t cseq);

// Reads a datagram received on the probe socket. Errors say why it is not a
// usable reply (counted by the caller); nothing here trusts lengths in it.
std::expected<ProbeReply, ProbeReject> parseOptionsReply(std::span<const uint8_t> datagram,
                                                         const NetAddress& from);

}  // namespace sipsteer::control

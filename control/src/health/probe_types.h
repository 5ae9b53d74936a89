// Plain data passed between "how to probe" (options_message, probe_socket)
// and "what to do about it" (health_checker).
#pragma once

#include <cstdint>
#include <string>

#include "util/net_address.h"

namespace sipsteer::control {

// A parsed reply to an OPTIONS probe.
struct ProbeReply {
  NetAddress from;         // where the datagram came from
  std::string branch;      // top Via branch (how replies are matched)
  std::string call_id;
  uint16_t status = 0;     // 100..699
  int32_t retry_after = -1;  // seconds, -1 if absent
};

// Why a received datagram did not count as a probe reply.
#define SIPSTEER_PROBE_REJECT_X(X)                                             \
  X(kMalformed, "malformed")       /* the SIP scanner refused it */           \
  X(kNotResponse, "not_response")  /* a request, not a reply */               \
  X(kNotOptions, "not_options")    /* CSeq method is not OPTIONS */           \
  X(kUnknownBranch, "unknown_branch") /* no outstanding probe (late or forged) */ \
  X(kStranger, "stranger")         /* branch known but sent from another address */ \
  X(kIcmpNoProbe, "icmp_no_probe") /* socket error for no outstanding probe */

enum class ProbeReject : uint8_t {
#define SIPSTEER_X(name, label) name,
  SIPSTEER_PROBE_REJECT_X(SIPSTEER_X)
#undef SIPSTEER_X
      kCount
};
const char* probeRejectLabel(ProbeReject r);

// How one probe ended; label of sipsteer_probes_failed_total{reason}.
enum class ProbeOutcome : uint8_t { kOk, kTimeout, kBadCode, kIcmp, kRetryAfter, kSendError };
const char* probeOutcomeLabel(ProbeOutcome o);

}  // namespace sipsteer::control

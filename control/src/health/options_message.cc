#include "health/options_message.h"

#include <array>

namespace sipsteer::control {

const char* probeRejectLabel(ProbeReject r) {
  static constexpr std::array<const char*, static_cast<size_t>(ProbeReject::kCount)> kLabels = {
#define SIPSTEER_X(name, label) label,
      SIPSTEER_PROBE_REJECT_X(SIPSTEER_X)
#undef SIPSTEER_X
  };
  return kLabels[static_cast<size_t>(r)];
}

const char* probeOutcomeLabel(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::kOk: return "ok";
    case ProbeOutcome::kTimeout: return "timeout";
    case ProbeOutcome::kBadCode: return "bad_code";
    case ProbeOutcome::kIcmp: return "icmp";
    case ProbeOutcome::kRetryAfter: return "retry_after";
    case ProbeOutcome::kSendError: return "send_error";
  }
  return "unknown";
}

OptionsRequest buildOptions(const NetAddress& target, const NetAddress& local,
                            const std::string& token, uint32_t cseq) {
  OptionsRequest r;
  r.branch = "z9hG4bK-sst-" + token;
  r.call_id = "sst-" + token + "@sipsteer";
  const std::string uri = "sip:" + target.toString();
  const std::string self = local.toString();
  r.bytes.reserve(400);
  r.bytes += "OPTIONS " + uri + " SIP/2.0\r\n";
  r.bytes += "Via: SIP/2.0/UDP " + self + ";branch=" + r.branch + ";rport\r\n";
  r.bytes += "Max-Forwards: 70\r\n";
  r.bytes += "From: <sip:sipsteer@" + self + ">;tag=" + token.substr(0, 16) + "\r\n";
  r.bytes += "To: <" + uri + ">\r\n";
  r.bytes += "Call-ID: " + r.call_id + "\r\n";
  r.bytes += "CSeq: " + std::to_string(cseq) + " OPTIONS\r\n";
  r.bytes += "Accept: application/sdp\r\n";
  r.bytes += "User-Agent: sipsteer-health\r\n";
  r.bytes += "Content-Length: 0\r\n\r\n";
  return r;
}

}  // namespace sipsteer::control

// Reading a reply with the shared SIP scanner (kept apart from building the
// request so code that only sends links without the scanner).
#include <sipsteer/core/sip_scanner.h>

#include "health/options_message.h"

namespace sipsteer::control {

std::expected<ProbeReply, ProbeReject> parseOptionsReply(std::span<const uint8_t> datagram,
                                                         const NetAddress& from) {
  sip::SipMessage m;
  sip::ScanOptions options;
  options.want = sip::kWantAll;
  if (sip::scan(datagram, m, options) != sip::ScanError::kOK) return std::unexpected(ProbeReject::kMalformed);
  if (m.is_request) return std::unexpected(ProbeReject::kNotResponse);
  if (m.cseq_method != sip::Method::kOptions) return std::unexpected(ProbeReject::kNotOptions);
  if (m.via_branch.empty()) return std::unexpected(ProbeReject::kUnknownBranch);
  ProbeReply r;
  r.from = from;
  r.branch = std::string(m.via_branch.in(datagram));
  r.call_id = std::string(m.call_id.in(datagram));
  r.status = m.status_code;
  r.retry_after = m.retry_after;
  return r;
}

}  // namespace sipsteer::control

// Internal to the SIP scanner: parsers for the header values the scanner
// extracts (Via, From/To, CSeq, methods). Each takes the value span [b, e) of
// one unfolded header line (it may contain folds) inside message `d`.
#pragma once

#include <sipsteer/core/sip_scanner.h>

#include <cstdint>

#include "sip_chars.h"

namespace sipsteer::sip::detail {

// Method from its token, case-sensitively (RFC 3261 7.1); kUnknown otherwise.
// Inline: scanForSteering names the request method on every packet; the
// call and its argument moves cost 6 of its ~490 instructions (callgrind).
inline Method methodFromToken(const uint8_t* p, uint32_t n) noexcept {
  // Length then first byte picks the candidate; one inline compare confirms.
  switch (n) {
    case 3:
      if (eqExact(p, "ACK")) return Method::kAck;
      if (eqExact(p, "BYE")) return Method::kBye;
      break;
    case 4:
      if (eqExact(p, "INFO")) return Method::kInfo;
      break;
    case 5:
      if (eqExact(p, "PRACK")) return Method::kPrack;
      if (eqExact(p, "REFER")) return Method::kRefer;
      break;
    case 6:
      switch (p[0]) {
        case 'I': return eqExact(p, "INVITE") ? Method::kInvite : Method::kUnknown;
        case 'C': return eqExact(p, "CANCEL") ? Method::kCancel : Method::kUnknown;
        case 'N': return eqExact(p, "NOTIFY") ? Method::kNotify : Method::kUnknown;
        case 'U': return eqExact(p, "UPDATE") ? Method::kUpdate : Method::kUnknown;
        default: break;
      }
      break;
    case 7:
      switch (p[0]) {
        case 'O': return eqExact(p, "OPTIONS") ? Method::kOptions : Method::kUnknown;
        case 'P': return eqExact(p, "PUBLISH") ? Method::kPublish : Method::kUnknown;
        case 'M': return eqExact(p, "MESSAGE") ? Method::kMessage : Method::kUnknown;
        default: break;
      }
      break;
    case 8:
      if (eqExact(p, "REGISTER")) return Method::kRegister;
      break;
    case 9:
      if (eqExact(p, "SUBSCRIBE")) return Method::kSubscribe;
      break;
    default: break;
  }
  return Method::kUnknown;
}

// One Via header line. When `top`, the first via-parm fills the via_* fields
// of `out`. When `strict`, every via-parm is parsed and counted into
// out.via_count; otherwise parsing stops after the first one. kOK or kBAD_VIA.
ScanError parseVia(const uint8_t* d, uint32_t b, uint32_t e, bool top, bool strict,
                   SipMessage& out) noexcept;

// From or To: finds the tag header parameter (outside the display name's
// quotes and the URI's <>). kOK or kBAD_FROM_TO (empty value, unterminated
// quoted string or <>, and when `strict`, anything but parameters after the
// address).
ScanError parseFromTo(const uint8_t* d, uint32_t b, uint32_t e, bool strict, Slice& tag) noexcept;

// CSeq: 1*DIGIT LWS Method. kOK or kBAD_CSEQ; the outputs are written only
// on kOK.
ScanError parseCSeq(const uint8_t* d, uint32_t b, uint32_t e, uint32_t& number, Method& method,
                    Slice& method_token) noexcept;

}  // namespace sipsteer::sip::detail

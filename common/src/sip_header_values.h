// Internal to the SIP scanner: parsers for the header values the scanner
// extracts (Via, From/To, CSeq, methods). Each takes the value span [b, e) of
// one unfolded header line (it may contain folds) inside message `d`.
#pragma once

#include <sipsteer/core/sip_scanner.h>

#include <cstdint>

namespace sipsteer::sip::detail {

// Method from its token, case-sensitively (RFC 3261 7.1); kUnknown otherwise.
Method methodFromToken(const uint8_t* p, uint32_t n) noexcept;

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

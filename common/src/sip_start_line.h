// Internal to the SIP scanner: the start line, inline because both scan()
// and scanForSteering() parse it per message and read its result right away
// (as an out-of-line call, the small StartLine result went through memory and
// its reload stalled on store forwarding: 13 % of scanForSteering in perf).
#pragma once

#include <sipsteer/core/sip_scanner.h>

#include "sip_chars.h"
#include "sip_header_values.h"

namespace sipsteer::sip::detail {

// What the start line says; fields are written only on kOK.
struct StartLine {
  bool is_request = false;
  Method method = Method::kUnknown;
  Slice method_token;
  Slice request_uri;
  uint16_t status_code = 0;
  Slice reason_phrase;
};

inline Slice startSlice(uint32_t begin, uint32_t end) noexcept {
  return {static_cast<uint16_t>(begin), static_cast<uint16_t>(end - begin)};
}

inline bool isVersion(const uint8_t* p) noexcept { return eqLower(p, "sip/") && eqExact(p + 4, "2.0"); }

inline ScanError parseStatusLine(const uint8_t* d, uint32_t b, uint32_t e, StartLine& out) noexcept {
  // "SIP/2.0" SP 3DIGIT [SP Reason-Phrase]; the SP before an empty reason is
  // required by RFC 3261 but tolerated when missing (RFC 4475 noreason).
  if (e - b < 7 || !isVersion(d + b)) return ScanError::kBAD_VERSION;
  if (e - b < 8 || d[b + 7] != ' ') return ScanError::kBAD_START_LINE;
  if (e - b < 11) return ScanError::kBAD_STATUS_CODE;
  const uint8_t* c = d + b + 8;
  if (!is(c[0], kDigit) || !is(c[1], kDigit) || !is(c[2], kDigit))
    return ScanError::kBAD_STATUS_CODE;
  const uint32_t code = (c[0] - '0') * 100u + (c[1] - '0') * 10u + (c[2] - '0');
  if (code < 100 || code > 699) return ScanError::kBAD_STATUS_CODE;
  if (e - b > 11 && d[b + 11] != ' ') return ScanError::kBAD_STATUS_CODE;  // 4+ digits
  out.status_code = static_cast<uint16_t>(code);
  out.reason_phrase = e - b > 11 ? startSlice(b + 12, e) : startSlice(e, e);
  return ScanError::kOK;
}

inline ScanError parseRequestLine(const uint8_t* d, uint32_t b, uint32_t e, bool all,
                           StartLine& out) noexcept {
  // Method SP Request-URI SP SIP-Version, single SPs, nothing after.
  // A known method (every message the fast path sees, nearly) is a token by
  // construction: its bytes need no class check, and it is named once.
  uint32_t method_end = findByte(d, b, e, ' ');
  Method method = methodFromToken(d + b, method_end - b);
  if (method == Method::kUnknown) {
    method_end = skipClass(d, b, e, kToken);
    if (method_end == b || method_end >= e || d[method_end] != ' ') return ScanError::kBAD_START_LINE;
  } else if (method_end >= e) {
    return ScanError::kBAD_START_LINE;
  }
  const uint32_t uri_begin = method_end + 1;
  const uint32_t uri_end = findByte(d, uri_begin, e, ' ');
  if (uri_end >= e) return ScanError::kBAD_START_LINE;
  // absoluteURI: scheme ":" ... ; rejects "<sip:...>" (RFC 4475 ltgtruri)
  // and an empty URI from a double SP (lwsstart).
  if (uri_end == uri_begin || !is(d[uri_begin], kAlpha)) return ScanError::kBAD_START_LINE;
  const uint32_t scheme_end = uri_end - uri_begin > 4 && eqLower(d + uri_begin, "sip:")
                                  ? uri_begin + 3
                                  : skipClass(d, uri_begin, uri_end, kScheme);
  if (scheme_end >= uri_end || d[scheme_end] != ':') return ScanError::kBAD_START_LINE;
  if (all && findByte(d, scheme_end, uri_end, '\t') != uri_end) return ScanError::kBAD_START_LINE;
  const uint32_t version = uri_end + 1;
  if (e - version >= 4 && eqLower(d + version, "sip/")) {
    if (e - version < 7 || !eqExact(d + version + 4, "2.0")) {
      // "SIP/7.0" is a version problem; "SIP/2.0  " (trailing SP, trws) and
      // "lr SIP/2.0" (LWS in the URI, lwsruri) are not well-formed lines.
      return ScanError::kBAD_VERSION;
    }
    if (e - version != 7) return ScanError::kBAD_START_LINE;
  } else {
    return ScanError::kBAD_START_LINE;
  }
  out.is_request = true;
  out.method_token = startSlice(b, method_end);
  out.method = method;
  out.request_uri = startSlice(uri_begin, uri_end);
  return ScanError::kOK;
}

// The start line [b, e) (without its line end): a Status-Line when it starts
// with "SIP/" (any case), else a Request-Line. `strict` (kWantAll) also
// rejects a TAB inside the Request-URI. kOK or kBAD_VERSION,
// kBAD_START_LINE, kBAD_STATUS_CODE.
inline ScanError parseStartLine(const uint8_t* d, uint32_t b, uint32_t e, bool strict, StartLine& out) noexcept {
  return e - b >= 4 && eqLower(d + b, "sip/") ? parseStatusLine(d, b, e, out)
                                               : parseRequestLine(d, b, e, strict, out);
}

}  // namespace sipsteer::sip::detail

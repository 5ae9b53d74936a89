#include "sip_header_values.h"

#include "sip_chars.h"

#include <cstring>

namespace sipsteer::sip::detail {
namespace {

Slice slice(uint32_t begin, uint32_t end) noexcept {
  return {static_cast<uint16_t>(begin), static_cast<uint16_t>(end - begin)};
}

// Skips a quoted string whose opening quote is at `i`; returns the offset
// after the closing quote, or 0 if it is not closed before `e`.
uint32_t skipQuoted(const uint8_t* d, uint32_t i, uint32_t e) noexcept {
  for (++i; i < e; ++i) {
    if (d[i] == '\\') {
      ++i;  // quoted-pair: the next byte is literal
    } else if (d[i] == '"') {
      return i + 1;
    }
  }
  return 0;
}

// A generic-param value: token, host (IPv6 with or without brackets) or a
// quoted string. Returns its end, or 0 for an unterminated quoted string.
uint32_t paramValueEnd(const uint8_t* d, uint32_t i, uint32_t e) noexcept {
  if (i < e && d[i] == '"') return skipQuoted(d, i, e);
  while (i < e && (is(d[i], kToken) || d[i] == ':' || d[i] == '[' || d[i] == ']')) ++i;
  return i;
}

struct Param {
  uint32_t name_begin, name_end;
  uint32_t value_begin, value_end;
  bool has_value;
};

// Parses ";" name [= value] at `i` (after optional LWS). Returns the offset
// after the parameter, `i` unchanged if there is no ';', or 0 if malformed.
uint32_t nextParam(const uint8_t* d, uint32_t i, uint32_t e, Param& p) noexcept {
  uint32_t k = skipLws(d, i, e);
  if (k >= e || d[k] != ';') return i;
  k = skipLws(d, k + 1, e);
  p.name_begin = k;
  p.name_end = skipClass(d, k, e, kToken);
  if (p.name_end == k) return 0;  // ";;" or ";=" : empty parameter name
  k = skipLws(d, p.name_end, e);
  p.has_value = k < e && d[k] == '=';
  if (!p.has_value) {
    p.value_begin = p.value_end = p.name_end;
    return p.name_end;
  }
  p.value_begin = skipLws(d, k + 1, e);
  p.value_end = paramValueEnd(d, p.value_begin, e);
  if (p.value_end == 0) return 0;
  return p.value_end;
}

// One via-parm at `i`: sent-protocol LWS sent-by *( SEMI via-params ).
// Returns the offset after it, or 0 if malformed.
uint32_t viaParm(const uint8_t* d, uint32_t i, uint32_t e, bool fill, SipMessage& out) noexcept {
  i = skipLws(d, i, e);
  uint32_t j = skipClass(d, i, e, kToken);
  if (j - i != 3 || !eqLower(d + i, "sip")) return 0;
  i = skipLws(d, j, e);
  if (i >= e || d[i] != '/') return 0;
  i = skipLws(d, i + 1, e);
  j = skipClass(d, i, e, kToken);
  if (j - i != 3 || !eqExact(d + i, "2.0")) return 0;
  i = skipLws(d, j, e);
  if (i >= e || d[i] != '/') return 0;
  i = skipLws(d, i + 1, e);
  const uint32_t transport_begin = i;
  const uint32_t transport_end = skipClass(d, i, e, kToken);
  if (transport_end == transport_begin) return 0;
  i = skipLws(d, transport_end, e);
  if (i == transport_end) return 0;  // sent-protocol and sent-by need LWS between

  const uint32_t host_begin = i;
  if (i < e && d[i] == '[') {
    const uint32_t close = findByte(d, i, e, ']');
    if (close >= e) return 0;
    i = close + 1;
  } else {
    i = skipClass(d, i, e, kToken);
  }
  if (i == host_begin) return 0;
  uint32_t sent_by_end = i;
  const uint32_t colon = skipLws(d, i, e);
  if (colon < e && d[colon] == ':') {
    uint64_t port = 0;
    const uint32_t port_end = parseNumber(d, skipLws(d, colon + 1, e), e, 65535, port);
    if (port_end == 0) return 0;
    sent_by_end = i = port_end;
  }
  if (fill) {
    out.via_transport = slice(transport_begin, transport_end);
    out.via_sent_by = slice(host_begin, sent_by_end);
  }

  Param p;
  for (;;) {
    const uint32_t after = nextParam(d, i, e, p);
    if (after == 0) return 0;
    if (after == i) break;
    i = after;
    if (!fill) continue;
    const uint32_t name_len = p.name_end - p.name_begin;
    const uint8_t* name = d + p.name_begin;
    if (name_len == 6 && eqLower(name, "branch")) {
      out.via_branch = slice(p.value_begin, p.value_end);
    } else if (name_len == 8 && eqLower(name, "received")) {
      out.via_received = slice(p.value_begin, p.value_end);
    } else if (name_len == 5 && eqLower(name, "rport")) {
      out.via_rport = true;
      if (p.value_end > p.value_begin) {
        uint64_t port = 0;
        if (parseNumber(d, p.value_begin, p.value_end, 65535, port) != p.value_end) return 0;
        out.via_rport_value = static_cast<int32_t>(port);
      }
    }
  }
  return skipLws(d, i, e);
}

}  // namespace


ScanError parseVia(const uint8_t* d, uint32_t b, uint32_t e, bool top, bool strict,
                   SipMessage& out) noexcept {
  uint32_t i = viaParm(d, b, e, top, out);
  if (i == 0) return ScanError::kBAD_VIA;
  ++out.via_count;
  if (!strict) return ScanError::kOK;
  while (i < e) {
    if (d[i] != ',') return ScanError::kBAD_VIA;
    i = viaParm(d, i + 1, e, false, out);
    if (i == 0) return ScanError::kBAD_VIA;
    ++out.via_count;
  }
  return ScanError::kOK;
}

ScanError parseFromTo(const uint8_t* d, uint32_t b, uint32_t e, bool strict, Slice& tag) noexcept {
  uint32_t i = skipLws(d, b, e);
  if (i >= e) return ScanError::kBAD_FROM_TO;
  // Display name and address: stop at the first ';' outside quotes and <>;
  // in name-addr form the parameters start after '>'.
  while (i < e) {
    const uint8_t c = d[i];
    if (c == '"') {
      i = skipQuoted(d, i, e);
      if (i == 0) return ScanError::kBAD_FROM_TO;
    } else if (c == '<') {
      const uint32_t close = findByte(d, i, e, '>');
      if (close >= e) return ScanError::kBAD_FROM_TO;
      i = close + 1;
      break;
    } else if (c == ';') {
      break;
    } else {
      ++i;
    }
  }
  Param p;
  for (;;) {
    const uint32_t after = nextParam(d, i, e, p);
    if (after == 0) {
      if (strict) return ScanError::kBAD_FROM_TO;
      break;
    }
    if (after == i) break;
    i = after;
    if (p.name_end - p.name_begin == 3 && eqLower(d + p.name_begin, "tag"))
      tag = slice(p.value_begin, p.value_end);
  }
  if (strict && skipLws(d, i, e) != e) return ScanError::kBAD_FROM_TO;
  return ScanError::kOK;
}

ScanError parseCSeq(const uint8_t* d, uint32_t b, uint32_t e, uint32_t& number_out, Method& method_out,
                    Slice& token_out) noexcept {
  const uint32_t i = skipLws(d, b, e);
  uint64_t number = 0;
  const uint32_t digits_end = parseNumber(d, i, e, 0xffffffffull, number);
  if (digits_end == 0) return ScanError::kBAD_CSEQ;
  const uint32_t method_begin = skipLws(d, digits_end, e);
  if (method_begin == digits_end) return ScanError::kBAD_CSEQ;
  // Nearly always a known method and then only LWS: a known name is a token
  // by construction, so it needs no byte-by-byte class check (this runs on
  // every response the fast path steers). Anything else takes the checks.
  const uint32_t trimmed = trimLwsBack(d, method_begin, e);
  const Method known = methodFromToken(d + method_begin, trimmed - method_begin);
  if (known != Method::kUnknown) {
    number_out = static_cast<uint32_t>(number);
    token_out = slice(method_begin, trimmed);
    method_out = known;
    return ScanError::kOK;
  }
  const uint32_t method_end = skipClass(d, method_begin, e, kToken);
  if (method_end == method_begin || skipLws(d, method_end, e) != e) return ScanError::kBAD_CSEQ;
  number_out = static_cast<uint32_t>(number);
  token_out = slice(method_begin, method_end);
  method_out = methodFromToken(d + method_begin, method_end - method_begin);
  return ScanError::kOK;
}

}  // namespace sipsteer::sip::detail

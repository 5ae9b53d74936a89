// The scan loop: start line, then one memchr per header line, a dispatch on
// the first letter of the name, and a value parser only for the few headers
// the caller still wants. See sip_scanner.h for the contract.
#include <sipsteer/core/sip_scanner.h>

#include "sip_chars.h"
#include "sip_header_values.h"

#include <cstring>

namespace sipsteer::sip {
namespace {

using namespace detail;

enum class Header : uint8_t {
  kOther,
  kCallId,
  kCSeq,
  kVia,
  kFrom,
  kTo,
  kContentLength,
  kMaxForwards,
  kRetryAfter,
};

constexpr uint32_t kKnownWants = kWantCallId | kWantCSeq | kWantVia | kWantFromTo |
                                 kWantContentLength | kWantMaxForwards | kWantRetryAfter;

constexpr uint32_t letter(char c) { return 1u << (c - 'a'); }

// First letters (lowercase) of the long and compact names that can carry
// each wanted field; a line starting with any other letter is skipped unread.
uint32_t relevantLetters(uint32_t want) noexcept {
  uint32_t m = 0;
  if (want & kWantCallId) m |= letter('c') | letter('i');
  if (want & kWantCSeq) m |= letter('c');
  if (want & kWantVia) m |= letter('v');
  if (want & kWantFromTo) m |= letter('f') | letter('t');
  if (want & kWantContentLength) m |= letter('c') | letter('l');
  if (want & kWantMaxForwards) m |= letter('m');
  if (want & kWantRetryAfter) m |= letter('r');
  return m;
}

Header classify(const uint8_t* p, uint32_t n) noexcept {
  const uint8_t c = p[0] | 0x20;
  if (n == 1) {
    switch (c) {
      case 'i': return Header::kCallId;
      case 'v': return Header::kVia;
      case 'f': return Header::kFrom;
      case 't': return Header::kTo;
      case 'l': return Header::kContentLength;
      default: return Header::kOther;
    }
  }
  switch (c) {
    case 'c':
      if (n == 7 && eqLower(p, "call-id")) return Header::kCallId;
      if (n == 4 && eqLower(p, "cseq")) return Header::kCSeq;
      if (n == 14 && eqLower(p, "content-length")) return Header::kContentLength;
      return Header::kOther;
    case 'v': return n == 3 && eqLower(p, "via") ? Header::kVia : Header::kOther;
    case 'f': return n == 4 && eqLower(p, "from") ? Header::kFrom : Header::kOther;
    case 't': return n == 2 && eqLower(p, "to") ? Header::kTo : Header::kOther;
    case 'm': return n == 12 && eqLower(p, "max-forwards") ? Header::kMaxForwards : Header::kOther;
    case 'r': return n == 11 && eqLower(p, "retry-after") ? Header::kRetryAfter : Header::kOther;
    default: return Header::kOther;
  }
}

Slice slice(uint32_t begin, uint32_t end) noexcept {
  return {static_cast<uint16_t>(begin), static_cast<uint16_t>(end - begin)};
}

bool isVersion(const uint8_t* p) noexcept {
  return eqLower(p, "sip/") && std::memcmp(p + 4, "2.0", 3) == 0;
}

ScanError parseStatusLine(const uint8_t* d, uint32_t b, uint32_t e, SipMessage& out) noexcept {
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
  out.reason_phrase = e - b > 11 ? slice(b + 12, e) : slice(e, e);
  return ScanError::kOK;
}

ScanError parseRequestLine(const uint8_t* d, uint32_t b, uint32_t e, SipMessage& out) noexcept {
  // Method SP Request-URI SP SIP-Version, single SPs, nothing after.
  const uint32_t method_end = skipClass(d, b, e, kToken);
  if (method_end == b || method_end >= e || d[method_end] != ' ') return ScanError::kBAD_START_LINE;
  const uint32_t uri_begin = method_end + 1;
  const void* sp = std::memchr(d + uri_begin, ' ', e - uri_begin);
  if (sp == nullptr) return ScanError::kBAD_START_LINE;
  const uint32_t uri_end = static_cast<uint32_t>(static_cast<const uint8_t*>(sp) - d);
  // absoluteURI: scheme ":" ... ; rejects "<sip:...>" (RFC 4475 ltgtruri)
  // and an empty URI from a double SP (lwsstart).
  if (uri_end == uri_begin || !is(d[uri_begin], kAlpha)) return ScanError::kBAD_START_LINE;
  const uint32_t scheme_end = skipClass(d, uri_begin, uri_end, kScheme);
  if (scheme_end >= uri_end || d[scheme_end] != ':') return ScanError::kBAD_START_LINE;
  for (uint32_t i = scheme_end; i < uri_end; ++i)
    if (d[i] == '\t') return ScanError::kBAD_START_LINE;
  const uint32_t version = uri_end + 1;
  if (e - version >= 4 && eqLower(d + version, "sip/")) {
    if (e - version < 7 || std::memcmp(d + version + 4, "2.0", 3) != 0) {
      // "SIP/7.0" is a version problem; "SIP/2.0  " (trailing SP, trws) and
      // "lr SIP/2.0" (LWS in the URI, lwsruri) are not well-formed lines.
      return ScanError::kBAD_VERSION;
    }
    if (e - version != 7) return ScanError::kBAD_START_LINE;
  } else {
    return ScanError::kBAD_START_LINE;
  }
  out.is_request = true;
  out.method_token = slice(b, method_end);
  out.method = methodFromToken(d + b, method_end - b);
  out.request_uri = slice(uri_begin, uri_end);
  return ScanError::kOK;
}

struct Scanner {
  const uint8_t* d;
  uint32_t size;
  const ScanOptions& options;
  SipMessage& out;
  bool all;
  uint32_t want;
  uint32_t seen = 0;  // bit per Header already seen, for duplicates

  // Bit of `h` in `seen`; true if it was already set.
  bool repeat(Header h) noexcept {
    const uint32_t bit = 1u << static_cast<uint32_t>(h);
    const bool was = (seen & bit) != 0;
    seen |= bit;
    return was;
  }

  ScanError header(Header h, uint32_t vb, uint32_t ve) noexcept {
    switch (h) {
      case Header::kCallId: {
        if (repeat(h)) return ScanError::kMULTIPLE_CALL_ID;
        const uint32_t b = skipLws(d, vb, ve);
        const uint32_t e = trimLwsBack(d, b, ve);
        if (b == e) return ScanError::kNO_CALL_ID;
        if (all) {
          // callid = word [ "@" word ]
          uint32_t at = 0;
          for (uint32_t i = b; i < e; ++i) {
            if (d[i] == '@') {
              if (at++ != 0 || i == b || i + 1 == e) return ScanError::kBAD_CALL_ID;
            } else if (!is(d[i], kWord)) {
              return ScanError::kBAD_CALL_ID;
            }
          }
        }
        out.call_id = slice(b, e);
        out.found |= kWantCallId;
        return ScanError::kOK;
      }
      case Header::kCSeq: {
        if (repeat(h)) return ScanError::kDUPLICATE_HEADER;
        const ScanError err = parseCSeq(d, vb, ve, out);
        if (err != ScanError::kOK) return err;
        if (out.is_request &&
            (out.cseq_method_token.length != out.method_token.length ||
             std::memcmp(d + out.cseq_method_token.offset, d + out.method_token.offset,
                         out.method_token.length) != 0))
          return ScanError::kCSEQ_METHOD_MISMATCH;
        out.found |= kWantCSeq;
        return ScanError::kOK;
      }
      case Header::kVia: {
        const bool top = (out.found & kWantVia) == 0;
        const ScanError err = parseVia(d, vb, ve, top, all, out);
        if (err != ScanError::kOK) return err;
        out.found |= kWantVia;
        return ScanError::kOK;
      }
      case Header::kFrom:
      case Header::kTo: {
        if (repeat(h)) return ScanError::kDUPLICATE_HEADER;
        Slice& tag = h == Header::kFrom ? out.from_tag : out.to_tag;
        const ScanError err = parseFromTo(d, vb, ve, all, tag);
        if (err != ScanError::kOK) return err;
        if ((seen & (1u << static_cast<uint32_t>(Header::kFrom))) &&
            (seen & (1u << static_cast<uint32_t>(Header::kTo))))
          out.found |= kWantFromTo;
        return ScanError::kOK;
      }
      case Header::kContentLength: {
        if (repeat(h)) return ScanError::kDUPLICATE_HEADER;
        uint64_t v = 0;
        const uint32_t end = parseNumber(d, skipLws(d, vb, ve), ve, 65535, v);
        if (end == 0 || skipLws(d, end, ve) != ve) return ScanError::kBAD_CONTENT_LENGTH;
        out.content_length = static_cast<int32_t>(v);
        out.found |= kWantContentLength;
        return ScanError::kOK;
      }
      case Header::kMaxForwards: {
        if (repeat(h)) return ScanError::kDUPLICATE_HEADER;
        uint64_t v = 0;
        const uint32_t end = parseNumber(d, skipLws(d, vb, ve), ve, 255, v);
        if (end == 0 || skipLws(d, end, ve) != ve) return ScanError::kBAD_MAX_FORWARDS;
        out.max_forwards = static_cast<int16_t>(v);
        out.found |= kWantMaxForwards;
        return ScanError::kOK;
      }
      case Header::kRetryAfter: {
        // delta-seconds [ comment ] *( SEMI retry-param ): only the number
        // is read; what follows must start a comment or a parameter.
        uint64_t v = 0;
        const uint32_t end = parseNumber(d, skipLws(d, vb, ve), ve, 0x7fffffff, v);
        if (end == 0) return ScanError::kBAD_RETRY_AFTER;
        const uint32_t rest = skipLws(d, end, ve);
        if (rest != ve && d[rest] != '(' && d[rest] != ';') return ScanError::kBAD_RETRY_AFTER;
        out.retry_after = static_cast<int32_t>(v);
        out.found |= kWantRetryAfter;
        return ScanError::kOK;
      }
      case Header::kOther: break;
    }
    return ScanError::kOK;
  }

  // The blank line was reached: mandatory headers and body framing.
  ScanError finish(uint32_t header_end) noexcept {
    out.header_end = static_cast<uint16_t>(header_end);
    const uint32_t rest = size - header_end;
    if (all || (want & kWantCallId)) {
      if (!(out.found & kWantCallId)) return ScanError::kNO_CALL_ID;
    }
    if (all || (want & kWantCSeq)) {
      if (!(out.found & kWantCSeq)) return ScanError::kBAD_CSEQ;
    }
    if ((all || (want & kWantVia)) && out.is_request && !(out.found & kWantVia))
      return ScanError::kNO_VIA;
    if (all || (want & kWantFromTo)) {
      if (!(out.found & kWantFromTo)) return ScanError::kBAD_FROM_TO;
    }
    // Content-Length lines are skipped unless wanted: no framing then.
    if (!all && !(want & kWantContentLength)) return ScanError::kOK;
    if (out.content_length < 0) {
      out.body_length = static_cast<uint16_t>(rest);
    } else if (static_cast<uint32_t>(out.content_length) <= rest) {
      out.body_length = static_cast<uint16_t>(out.content_length);
    } else {
      out.body_length = static_cast<uint16_t>(out.content_length);
      if (options.datagram) return ScanError::kBODY_TRUNCATED;
    }
    return ScanError::kOK;
  }

  ScanError run() noexcept {
    uint32_t pos = 0;
    while (pos < size && (d[pos] == '\r' || d[pos] == '\n')) ++pos;
    if (pos == size) return ScanError::kEMPTY;

    Line line;
    if (!readLine(d, size, pos, false, line)) return ScanError::kTRUNCATED;
    if (line.end - line.begin > options.max_line_length) return ScanError::kLINE_TOO_LONG;
    if (all && mayHaveCtl(d + line.begin, line.end - line.begin) &&
        !ctlOnlyWhereAllowed(d, line.begin, line.end))
      return ScanError::kBAD_CHARACTER;
    ScanError err = line.end - line.begin >= 4 && eqLower(d + line.begin, "sip/")
                        ? parseStatusLine(d, line.begin, line.end, out)
                        : parseRequestLine(d, line.begin, line.end, out);
    if (err != ScanError::kOK) return err;
    if (!all && (out.found & want) == want) return ScanError::kOK;
    pos = line.next;

    uint32_t relevant = all ? ~0u : relevantLetters(want);
    for (;;) {
      if (!readLine(d, size, pos, true, line)) return ScanError::kTRUNCATED;
      if (line.blank) return finish(line.next);
      pos = line.next;
      if (++out.header_lines > options.max_header_lines) return ScanError::kTOO_MANY_HEADERS;
      if (line.end - line.begin > options.max_line_length) return ScanError::kLINE_TOO_LONG;
      const uint8_t first = d[line.begin];
      // Only the first header line can start with WSP: later ones fold.
      if (is(first, kWsp)) return ScanError::kBAD_HEADER_LINE;
      const uint32_t lower = first | 0x20u;
      if (!all && (lower < 'a' || lower > 'z' || !(relevant & letter(static_cast<char>(lower)))))
        continue;
      if (all && mayHaveCtl(d + line.begin, line.end - line.begin) &&
          !ctlOnlyWhereAllowed(d, line.begin, line.end))
        return ScanError::kBAD_CHARACTER;

      // name HCOLON value, HCOLON = *( SP / HTAB ) ":" SWS
      const uint32_t name_end = skipClass(d, line.begin, line.end, kToken);
      if (name_end == line.begin) return ScanError::kBAD_HEADER_LINE;
      const uint32_t colon = skipClass(d, name_end, line.end, kWsp);
      if (colon >= line.end || d[colon] != ':') return ScanError::kBAD_HEADER_LINE;
      const Header h = classify(d + line.begin, name_end - line.begin);
      if (h == Header::kOther) continue;
      err = header(h, colon + 1, line.end);
      if (err != ScanError::kOK) return err;
      if (!all) {
        if ((out.found & want) == want) return ScanError::kOK;
        relevant = relevantLetters(want & ~out.found);
      }
    }
  }
};

}  // namespace

ScanError scan(std::span<const uint8_t> message, SipMessage& out,
               const ScanOptions& options) noexcept {
  out = SipMessage{};
  if (message.size() > 65535) return ScanError::kTOO_LARGE;
  const bool all = options.want == kWantAll;
  Scanner s{message.data(), static_cast<uint32_t>(message.size()), options, out, all,
            options.want & kKnownWants};
  return s.run();
}

}  // namespace sipsteer::sip

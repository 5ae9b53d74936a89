// The scan loop: start line, then one newline search per header line, a dispatch on
// the first letter of the name, and a value parser only for the few headers
// the caller still wants. See sip_scanner.h for the contract.
#include <sipsteer/core/sip_scanner.h>

#include "sip_chars.h"
#include "sip_header_values.h"
#include "sip_start_line.h"

#include <array>
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
constexpr uint32_t relevantLetters(uint32_t want) noexcept {
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

constexpr std::array<uint32_t, 128> makeRelevantTable() {
  std::array<uint32_t, 128> t{};
  for (uint32_t w = 0; w < 128; ++w) t[w] = relevantLetters(w);
  return t;
}
constexpr std::array<uint32_t, 128> kRelevant = makeRelevantTable();
static_assert(kKnownWants < 128);

// The header a line names, judged from its first bytes: each candidate for
// the first letter is compared in place and must be followed by ':' or WSP.
// `len` is the line length; sets `name_len` for a known header.
Header matchName(const uint8_t* p, uint32_t len, uint32_t& name_len) noexcept {
  auto ends = [&](uint32_t n) { return len > n && (p[n] == ':' || p[n] == ' ' || p[n] == '\t'); };
  auto found = [&](uint32_t n, Header h) {
    name_len = n;
    return h;
  };
  switch (p[0] | 0x20) {
    case 'c':
      if (ends(7) && eqLower(p, "call-id")) return found(7, Header::kCallId);
      if (ends(4) && eqLower(p, "cseq")) return found(4, Header::kCSeq);
      if (ends(14) && eqLower(p, "content-length")) return found(14, Header::kContentLength);
      return Header::kOther;
    case 'i': return ends(1) ? found(1, Header::kCallId) : Header::kOther;
    case 'v':
      if (ends(1)) return found(1, Header::kVia);
      return ends(3) && eqLower(p, "via") ? found(3, Header::kVia) : Header::kOther;
    case 'f':
      if (ends(1)) return found(1, Header::kFrom);
      return ends(4) && eqLower(p, "from") ? found(4, Header::kFrom) : Header::kOther;
    case 't':
      if (ends(1)) return found(1, Header::kTo);
      return ends(2) && eqLower(p, "to") ? found(2, Header::kTo) : Header::kOther;
    case 'l': return ends(1) ? found(1, Header::kContentLength) : Header::kOther;
    case 'm':
      return ends(12) && eqLower(p, "max-forwards") ? found(12, Header::kMaxForwards) : Header::kOther;
    case 'r':
      return ends(11) && eqLower(p, "retry-after") ? found(11, Header::kRetryAfter) : Header::kOther;
    default: return Header::kOther;
  }
}

Slice slice(uint32_t begin, uint32_t end) noexcept {
  return {static_cast<uint16_t>(begin), static_cast<uint16_t>(end - begin)};
}

struct Scanner {
  const uint8_t* d;
  uint32_t size;
  const ScanOptions& options;
  SipMessage& out;
  bool all;
  uint32_t want;
  uint32_t seen = 0;  // bit per Header already seen, for duplicates

  bool sameBytes(Slice a, Slice b) const noexcept {
    if (a.length != b.length) return false;
    for (uint16_t i = 0; i < a.length; ++i)
      if (d[a.offset + i] != d[b.offset + i]) return false;
    return true;
  }

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
        const ScanError err = parseCSeq(d, vb, ve, out.cseq_number, out.cseq_method, out.cseq_method_token);
        if (err != ScanError::kOK) return err;
        if (out.is_request && !sameBytes(out.cseq_method_token, out.method_token))
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
    LfFinder lf(d, size);
    if (!readLine(lf, d, size, pos, false, line)) return ScanError::kTRUNCATED;
    if (line.end - line.begin > options.max_line_length) return ScanError::kLINE_TOO_LONG;
    if (all && mayHaveCtl(d + line.begin, line.end - line.begin) &&
        !ctlOnlyWhereAllowed(d, line.begin, line.end))
      return ScanError::kBAD_CHARACTER;
    StartLine start;
    ScanError err = parseStartLine(d, line.begin, line.end, all, start);
    out.is_request = start.is_request;
    out.method = start.method;
    out.method_token = start.method_token;
    out.request_uri = start.request_uri;
    out.status_code = start.status_code;
    out.reason_phrase = start.reason_phrase;
    if (err != ScanError::kOK) return err;
    if (!all && (out.found & want) == want) return ScanError::kOK;
    pos = line.next;

    uint32_t relevant = all ? ~0u : kRelevant[want];
    const uint32_t max_lines = options.max_header_lines;
    const uint32_t max_length = options.max_line_length;
    uint32_t lines = 0;
    for (;;) {
      if (!readLine(lf, d, size, pos, true, line)) return ScanError::kTRUNCATED;
      if (line.blank) return finish(line.next);
      pos = line.next;
      out.header_lines = static_cast<uint16_t>(++lines);
      if (lines > max_lines) return ScanError::kTOO_MANY_HEADERS;
      if (line.end - line.begin > max_length) return ScanError::kLINE_TOO_LONG;
      const uint8_t first = d[line.begin];
      // Only the first header line can start with WSP: later ones fold.
      if (is(first, kWsp)) return ScanError::kBAD_HEADER_LINE;
      if (!all) {
        const uint32_t lower = first | 0x20u;
        if (lower - 'a' > 'z' - 'a' || !(relevant & (1u << (lower - 'a')))) continue;
      } else {
        if (mayHaveCtl(d + line.begin, line.end - line.begin) &&
            !ctlOnlyWhereAllowed(d, line.begin, line.end))
          return ScanError::kBAD_CHARACTER;
        // name HCOLON value, HCOLON = *( SP / HTAB ) ":" SWS
        const uint32_t name_end = skipClass(d, line.begin, line.end, kToken);
        if (name_end == line.begin) return ScanError::kBAD_HEADER_LINE;
        const uint32_t colon = skipClass(d, name_end, line.end, kWsp);
        if (colon >= line.end || d[colon] != ':') return ScanError::kBAD_HEADER_LINE;
      }
      uint32_t name_len = 0;
      const Header h = matchName(d + line.begin, line.end - line.begin, name_len);
      if (h == Header::kOther) continue;
      const uint32_t colon = skipClass(d, line.begin + name_len, line.end, kWsp);
      if (colon >= line.end || d[colon] != ':') return ScanError::kBAD_HEADER_LINE;
      err = header(h, colon + 1, line.end);
      if (err != ScanError::kOK) return err;
      if (!all) {
        if ((out.found & want) == want) return ScanError::kOK;
        relevant = kRelevant[want & ~out.found];
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

// scanForSteering: the fast path's scanner entry (contract in sip_scanner.h).
// Only a line that may be Call-ID (or, for a response, CSeq), a blank line
// or a continuation needs the per-line loop below; the lines in between are
// skipped 64 bytes at a time (sip_line_skip.h) and only counted. A candidate
// line is framed as a whole (folds included) and parsed. The general scan()
// frames and checks every line it passes, and fills a SipMessage five times
// the size of SteeringFields.
#include <sipsteer/core/sip_scanner.h>

#include "sip_chars.h"
#include "sip_header_values.h"
#include "sip_line_skip.h"
#include "sip_start_line.h"

namespace sipsteer::sip {
namespace {

using namespace detail;

constexpr ScanOptions kLimits{};

// Call-ID ("Call-ID" or compact "i") or CSeq at `p`, a line of `len` bytes:
// the name must be followed by ':' or WSP, as in scan().
enum class Wanted : uint8_t { kNone, kCallId, kCSeq };

Wanted matchWanted(const uint8_t* p, uint32_t len, uint32_t& name_len) noexcept {
  auto ends = [&](uint32_t n) { return len > n && (p[n] == ':' || p[n] == ' ' || p[n] == '\t'); };
  switch (p[0] | 0x20) {
    case 'i':
      name_len = 1;
      return ends(1) ? Wanted::kCallId : Wanted::kNone;
    case 'c':
      if (ends(7) && eqLower(p, "call-id")) {
        name_len = 7;
        return Wanted::kCallId;
      }
      if (ends(4) && eqLower(p, "cseq")) {
        name_len = 4;
        return Wanted::kCSeq;
      }
      return Wanted::kNone;
    default: return Wanted::kNone;
  }
}

// The whole scan, with `Mask` choosing how 64-byte LF masks are made (none:
// line by line). Inlined into one entry per instruction set, so the AVX2
// mask inlines into code compiled for AVX2.
template <class Mask>
[[gnu::always_inline]] inline ScanError steerWith(std::span<const uint8_t> message,
                                                  SteeringFields& out) noexcept {
  out = SteeringFields{};
  if (message.size() > 65535) return ScanError::kTOO_LARGE;
  const uint8_t* d = message.data();
  const auto size = static_cast<uint32_t>(message.size());
  uint32_t pos = 0;
  while (pos < size && (d[pos] == '\r' || d[pos] == '\n')) ++pos;
  if (pos == size) return ScanError::kEMPTY;

  BasicLfFinder<Mask> lf(d, size);
  Line line;
  if (!readLine<false>(lf, d, size, pos, false, line)) return ScanError::kTRUNCATED;
  if (line.end - line.begin > kLimits.max_line_length) return ScanError::kLINE_TOO_LONG;
  StartLine start;
  const ScanError start_error = parseStartLine(d, line.begin, line.end, false, start);
  if (start_error != ScanError::kOK) return start_error;
  out.is_request = start.is_request;
  out.method = start.method;
  out.status_code = start.status_code;

  // Bit 0: Call-ID still missing; bit 1: CSeq still missing (responses).
  uint32_t missing = out.is_request ? 1u : 3u;
  pos = line.next;
  uint32_t lines = 0;
  // Which "c?" lines the skip leaves to this loop: "ca" (Call-ID), and "cs"
  // (CSeq) while a response still needs it.
  SecondLetters second{'a', static_cast<uint8_t>(out.is_request ? 'a' : 's')};
  for (;;) {
    // Lines skipped here would each only have passed the tests below up to
    // the line count: the count alone decides.
    pos = skipCountedLines(d, size, pos, second, lines, lf);
    if (lines > kLimits.max_header_lines) return ScanError::kTOO_MANY_HEADERS;
    if (pos >= size) return ScanError::kTRUNCATED;
    const uint8_t first = d[pos];
    if (first == '\n' || (first == '\r' && pos + 1 < size && d[pos + 1] == '\n'))
      return (missing & 1u) ? ScanError::kNO_CALL_ID : ScanError::kBAD_CSEQ;  // blank line
    if (is(first, kWsp)) {
      // Only the first header line cannot be a continuation.
      if (lines == 0) return ScanError::kBAD_HEADER_LINE;
    } else if (++lines > kLimits.max_header_lines) {
      return ScanError::kTOO_MANY_HEADERS;
    }
    const uint32_t lower = first | 0x20u;
    if (lower != 'c' && lower != 'i') {
      const uint32_t e = lf.find(pos);
      if (e >= size) return ScanError::kTRUNCATED;
      pos = e + 1;
      continue;
    }
    // Not blank: the test above returned at LF and CRLF.
    if (!readLine<false>(lf, d, size, pos, true, line)) return ScanError::kTRUNCATED;
    pos = line.next;
    uint32_t name_len = 7;
    // "Call-ID:" as nearly every sender spells it (any case) is what
    // matchWanted() would find; one compare instead of the name dispatch.
    const bool usual = line.end - line.begin >= 8 && eqLower(d + line.begin, "call-id:");
    const Wanted w = usual ? Wanted::kCallId : matchWanted(d + line.begin, line.end - line.begin, name_len);
    if (w == Wanted::kNone || (w == Wanted::kCSeq && !(missing & 2u))) continue;
    if (line.end - line.begin > kLimits.max_line_length) return ScanError::kLINE_TOO_LONG;
    uint32_t colon = line.begin + 7;  // usual: the compare above matched the colon there
    if (!usual) {
      colon = skipClass(d, line.begin + name_len, line.end, kWsp);
      if (colon >= line.end || d[colon] != ':') return ScanError::kBAD_HEADER_LINE;
    }
    if (w == Wanted::kCallId) {
      const uint32_t b = skipLws(d, colon + 1, line.end);
      const uint32_t e = trimLwsBack(d, b, line.end);
      if (b == e) return ScanError::kNO_CALL_ID;
      out.call_id = {static_cast<uint16_t>(b), static_cast<uint16_t>(e - b)};
      missing &= ~1u;
    } else {
      Slice token;
      const ScanError err = parseCSeq(d, colon + 1, line.end, out.cseq_number, out.cseq_method, token);
      if (err != ScanError::kOK) return err;
      missing &= ~2u;
      second.b = 'a';
    }
    if (missing == 0) return ScanError::kOK;
  }
}

ScanError steerLineByLine(std::span<const uint8_t> message, SteeringFields& out) noexcept {
  return steerWith<NoLfMask>(message, out);
}

// flatten: GCC inlines neither the AVX2 LF mask into the template (its
// target differs) nor, once the template is inlined into several entries,
// the start line parser; the per-packet path wants both inline.
#if defined(__SSE2__)
[[gnu::flatten]] ScanError steerSse2(std::span<const uint8_t> message, SteeringFields& out) noexcept {
  return steerWith<Sse2LfMask>(message, out);
}
#endif

#if defined(SIPSTEER_SCAN_AVX2)
[[gnu::flatten]] SIPSTEER_AVX2_TARGET ScanError steerAvx2(
    std::span<const uint8_t> message, SteeringFields& out) noexcept {
  return steerWith<Avx2LfMask>(message, out);
}

bool cpuHasAvx2() noexcept {
  __builtin_cpu_init();  // may run from a static initializer, before main
  // tzcnt, blsr and shrx come with the target attribute's BMI1/BMI2.
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("bmi2");
}
// Checked once per process: the dataplane's build targets a baseline CPU and
// must run on any x86-64 (as dataplane/src/pkt/checksum.h). A call from
// another translation unit's static initializer before this one runs sees
// false and takes the SSE2 path: slower, same results.
const bool kUseAvx2 = cpuHasAvx2();
#endif

}  // namespace

namespace detail {

bool steeringSkipAvailable(SteeringSkip skip) noexcept {
  switch (skip) {
    case SteeringSkip::kAuto:
    case SteeringSkip::kLineByLine: return true;
#if defined(__SSE2__)
    case SteeringSkip::kSse2: return true;
#endif
#if defined(SIPSTEER_SCAN_AVX2)
    case SteeringSkip::kAvx2: return kUseAvx2;
#endif
    default: return false;
  }
}

ScanError scanForSteeringWith(SteeringSkip skip, std::span<const uint8_t> message,
                              SteeringFields& out) noexcept {
  switch (skip) {
    case SteeringSkip::kLineByLine: return steerLineByLine(message, out);
#if defined(__SSE2__)
    case SteeringSkip::kSse2: return steerSse2(message, out);
#endif
#if defined(SIPSTEER_SCAN_AVX2)
    case SteeringSkip::kAvx2:
      if (kUseAvx2) return steerAvx2(message, out);
      break;
#endif
    default: break;
  }
  return scanForSteering(message, out);
}

}  // namespace detail

ScanError scanForSteering(std::span<const uint8_t> message, SteeringFields& out) noexcept {
#if defined(SIPSTEER_SCAN_AVX2)
  if (kUseAvx2) return steerAvx2(message, out);
#endif
#if defined(__SSE2__)
  return steerSse2(message, out);
#else
  return steerLineByLine(message, out);
#endif
}

}  // namespace sipsteer::sip

// SIP message scanner: one bounded, allocation-free pass over a byte span that
// finds what steering, health checking and 503 synthesis need.
//
// Contract (the fast path relies on it):
//  - never reads outside `message`, never allocates, never throws;
//  - every result field is an offset/length into `message` (a Slice), so a
//    SipMessage stays valid as long as the bytes do and can be copied freely;
//  - a malformed message yields a sipsteer_sip_error reason (abi/counters.h),
//    never a crash; fields found before the error are left filled in.
// Thread-safety: pure function of its inputs.
//
// Line ends: CRLF, and bare LF is tolerated everywhere (start line, header
// lines, folds, the blank line). CRLFs before the start line are skipped
// (RFC 3261 7.5); a buffer of nothing but line ends is kEMPTY (keep-alive).
// Header names are case-insensitive and may be compact (i, v, f, t, l, ...);
// continuation lines (CRLF + SP/HTAB) are part of the value they continue.
//
// Body framing (RFC 3261 18.3) is reported, the caller decides what to do:
// header_end is the first body byte, content_length the declared length (-1
// when absent) and body_length the body size the message claims:
// content_length when present, else everything after the header section
// (allowed for UDP). With ScanOptions::datagram (the default), a
// Content-Length larger than the bytes after the header section is
// kBODY_TRUNCATED; bytes beyond content_length are not part of the message
// and are ignored (RFC 4475 dblreq). With datagram = false (a stream) the
// verdict is kOK and the caller waits for header_end + content_length bytes.
// Framing is only checked when the blank line is reached, i.e. with kWantAll
// or when kWantContentLength was asked for.
#pragma once

#include <sipsteer/abi/counters.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace sipsteer::sip {

// The scanner's verdict; values and labels come from SIPSTEER_SIP_ERROR_X.
enum class ScanError : uint8_t {
#define SIPSTEER_X_ENUM(name, label, help) k##name = SIPSTEER_SIP_##name,
  SIPSTEER_SIP_ERROR_X(SIPSTEER_X_ENUM)
#undef SIPSTEER_X_ENUM
};

// Label for metrics and logs ("ok", "no_call_id", ...).
std::string_view scanErrorLabel(ScanError error) noexcept;

enum class Method : uint8_t {
  kUnknown = 0,  // an extension method: see SipMessage::method_token
  kInvite,
  kAck,
  kBye,
  kCancel,
  kOptions,
  kRegister,
  kPrack,
  kSubscribe,
  kNotify,
  kPublish,
  kInfo,
  kRefer,
  kMessage,
  kUpdate,
};

std::string_view methodName(Method method) noexcept;

// [offset, offset + length) inside the scanned message. Messages are at most
// 65535 bytes (UDP), so 16-bit offsets suffice.
struct Slice {
  uint16_t offset = 0;
  uint16_t length = 0;

  bool empty() const noexcept { return length == 0; }
  std::string_view in(std::span<const uint8_t> message) const noexcept {
    return {reinterpret_cast<const char*>(message.data()) + offset, length};
  }
};

// What the scanner wants to find; scan() returns as soon as every wanted
// field is found, without validating the rest (the fast path asks for little).
// The start line is always parsed and validated. In early-exit mode:
//  - a header line whose name is not a still-wanted header (long or compact
//    form, any case, followed by ':' or WSP) is skipped without validation:
//    no name or character checks, no duplicate detection;
//  - header_end is 0 unless the scan reached the blank line; body_length is
//    0 unless it did and kWantContentLength was asked for; via_count counts
//    only the Via values read before the exit;
//  - Call-ID, CSeq, Via (requests) and From/To are mandatory when wanted:
//    reaching the blank line without them is an error (kNO_CALL_ID,
//    kBAD_CSEQ, kNO_VIA, kBAD_FROM_TO). Content-Length, Max-Forwards and
//    Retry-After are optional: absence is kOK with the `found` bit clear.
// kWantAll scans every line: each name must be a token followed by a colon,
// no control character outside quoted-pairs, no duplicate Call-ID, CSeq,
// From, To, Content-Length or Max-Forwards, Call-ID made of word chars, and
// every mandatory header present.
enum Want : uint32_t {
  kWantCallId = 1u << 0,
  kWantCSeq = 1u << 1,
  kWantVia = 1u << 2,
  kWantFromTo = 1u << 3,
  kWantContentLength = 1u << 4,
  kWantMaxForwards = 1u << 5,
  kWantRetryAfter = 1u << 6,
  // Scan every header line and validate the whole header section.
  kWantAll = 0xffffffffu,
};

struct ScanOptions {
  uint32_t want = kWantAll;
  uint16_t max_header_lines = 128;  // more is kTOO_MANY_HEADERS
  uint16_t max_line_length = 4096;  // longer (after unfolding) is kLINE_TOO_LONG
  bool datagram = true;             // UDP: a short body is kBODY_TRUNCATED
};

struct SipMessage {
  bool is_request = false;
  Method method = Method::kUnknown;  // requests only
  Slice method_token;                // requests: the method as sent
  Slice request_uri;                 // requests
  uint16_t status_code = 0;          // responses: 100..699
  Slice reason_phrase;               // responses

  Slice call_id;  // value, surrounding whitespace trimmed

  Slice via_transport;  // top Via: "UDP", "TCP", ...
  Slice via_sent_by;    // top Via: host[:port] as sent (IPv6 with brackets)
  Slice via_branch;     // top Via branch parameter value
  Slice via_received;   // top Via received parameter value
  bool via_rport = false;       // top Via has an rport parameter
  int32_t via_rport_value = -1;  // its value, -1 if absent or empty
  uint16_t via_count = 0;        // Via values (comma-separated count); complete with kWantAll

  uint32_t cseq_number = 0;  // 0 .. 2^32-1 (larger is kBAD_CSEQ)
  Method cseq_method = Method::kUnknown;
  Slice cseq_method_token;

  Slice from_tag;  // tag parameter of From (empty if none)
  Slice to_tag;    // tag parameter of To (empty if none: out-of-dialog request)

  int32_t content_length = -1;  // -1 if absent
  int16_t max_forwards = -1;    // -1 if absent
  int32_t retry_after = -1;     // seconds, -1 if absent (comment/params ignored)

  uint16_t header_end = 0;   // offset of the first body byte (after the blank line)
  uint16_t body_length = 0;  // see "Body framing" above; 0 until header_end is known
  uint16_t header_lines = 0; // header fields seen (unfolded), when the scan ended
  uint32_t found = 0;        // Want bits of the fields actually found
};

// Scans `message`. kOK when every wanted field was found (or, with kWantAll,
// the whole header section is valid). `out` is reset first.
ScanError scan(std::span<const uint8_t> message, SipMessage& out,
               const ScanOptions& options = {}) noexcept;

// What the fast path needs to steer a message (dataplane/src/runtime/
// pipeline.cc): request or response, the request method (ACK expects no
// answer, BYE shortens the affinity), the status code and the CSeq method of
// a response (a final answer to INVITE confirms or ends the dialog), and the
// Call-ID (the affinity key).
struct SteeringFields {
  bool is_request = false;
  Method method = Method::kUnknown;       // requests
  uint16_t status_code = 0;               // responses: 100..699
  Method cseq_method = Method::kUnknown;  // responses only
  uint32_t cseq_number = 0;               // responses only
  Slice call_id;                          // value, surrounding whitespace trimmed
};

// The fast path's entry point: finds exactly the SteeringFields and stops.
// Same safety contract as scan() (bounded, allocation-free, never reads
// outside `message`), and on a message scan() with kWantAll accepts it
// returns kOK with the same values. It checks less than scan() does:
//  - the start line is parsed and validated as scan() does (early exit);
//  - requests: the scan stops at the first Call-ID line; CSeq is not read
//    (scan() with kWantCSeq would also check that its method matches the
//    request's; the fast path only needs the start line's method);
//  - responses: it stops once Call-ID and CSeq are both found;
//  - lines whose first two bytes cannot start "Call-ID"/"i" (or "CSeq")
//    are skipped at the cost of finding their LF: no length, name or
//    folding checks on them; a continuation line (leading SP/HTAB) is not
//    counted;
//  - limits: more than ScanOptions{}.max_header_lines header lines before
//    the wanted ones is kTOO_MANY_HEADERS, a start line or wanted line
//    longer than ScanOptions{}.max_line_length is kLINE_TOO_LONG.
// Errors: those of the start line, kEMPTY, kTOO_LARGE, kTRUNCATED (no LF
// ends a needed line), kBAD_HEADER_LINE (first header line starts with
// WSP, or a wanted name without a colon), kNO_CALL_ID (empty value, or the
// blank line reached without one), kBAD_CSEQ (responses: malformed, or the
// blank line reached without one).
ScanError scanForSteering(std::span<const uint8_t> message, SteeringFields& out) noexcept;

namespace detail {
// How scanForSteering skips the header lines it only counts: kAuto is its
// per-process choice (AVX2 where the CPU has it, else SSE2 on x86, else line
// by line). The others are for tests, which run every one the machine
// supports against the others; an unavailable one runs kAuto.
enum class SteeringSkip : uint8_t { kAuto, kLineByLine, kSse2, kAvx2 };
bool steeringSkipAvailable(SteeringSkip skip) noexcept;
ScanError scanForSteeringWith(SteeringSkip skip, std::span<const uint8_t> message,
                              SteeringFields& out) noexcept;
}  // namespace detail

// One header line as iterated by HeaderCursor.
struct HeaderLine {
  Slice name;   // header name as sent ("Call-ID", "i", ...)
  Slice value;  // value, outer whitespace trimmed; may contain folded CRLF+WSP
  Slice line;   // the whole line(s) including the terminating line end
};

// Iterates the header lines after the start line, unfolding continuation
// lines into one HeaderLine. Used where whole lines are copied (503 synthesis).
class HeaderCursor {
 public:
  explicit HeaderCursor(std::span<const uint8_t> message) noexcept;
  // Next header line; false at the blank line, at the end of the buffer, or
  // on a malformed line (then error() says why: kTRUNCATED when the buffer
  // ends before the blank line, kBAD_HEADER_LINE for a line without a token
  // name and a colon; kEMPTY/kTOO_LARGE/kTRUNCATED from the start line).
  // It checks framing only; scan() is the validator.
  bool next(HeaderLine& line) noexcept;
  ScanError error() const noexcept { return error_; }
  // Offset just after the blank line once next() returned false cleanly.
  uint16_t bodyOffset() const noexcept { return body_offset_; }

 private:
  std::span<const uint8_t> message_;
  uint32_t position_ = 0;
  uint16_t body_offset_ = 0;
  ScanError error_ = ScanError::kOK;
};

// True if `name` (as sent) is the header `canonical` or its compact form, e.g.
// headerIs("i", "Call-ID") and headerIs("call-id", "Call-ID") are true.
// Compact forms known: a b c d e f i j k l m n o r s t u v x y (RFC 3261,
// 3265, 3515, 3841, 3892, 4028, 4474). Either argument may be compact.
bool headerIs(std::string_view name, std::string_view canonical) noexcept;

}  // namespace sipsteer::sip

// Fuzz target: whatever the bytes, scan(), scanForSteering() (each of its
// line-skipping paths) and HeaderCursor stay inside the input, report
// consistent results, and agree with each other.
#include <sipsteer/core/sip_scanner.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

using namespace sipsteer::sip;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void checkSlice(Slice s, size_t size) { check(size_t{s.offset} + s.length <= size); }

void checkMessage(const SipMessage& m, size_t size, ScanError err, const ScanOptions& o) {
  for (Slice s : {m.method_token, m.request_uri, m.reason_phrase, m.call_id, m.via_transport,
                  m.via_sent_by, m.via_branch, m.via_received, m.cseq_method_token, m.from_tag,
                  m.to_tag})
    checkSlice(s, size);
  check(m.header_end <= size);
  check(static_cast<unsigned>(err) < SIPSTEER_SIP_ERROR_COUNT);
  check(m.header_lines <= o.max_header_lines + 1u);
  check(m.max_forwards >= -1 && m.max_forwards <= 255);
  check(m.content_length >= -1 && m.content_length <= 65535);
  check(m.via_rport_value >= -1 && m.via_rport_value <= 65535);
  check(m.retry_after >= -1);
  if (err != ScanError::kOK) return;
  if (m.is_request) {
    check(!m.method_token.empty() && !m.request_uri.empty());
    check(m.status_code == 0);
  } else {
    check(m.status_code >= 100 && m.status_code <= 699);
  }
  if (o.want == kWantAll) {
    // A clean full scan found every mandatory header and the blank line.
    check(m.header_end > 0 && !m.call_id.empty());
    check((m.found & (kWantCallId | kWantCSeq | kWantFromTo)) ==
          (kWantCallId | kWantCSeq | kWantFromTo));
    check(!m.is_request || (m.found & kWantVia));
    check(m.via_count >= 1 || !m.is_request);
    check(size_t{m.header_end} + m.body_length <= size || !o.datagram);
  }
  if ((m.found & o.want) != (o.want & 0x7f) && o.want != kWantAll) {
    // Early exit cannot report kOK with a mandatory want missing.
    const uint32_t mandatory = kWantCallId | kWantCSeq | kWantFromTo;
    check((o.want & mandatory & ~m.found) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy: ASan flags a read of even one byte past it.
  uint8_t* copy = new uint8_t[size > 0 ? size : 1];
  if (size > 0) std::memcpy(copy, data, size);
  const std::span<const uint8_t> message(copy, size);

  const uint32_t wants[] = {kWantAll, kWantCallId | kWantCSeq, kWantCallId, kWantVia,
                            kWantFromTo | kWantContentLength, kWantMaxForwards | kWantRetryAfter,
                            0};
  SipMessage all{};
  ScanError all_err = ScanError::kOK;
  for (uint32_t w : wants) {
    ScanOptions o;
    o.want = w;
    SipMessage m;
    const ScanError err = scan(message, m, o);
    checkMessage(m, size, err, o);
    if (w == kWantAll) {
      all = m;
      all_err = err;
    } else if (all_err == ScanError::kOK && err == ScanError::kOK) {
      // The fast path reads the same bytes: on a valid message it must agree.
      if (w & kWantCallId) check(m.call_id.offset == all.call_id.offset && m.call_id.length == all.call_id.length);
      if (w & kWantCSeq) check(m.cseq_number == all.cseq_number);
      if (w & kWantVia) check(m.via_branch.offset == all.via_branch.offset);
    } else if (all_err == ScanError::kOK && w != 0) {
      check(false);  // a message valid as a whole cannot fail a partial scan
    }
  }
  // The fast path's entry: in bounds, a known verdict, and on a message the
  // full scan accepts, the same fields.
  SteeringFields f;
  const ScanError steer_err = scanForSteering(message, f);
  check(static_cast<unsigned>(steer_err) < SIPSTEER_SIP_ERROR_COUNT);
  checkSlice(f.call_id, size);
  if (steer_err == ScanError::kOK) {
    check(!f.call_id.empty());
    check(f.is_request ? f.status_code == 0 : (f.status_code >= 100 && f.status_code <= 699));
  }
  // Every way of stepping over counted lines (AVX2, SSE2 block masks) gives
  // exactly what the line-by-line loop gives, on every input.
  SteeringFields by_line;
  const ScanError by_line_err = detail::scanForSteeringWith(detail::SteeringSkip::kLineByLine, message, by_line);
  for (const auto skip : {detail::SteeringSkip::kSse2, detail::SteeringSkip::kAvx2}) {
    if (!detail::steeringSkipAvailable(skip)) continue;
    SteeringFields g;
    check(detail::scanForSteeringWith(skip, message, g) == by_line_err);
    check(g.is_request == by_line.is_request && g.method == by_line.method &&
          g.status_code == by_line.status_code && g.cseq_method == by_line.cseq_method &&
          g.cseq_number == by_line.cseq_number && g.call_id.offset == by_line.call_id.offset &&
          g.call_id.length == by_line.call_id.length);
  }
  check(steer_err == by_line_err);
  if (all_err == ScanError::kOK) {
    check(steer_err == ScanError::kOK);
    check(f.call_id.offset == all.call_id.offset && f.call_id.length == all.call_id.length);
    check(f.is_request == all.is_request && f.method == all.method && f.status_code == all.status_code);
    if (!f.is_request) check(f.cseq_method == all.cseq_method && f.cseq_number == all.cseq_number);
  }

  ScanOptions tight;
  tight.max_header_lines = 3;
  tight.max_line_length = 40;
  tight.datagram = false;
  SipMessage t;
  checkMessage(t, size, scan(message, t, tight), tight);

  HeaderCursor cursor(message);
  HeaderLine line;
  uint32_t previous_end = 0;
  while (cursor.next(line)) {
    checkSlice(line.line, size);
    checkSlice(line.name, size);
    checkSlice(line.value, size);
    check(!line.name.empty());
    check(line.line.offset >= previous_end);
    check(line.name.offset == line.line.offset);
    check(line.value.offset >= line.name.offset + line.name.length);
    check(line.value.offset + line.value.length <= line.line.offset + line.line.length);
    previous_end = line.line.offset + line.line.length;
  }
  check(cursor.bodyOffset() <= size);
  if (cursor.error() == ScanError::kOK && size > 0 && size <= 65535) {
    check(cursor.bodyOffset() > 0);
  }
  if (all_err == ScanError::kOK) {
    // The cursor walks the same header section scan() validated.
    check(cursor.error() == ScanError::kOK && cursor.bodyOffset() == all.header_end);
  }
  delete[] copy;
  return 0;
}

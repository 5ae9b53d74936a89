// The scanner's contract beyond single fields: the Want early exit, never
// reading past the span (every prefix of every message, in exactly-sized
// heap buffers so ASan sees an overread), HeaderCursor and headerIs().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/common/sip_scan_support.h"

namespace sipsteer::sip {
namespace {

using testing::crlf;
using testing::ExactBuffer;
using testing::want;

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710\n"
    "CSeq: 314159 INVITE\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\n"
    "Content-Type: application/sdp\n"
    "Content-Length: 4\n"
    "\n"
    "v=0\n";

TEST(SipScannerWantTest, ReturnsAsSoonAsWantedFieldsAreFound) {
  // Garbage after CSeq: the fast path never looks at it, kWantAll does.
  const ExactBuffer b(
      crlf("OPTIONS sip:a@b SIP/2.0\nCall-ID: fast@x\nCSeq: 7 OPTIONS\n"
           "this is not a header\nCSeq: 8 OPTIONS\n"));
  SipMessage m;
  ASSERT_EQ(scan(b.span(), m, want(kWantCallId | kWantCSeq)), ScanError::kOK);
  EXPECT_EQ(b.get(m.call_id), "fast@x");
  EXPECT_EQ(m.cseq_number, 7u);
  EXPECT_EQ(m.found, uint32_t{kWantCallId | kWantCSeq});
  EXPECT_EQ(m.header_end, 0);
  EXPECT_EQ(m.header_lines, 2);
  EXPECT_EQ(scan(b.span(), m), ScanError::kBAD_HEADER_LINE);
}

TEST(SipScannerWantTest, SkipsLinesThatCannotHoldWantedFields) {
  // "Subject" and "Xyz" start with letters no wanted header starts with, so
  // their malformation is not seen.
  const ExactBuffer skipped(crlf("OPTIONS sip:a@b SIP/2.0\nXyz no colon\nSubject\nCall-ID: x\n\n"));
  SipMessage m;
  EXPECT_EQ(scan(skipped.span(), m, want(kWantCallId)), ScanError::kOK);
  EXPECT_EQ(scan(skipped.span(), m), ScanError::kBAD_HEADER_LINE);
  const ExactBuffer read(crlf("OPTIONS sip:a@b SIP/2.0\nCxyz no colon\nCall-ID: x\n\n"));
  EXPECT_EQ(scan(read.span(), m, want(kWantCallId)), ScanError::kOK);
  // Lines are matched against the wanted names in place; a line that names
  // none of them is not validated either, but a known name must have its colon.
  EXPECT_EQ(scan(read.span(), m), ScanError::kBAD_HEADER_LINE);
  const ExactBuffer known(crlf("OPTIONS sip:a@b SIP/2.0\nCall-ID x\nCall-ID: x\n\n"));
  EXPECT_EQ(scan(known.span(), m, want(kWantCallId)), ScanError::kBAD_HEADER_LINE);
  // Non-letter first bytes are skipped too (and rejected by kWantAll).
  const ExactBuffer digit(crlf("OPTIONS sip:a@b SIP/2.0\n1x\nCall-ID: x\n\n"));
  EXPECT_EQ(scan(digit.span(), m, want(kWantCallId)), ScanError::kOK);
  EXPECT_EQ(scan(digit.span(), m), ScanError::kBAD_HEADER_LINE);
}

TEST(SipScannerWantTest, StartLineIsAlwaysValidated) {
  const ExactBuffer b(crlf("INVITE sip:a@b SIP/3.0\nCall-ID: x\nCSeq: 1 INVITE\n\n"));
  SipMessage m;
  EXPECT_EQ(scan(b.span(), m, want(kWantCallId)), ScanError::kBAD_VERSION);
  const ExactBuffer ok(crlf("INVITE sip:a@b SIP/2.0\ngarbage\n"));
  EXPECT_EQ(scan(ok.span(), m, want(0)), ScanError::kOK);
  EXPECT_EQ(m.method, Method::kInvite);
  EXPECT_EQ(m.header_lines, 0);
}

TEST(SipScannerWantTest, MandatoryAndOptionalWants) {
  const ExactBuffer b(crlf(kInvite));
  SipMessage m;
  // Optional fields that are absent: kOK, bit clear, whole header section read.
  EXPECT_EQ(scan(b.span(), m, want(kWantCallId | kWantRetryAfter)), ScanError::kOK);
  EXPECT_EQ(m.found & kWantRetryAfter, 0u);
  EXPECT_TRUE(m.found & kWantCallId);
  EXPECT_EQ(m.header_end, b.size - 5);
  EXPECT_EQ(m.body_length, 0) << "framing is only reported when Content-Length was wanted";
  EXPECT_EQ(scan(b.span(), m, want(kWantRetryAfter | kWantContentLength)), ScanError::kOK);
  EXPECT_EQ(m.body_length, 4);

  const ExactBuffer no_call_id(crlf("INVITE sip:a@b SIP/2.0\nCSeq: 1 INVITE\n\n"));
  EXPECT_EQ(scan(no_call_id.span(), m, want(kWantCallId)), ScanError::kNO_CALL_ID);
  EXPECT_EQ(scan(no_call_id.span(), m, want(kWantCSeq)), ScanError::kOK);
  EXPECT_EQ(scan(no_call_id.span(), m, want(kWantVia)), ScanError::kNO_VIA);
  EXPECT_EQ(scan(no_call_id.span(), m, want(kWantFromTo)), ScanError::kBAD_FROM_TO);
  EXPECT_EQ(scan(no_call_id.span(), m, want(kWantMaxForwards)), ScanError::kOK);
  const ExactBuffer no_cseq(crlf("INVITE sip:a@b SIP/2.0\nCall-ID: x\n\n"));
  EXPECT_EQ(scan(no_cseq.span(), m, want(kWantCSeq)), ScanError::kBAD_CSEQ);
}

TEST(SipScannerWantTest, EachWantBitFindsItsField) {
  const ExactBuffer b(crlf(kInvite));
  SipMessage m;
  const uint32_t bits[] = {kWantCallId, kWantCSeq, kWantVia, kWantFromTo, kWantContentLength,
                           kWantMaxForwards};
  for (uint32_t bit : bits) {
    ASSERT_EQ(scan(b.span(), m, want(bit)), ScanError::kOK) << bit;
    EXPECT_TRUE(m.found & bit) << bit;
    EXPECT_EQ(m.header_end, 0) << "stopped before the blank line: " << bit;
  }
  ASSERT_EQ(scan(b.span(), m, want(kWantVia | kWantFromTo)), ScanError::kOK);
  EXPECT_EQ(b.get(m.via_branch), "z9hG4bKnashds8");
  EXPECT_EQ(b.get(m.from_tag), "1928301774");
  EXPECT_EQ(m.header_end, 0) << "returned before the blank line";
}

TEST(SipScannerWantTest, TruncatedBeforeWantedFieldsIsAnError) {
  const std::string text = crlf(kInvite);
  const ExactBuffer b(text.substr(0, text.find("Call-ID")));
  SipMessage m;
  EXPECT_EQ(scan(b.span(), m, want(kWantCallId)), ScanError::kTRUNCATED);
  EXPECT_EQ(b.get(m.via_branch), "");
  // ... but fields found before the end stay filled in.
  EXPECT_EQ(scan(b.span(), m, want(kWantCallId | kWantVia)), ScanError::kTRUNCATED);
  EXPECT_EQ(b.get(m.via_branch), "z9hG4bKnashds8");
}

std::vector<std::string> corpus() {
  std::vector<std::string> messages = {crlf(kInvite), std::string(kInvite)};
  for (const auto& path : testing::rfc4475Files()) messages.push_back(testing::readFile(path));
  return messages;
}

void expectInside(const SipMessage& m, size_t size, const std::string& what) {
  const Slice slices[] = {m.method_token, m.request_uri, m.reason_phrase, m.call_id,
                          m.via_transport, m.via_sent_by, m.via_branch, m.via_received,
                          m.cseq_method_token, m.from_tag, m.to_tag};
  for (const Slice& s : slices) ASSERT_LE(size_t{s.offset} + s.length, size) << what;
  ASSERT_LE(m.header_end, size) << what;
}

TEST(SipScannerRobustnessTest, EveryPrefixOfEveryMessage) {
  const ScanOptions modes[] = {want(kWantAll), want(kWantCallId | kWantCSeq), want(kWantVia),
                               want(kWantFromTo | kWantContentLength)};
  size_t scans = 0;
  for (const std::string& message : corpus()) {
    const ExactBuffer whole(message);
    SipMessage full;
    const ScanError verdict = scan(whole.span(), full);
    for (size_t n = 0; n <= message.size(); ++n) {
      const ExactBuffer prefix(std::string_view(message).substr(0, n));
      for (const ScanOptions& o : modes) {
        SipMessage m;
        const ScanError err = scan(prefix.span(), m, o);
        ++scans;
        const std::string what = message.substr(0, 40) + " @" + std::to_string(n);
        expectInside(m, n, what);
        if (o.want != kWantAll) continue;
        // A prefix that ends before the header section does cannot be kOK;
        // once the headers are complete, only the body can be short.
        if (verdict == ScanError::kOK && n < full.header_end) {
          ASSERT_NE(err, ScanError::kOK) << what;
        }
        if (verdict == ScanError::kOK && n >= full.header_end) {
          const bool body_complete = full.content_length < 0 ||
                                     n >= size_t{full.header_end} + size_t(full.content_length);
          ASSERT_EQ(err, body_complete ? ScanError::kOK : ScanError::kBODY_TRUNCATED) << what;
        }
      }
    }
  }
  EXPECT_GT(scans, 10000u);
}

TEST(SipScannerRobustnessTest, SingleByteCorruptionsNeverEscapeTheSpan) {
  // Every position replaced by bytes that matter to the scanner.
  const std::string base = crlf(kInvite);
  const char bytes[] = {'\0', '\r', '\n', ' ', '\t', ':', ';', ',', '"', '<', '>', '\\', '[', '\x7f', '\xff'};
  for (size_t i = 0; i < base.size(); ++i) {
    for (char c : bytes) {
      std::string text = base;
      text[i] = c;
      const ExactBuffer b(text);
      for (uint32_t w : {uint32_t{kWantAll}, uint32_t{kWantCallId | kWantCSeq}}) {
        SipMessage m;
        (void)scan(b.span(), m, want(w));
        expectInside(m, b.size, std::to_string(i));
      }
      HeaderCursor cursor(b.span());
      HeaderLine line;
      int lines = 0;
      while (cursor.next(line)) {
        ASSERT_LE(size_t{line.line.offset} + line.line.length, b.size);
        ASSERT_LE(size_t{line.value.offset} + line.value.length, b.size);
        ASSERT_LT(++lines, 100);
      }
    }
  }
}

TEST(SipScannerRobustnessTest, LinesLongerThanTheSearchBlock) {
  // Line ends are found 64 bytes at a time: lines of every length around
  // and beyond a block, at every alignment, must still split correctly.
  for (size_t pad = 0; pad < 70; ++pad) {
    for (size_t len : {60u, 63u, 64u, 65u, 127u, 128u, 129u, 300u}) {
      const std::string text = crlf("OPTIONS sip:a@b SIP/2.0\nX-Pad: " + std::string(pad, 'p') +
                                    "\nSubject: " + std::string(len, 's') +
                                    "\nCall-ID: x@y\nCSeq: 1 OPTIONS\nVia: SIP/2.0/UDP h\n"
                                    "From: <sip:a@b>;tag=1\nTo: <sip:a@b>\n\n");
      const ExactBuffer b(text);
      SipMessage m;
      ASSERT_EQ(scan(b.span(), m), ScanError::kOK) << pad << " " << len;
      EXPECT_EQ(b.get(m.call_id), "x@y");
      EXPECT_EQ(m.header_lines, 7);
      EXPECT_EQ(m.header_end, b.size);
      ASSERT_EQ(scan(b.span(), m, want(kWantCallId | kWantCSeq)), ScanError::kOK);
      EXPECT_EQ(b.get(m.call_id), "x@y");
    }
  }
}

TEST(HeaderCursorTest, IteratesUnfoldedLines) {
  const ExactBuffer b(
      crlf("INVITE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
           "Subject:  folded\n  value  \ni:x@y\nTo :\t<sip:a@b>\n\nbody"));
  HeaderCursor cursor(b.span());
  HeaderLine line;
  struct Want {
    std::string_view name, value, line;
  } expected[] = {
      {"Via", "SIP/2.0/UDP h;branch=z9hG4bK1", "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"},
      {"Subject", "folded\r\n  value", "Subject:  folded\r\n  value  \r\n"},
      {"i", "x@y", "i:x@y\r\n"},
      {"To", "<sip:a@b>", "To :\t<sip:a@b>\r\n"},
  };
  for (const Want& w : expected) {
    ASSERT_TRUE(cursor.next(line)) << w.name;
    EXPECT_EQ(b.get(line.name), w.name);
    EXPECT_EQ(b.get(line.value), w.value);
    EXPECT_EQ(b.get(line.line), w.line);
  }
  EXPECT_FALSE(cursor.next(line));
  EXPECT_EQ(cursor.error(), ScanError::kOK);
  EXPECT_EQ(cursor.bodyOffset(), b.size - 4);
  EXPECT_FALSE(cursor.next(line)) << "stays finished";
}

TEST(HeaderCursorTest, LfOnlyAndLeadingLineEnds) {
  const ExactBuffer b("\r\nOPTIONS sip:a@b SIP/2.0\nCall-ID: x\n\n");
  HeaderCursor cursor(b.span());
  HeaderLine line;
  ASSERT_TRUE(cursor.next(line));
  EXPECT_EQ(b.get(line.line), "Call-ID: x\n");
  EXPECT_FALSE(cursor.next(line));
  EXPECT_EQ(cursor.error(), ScanError::kOK);
  EXPECT_EQ(cursor.bodyOffset(), b.size);
}

TEST(HeaderCursorTest, Errors) {
  HeaderLine line;
  {
    const ExactBuffer b(crlf("OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nno colon\n\n"));
    HeaderCursor cursor(b.span());
    EXPECT_TRUE(cursor.next(line));
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kBAD_HEADER_LINE);
    EXPECT_EQ(cursor.bodyOffset(), 0);
  }
  {
    const ExactBuffer b(crlf("OPTIONS sip:a@b SIP/2.0\nCall-ID: x\n"));
    HeaderCursor cursor(b.span());
    EXPECT_TRUE(cursor.next(line));
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kTRUNCATED);
  }
  {
    const ExactBuffer b("OPTIONS sip:a@b SIP/2.0");
    HeaderCursor cursor(b.span());
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kTRUNCATED);
  }
  {
    const ExactBuffer b("\r\n\r\n");
    HeaderCursor cursor(b.span());
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kEMPTY);
  }
  {
    const ExactBuffer b(std::string(70000, 'x'));
    HeaderCursor cursor(b.span());
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kTOO_LARGE);
  }
  {
    const ExactBuffer b(crlf("OPTIONS sip:a@b SIP/2.0\n Call-ID: x\n\n"));
    HeaderCursor cursor(b.span());
    EXPECT_FALSE(cursor.next(line));
    EXPECT_EQ(cursor.error(), ScanError::kBAD_HEADER_LINE);
  }
}

TEST(HeaderCursorTest, FindsTheLinesA503Copies) {
  // What 503 synthesis does: copy Via/From/To/Call-ID/CSeq lines verbatim.
  const ExactBuffer b(crlf(kInvite));
  HeaderCursor cursor(b.span());
  HeaderLine line;
  std::string copied;
  while (cursor.next(line)) {
    const std::string_view name = b.get(line.name);
    for (std::string_view h : {"Via", "From", "To", "Call-ID", "CSeq"})
      if (headerIs(name, h)) copied += b.get(line.line);
  }
  EXPECT_EQ(copied, crlf("Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\n"
                         "To: Bob <sip:bob@biloxi.example.com>\n"
                         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
                         "Call-ID: a84b4c76e66710\n"
                         "CSeq: 314159 INVITE\n"));
}

TEST(HeaderIsTest, LongCompactAndCase) {
  EXPECT_TRUE(headerIs("Call-ID", "Call-ID"));
  EXPECT_TRUE(headerIs("call-id", "Call-ID"));
  EXPECT_TRUE(headerIs("CALL-ID", "call-id"));
  EXPECT_TRUE(headerIs("i", "Call-ID"));
  EXPECT_TRUE(headerIs("I", "Call-ID"));
  EXPECT_TRUE(headerIs("Call-ID", "i"));
  EXPECT_TRUE(headerIs("v", "Via"));
  EXPECT_TRUE(headerIs("f", "From"));
  EXPECT_TRUE(headerIs("t", "To"));
  EXPECT_TRUE(headerIs("l", "Content-Length"));
  EXPECT_TRUE(headerIs("m", "Contact"));
  EXPECT_TRUE(headerIs("c", "Content-Type"));
  EXPECT_TRUE(headerIs("e", "content-encoding"));
  EXPECT_TRUE(headerIs("s", "Subject"));
  EXPECT_TRUE(headerIs("k", "Supported"));
  EXPECT_TRUE(headerIs("o", "Event"));
  EXPECT_TRUE(headerIs("r", "Refer-To"));
  EXPECT_TRUE(headerIs("x", "Session-Expires"));
  EXPECT_TRUE(headerIs("X-Custom", "x-custom"));
  EXPECT_FALSE(headerIs("i", "Via"));
  EXPECT_FALSE(headerIs("Call-IDs", "Call-ID"));
  EXPECT_FALSE(headerIs("Call_ID", "Call-ID"));
  EXPECT_FALSE(headerIs("Call\rID", "Call-ID"));
  EXPECT_FALSE(headerIs("", "Call-ID"));
  EXPECT_FALSE(headerIs("g", "Call-ID"));
  EXPECT_FALSE(headerIs("m", "Max-Forwards"));
  EXPECT_TRUE(headerIs("q", "q")) << "an unknown single letter is itself";
}

}  // namespace
}  // namespace sipsteer::sip

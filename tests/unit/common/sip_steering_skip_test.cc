// scanForSteering's ways of stepping over counted header lines (64-byte LF
// masks from AVX2 or SSE2, sip_line_skip.h) against the line-by-line loop
// they replace: on every input the same ScanError and the same fields. The
// inputs put the lines the skip must stop at (Call-ID, CSeq, blank line,
// continuation, lookalike names, the line limit, the last line) at every
// offset modulo 64, so each lands on both sides of a block edge. Messages
// sit in exactly sized heap buffers: ASan reports any read past the span.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/guard_pages.h"
#include "unit/common/sip_scan_support.h"

namespace sipsteer::sip {
namespace {

using ::sipsteer::testing::GuardedPages;

using detail::SteeringSkip;
using testing::crlf;

constexpr int kMaxLines = ScanOptions{}.max_header_lines;

struct Steered {
  ScanError err = ScanError::kOK;
  SteeringFields f;
  std::string call_id;
};

Steered runPath(SteeringSkip path, std::string_view bytes) {
  const testing::ExactBuffer buffer(bytes);
  Steered s;
  s.err = detail::scanForSteeringWith(path, buffer.span(), s.f);
  s.call_id = std::string(buffer.get(s.f.call_id));
  return s;
}

// The bytes with line ends and control bytes made visible, for failure output.
std::string visible(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\x" + std::to_string(static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

const char* pathName(SteeringSkip path) {
  switch (path) {
    case SteeringSkip::kAuto: return "auto";
    case SteeringSkip::kLineByLine: return "line-by-line";
    case SteeringSkip::kSse2: return "sse2";
    case SteeringSkip::kAvx2: return "avx2";
  }
  return "?";
}

// Runs every path this machine has and checks each against the
// line-by-line reference; returns the reference's result.
Steered agreed(std::string_view bytes) {
  const Steered ref = runPath(SteeringSkip::kLineByLine, bytes);
  for (const SteeringSkip path : {SteeringSkip::kSse2, SteeringSkip::kAvx2, SteeringSkip::kAuto}) {
    if (!detail::steeringSkipAvailable(path)) continue;
    const Steered s = runPath(path, bytes);
    const bool same = s.err == ref.err && s.f.is_request == ref.f.is_request &&
                      s.f.method == ref.f.method && s.f.status_code == ref.f.status_code &&
                      s.f.cseq_method == ref.f.cseq_method && s.f.cseq_number == ref.f.cseq_number &&
                      s.f.call_id.offset == ref.f.call_id.offset &&
                      s.f.call_id.length == ref.f.call_id.length;
    EXPECT_TRUE(same) << pathName(path) << " gave " << scanErrorLabel(s.err) << " call_id \"" << s.call_id
                      << "\" cseq " << s.f.cseq_number << ", line by line " << scanErrorLabel(ref.err)
                      << " call_id \"" << ref.call_id << "\" cseq " << ref.f.cseq_number << " on ("
                      << bytes.size() << " bytes):\n"
                      << visible(bytes);
    if (!same) break;
  }
  return ref;
}

TEST(SipSteeringSkipTest, BlockPathsExistOnX86) {
#if defined(__x86_64__)
  EXPECT_TRUE(detail::steeringSkipAvailable(SteeringSkip::kSse2));
  if (!detail::steeringSkipAvailable(SteeringSkip::kAvx2))
    GTEST_SKIP() << "no AVX2 on this CPU: only the SSE2 path is compared";
#else
  GTEST_SKIP() << "no block paths off x86-64";
#endif
}

// "Via: ..." of 20 + pad bytes before the line end: shifts everything after
// it by one byte per pad step.
std::string paddedVia(size_t pad) {
  return "Via: SIP/2.0/UDP h;b=" + std::string(pad, 'x') + "\n";
}

TEST(SipSteeringSkipTest, CallIdAtEveryOffsetModulo64) {
  for (size_t pad = 0; pad < 130; ++pad) {
    const std::string id = "id-" + std::to_string(pad);
    const std::string head = "OPTIONS sip:a@b SIP/2.0\n" + paddedVia(pad) + "Max-Forwards: 70\nTo: <sip:b@b>\n";
    for (const std::string& text :
         {head + "Call-ID: " + id + "\nCSeq: 1 OPTIONS\n\n", head + "i:" + id + "\n\n",
          head + "Contact: <sip:a@h>\nCall-Info: <x>\nCALL-ID :\t" + id + "\n"}) {
      for (const std::string& bytes : {crlf(text), text}) {
        const Steered s = agreed(bytes);
        EXPECT_EQ(s.err, ScanError::kOK) << visible(bytes);
        EXPECT_EQ(s.call_id, id);
      }
    }
    // Responses stop at whichever of Call-ID and CSeq comes second.
    const std::string response = "SIP/2.0 200 OK\n" + paddedVia(pad) + "Contact: <sip:a@h>\nCSeq: 7 INVITE\nTo: x\nCall-ID: " + id + "\n\n";
    const Steered r = agreed(crlf(response));
    EXPECT_EQ(r.err, ScanError::kOK);
    EXPECT_EQ(r.f.cseq_number, 7u);
    EXPECT_EQ(r.f.cseq_method, Method::kInvite);
    EXPECT_EQ(r.call_id, id);
  }
}

TEST(SipSteeringSkipTest, HeadersCrossingBlockEdgesInRandomMessages) {
  std::mt19937 random(64);
  const std::vector<std::string> names = {"Via", "Max-Forwards", "To", "From", "Contact", "Content-Length",
                                          "Content-Type", "Call-Info", "CSeq", "X", "cseqx", "Allow", "c",
                                          "Ix", "Record-Route", "Supported"};
  int ok = 0;
  for (int round = 0; round < 3000; ++round) {
    const bool request = random() % 3 != 0;
    const std::string eol = random() % 2 ? "\r\n" : "\n";
    std::string text = (request ? "INVITE sip:b@b SIP/2.0" : "SIP/2.0 180 Ringing") + eol;
    const int before = static_cast<int>(random() % 25);
    bool cseq_seen = false;
    for (int i = 0; i < before; ++i) {
      const std::string& name = names[random() % names.size()];
      cseq_seen |= name == "CSeq";
      text += name + ": " + std::string(random() % 150, static_cast<char>('a' + random() % 26));
      if (random() % 8 == 0) text += eol + (random() % 2 ? " " : "\t") + "call-id: folded";
      text += eol;
    }
    // Appended, not "r" + to_string(): GCC 12 warns -Wrestrict on that form
    // (a false positive, GCC bug 105329), and the build must stay clean.
    std::string id = "r";
    id += std::to_string(round);
    text += (random() % 2 ? "Call-ID: " : "i: ") + id + eol;
    if (!request && !cseq_seen) text += "CSeq: 9 INVITE" + eol;
    text += eol;
    const Steered s = agreed(text);
    if (s.err == ScanError::kOK) {
      EXPECT_EQ(s.call_id, id);
      ++ok;
    }
  }
  EXPECT_GT(ok, 2000);  // most generated messages are valid; errors are compared too
}

TEST(SipSteeringSkipTest, ContinuationLinesNearBlockEdges) {
  for (size_t pad = 0; pad < 130; ++pad) {
    const std::string start = "OPTIONS sip:a@b SIP/2.0\n";
    // A continuation that looks like Call-ID belongs to the line before.
    const Steered fake = agreed(crlf(start + paddedVia(pad) + " call-id: fake\n\tCall-ID: fake2\nCall-ID: real\n\n"));
    EXPECT_EQ(fake.err, ScanError::kOK);
    EXPECT_EQ(fake.call_id, "real");
    // A folded Call-ID value, the fold at every offset.
    const Steered folded = agreed(crlf(start + paddedVia(pad) + "Call-ID:\n  folded-" + std::to_string(pad) + "\n\n"));
    EXPECT_EQ(folded.err, ScanError::kOK);
    EXPECT_EQ(folded.call_id, "folded-" + std::to_string(pad));
    // A folded counted line whose continuation has no line end.
    EXPECT_EQ(agreed(crlf(start + paddedVia(pad)) + " c").err, ScanError::kTRUNCATED);
    // The first header line may not be a continuation, wherever it starts.
    const std::string long_start = "OPTIONS sip:" + std::string(pad, 'u') + "@b SIP/2.0\n";
    EXPECT_EQ(agreed(crlf(long_start + " call-id: x\nCall-ID: y\n\n")).err, ScanError::kBAD_HEADER_LINE);
    EXPECT_EQ(agreed(crlf(long_start + "Via: x\n call-id: x\nCall-ID: y\n\n")).err, ScanError::kOK);
  }
}

TEST(SipSteeringSkipTest, BlankLineAtEveryOffset) {
  for (size_t pad = 0; pad < 130; ++pad) {
    // The blank line ends the headers: a Call-ID after it is body.
    const std::string text = "OPTIONS sip:a@b SIP/2.0\n" + paddedVia(pad) + "Contact: <sip:x>\n\nCall-ID: in-body\n";
    EXPECT_EQ(agreed(crlf(text)).err, ScanError::kNO_CALL_ID) << pad;
    EXPECT_EQ(agreed(text).err, ScanError::kNO_CALL_ID) << pad;
    EXPECT_EQ(agreed(crlf("SIP/2.0 200 OK\n" + paddedVia(pad) + "Call-ID: x\n\nCSeq: 1 BYE\n")).err,
              ScanError::kBAD_CSEQ);
    // A CR that is not followed by LF does not make a blank line.
    const Steered cr = agreed(crlf("OPTIONS sip:a@b SIP/2.0\n" + paddedVia(pad)) + "\rX: y\r\nCall-ID: z\r\n\r\n");
    EXPECT_EQ(cr.err, ScanError::kOK);
    EXPECT_EQ(cr.call_id, "z");
  }
}

TEST(SipSteeringSkipTest, LastByteStartsALine) {
  // The skip reads the byte after a 'c' only when it is inside the message.
  for (size_t pad = 0; pad < 130; ++pad) {
    const std::string head = crlf("OPTIONS sip:a@b SIP/2.0\n" + paddedVia(pad));
    for (const char* last : {"c", "C", "i", "\r", " ", "V"}) EXPECT_EQ(agreed(head + last).err, ScanError::kTRUNCATED);
    EXPECT_EQ(agreed(head + "\n").err, ScanError::kNO_CALL_ID);
  }
}

TEST(SipSteeringSkipTest, EveryPathStopsAtAGuardPage) {
  GuardedPages guard;  // bytes before an unreadable page: a read past them faults
  ASSERT_TRUE(guard.ok()) << "mmap/mprotect: " << std::strerror(errno);
  // Messages of 1 to ~250 bytes and all their prefixes, each ending right
  // before the unreadable page: the last (partial) block of every size.
  for (size_t pad = 0; pad < 200; pad += 7) {
    const std::string text = crlf("BYE sip:a@b SIP/2.0\nX: " + std::string(pad, 'p') + "\ni: id\n\n");
    for (size_t n = 1; n <= text.size(); ++n) {
      const std::span<const uint8_t> message = guard.placeAtEnd(std::string_view(text).substr(0, n));
      SteeringFields ref;
      const ScanError ref_err = detail::scanForSteeringWith(SteeringSkip::kLineByLine, message, ref);
      for (const SteeringSkip path : {SteeringSkip::kSse2, SteeringSkip::kAvx2}) {
        if (!detail::steeringSkipAvailable(path)) continue;
        SteeringFields f;
        EXPECT_EQ(detail::scanForSteeringWith(path, message, f), ref_err) << pathName(path) << " " << n;
        EXPECT_EQ(f.call_id.offset, ref.call_id.offset) << pathName(path) << " " << n;
      }
    }
  }
}

// Short lines ("a: 1", 6 bytes): ten or more per block.
std::string manyLines(int count, std::string_view line = "a: 1\r\n") {
  std::string s;
  for (int i = 0; i < count; ++i) s += line;
  return s;
}

TEST(SipSteeringSkipTest, HeaderLineLimitExactlyAtAndAbove) {
  const std::string start = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (size_t pad = 0; pad < 70; ++pad) {
    const std::string lead = start + crlf(paddedVia(pad));  // line 1
    // Call-ID as line max_header_lines is fine, one line later it is not.
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 2) + "Call-ID: x\r\n\r\n").err, ScanError::kOK);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 1) + "Call-ID: x\r\n\r\n").err, ScanError::kTOO_MANY_HEADERS);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines) + "Call-ID: x\r\n\r\n").err, ScanError::kTOO_MANY_HEADERS);
    // Contact lines count like any other; continuations do not count.
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 2, "Contact: c\r\n") + "i: x\r\n").err, ScanError::kOK);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 1, "Contact: c\r\n") + "i: x\r\n").err,
              ScanError::kTOO_MANY_HEADERS);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 2, "b: 2\r\n \t3\r\n") + "Call-ID: x\r\n").err, ScanError::kOK);
    // The line over the limit is counted before its missing LF is noticed;
    // a message that ends right after an LF is truncated, not over the limit.
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 1) + "Via: no end").err, ScanError::kTOO_MANY_HEADERS);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 2) + "Via: no end").err, ScanError::kTRUNCATED);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 1)).err, ScanError::kTRUNCATED);
    // A blank line right at the limit ends the headers first.
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines - 1) + "\r\n").err, ScanError::kNO_CALL_ID);
    EXPECT_EQ(agreed(lead + manyLines(kMaxLines) + "\r\n").err, ScanError::kTOO_MANY_HEADERS);
  }
}

TEST(SipSteeringSkipTest, MessagesAroundOneBlockAndAllTheirPrefixes) {
  // 34 bytes, then grown across the 64- and 128-byte marks one byte at a time.
  for (size_t pad = 0; pad < 100; ++pad) {
    const std::string text = crlf("BYE sip:a@b SIP/2.0\nX: " + std::string(pad, 'p') + "\ni: id\n\n");
    const Steered s = agreed(text);
    EXPECT_EQ(s.err, ScanError::kOK);
    EXPECT_EQ(s.call_id, "id");
    if (pad % 16 == 0 || (text.size() >= 60 && text.size() <= 70)) {
      for (size_t n = 0; n < text.size(); ++n) agreed(std::string_view(text).substr(0, n));
    }
  }
}

TEST(SipSteeringSkipTest, CrOnlyLineEnds) {
  // Only LF ends a line: CR-only "lines" are one long line.
  EXPECT_EQ(agreed("OPTIONS sip:a@b SIP/2.0\rVia: x\rCall-ID: y\r\r").err, ScanError::kTRUNCATED);
  for (size_t pad = 0; pad < 70; ++pad) {
    const std::string start = crlf("OPTIONS sip:a@b SIP/2.0\n" + paddedVia(pad));
    const Steered s = agreed(start + "Max-Forwards: 70\rCall-ID: hidden\rTo: x\r\nCall-ID: seen\r\r\n");
    EXPECT_EQ(s.err, ScanError::kOK);
    EXPECT_EQ(s.call_id, "seen");
    EXPECT_EQ(agreed(start + "Contact: x\r\r\rCall-ID: y\r\r").err, ScanError::kTRUNCATED);
  }
}

// The benchmark's order worst for the skip: Call-ID last, after lines that
// start with 'C' and 'c' lookalikes.
std::string lateCallId() {
  std::string text = "INVITE sip:b@b.example SIP/2.0\n";
  for (int i = 0; i < 4; ++i) text += "Via: SIP/2.0/UDP 198.18.0." + std::to_string(i) + ";branch=z9hG4bK" + std::to_string(i) + "\n";
  text += "Contact: <sip:a@h>\nContent-Type: application/sdp\nCSeq: 1 INVITE\nCall-Info: <x>\ncall-idx: no\nI-Am: no\nCall-ID: late\n\n";
  return crlf(text);
}

TEST(SipSteeringSkipTest, RandomEditsNearWhatTheSkipLooksFor) {
  const std::vector<std::string> seeds = {
      lateCallId(),
      crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nTo: <sip:b@b>;tag=1\nFrom: <sip:a@a>;tag=2\n"
           "Contact: <sip:b@h>\nCSeq: 4 INVITE\nCall-ID: resp@h\nContent-Length: 0\n\n"),
      crlf("OPTIONS sip:a@b SIP/2.0\n" + paddedVia(40) + "Max-Forwards: 70\nCall-ID: o@h\n\n")};
  const std::string alphabet = "\r\n \tcCiIaAsS:x";
  std::mt19937 random(4475);
  for (int round = 0; round < 6000; ++round) {
    std::string text = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = random() % text.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 4) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<long>(at), c); break;
        case 2: text.erase(at, 1); break;
        default: text.resize(at); break;
      }
    }
    agreed(text);
  }
}

// The start line and the first header lines around the first 64-byte
// block's end: request lines of every length around 64 bytes (after 0 to 2
// leading CRLFs), well- and ill-formed, each with Call-ID values spelled
// with and without surrounding whitespace, and their prefixes near the
// 64-byte mark (written for the one-pass scanner of branch vscan, which
// took the request line's SPs from a mask of the first block; kept for the
// block paths, which find those LFs in the same block).
TEST(SipSteeringSkipTest, StartLineAndCallIdValueAroundTheFirstBlock) {
  const std::vector<std::string> values = {"Call-ID: v\n", "Call-ID:v\n", "Call-ID:  \tv \t\n", "call-id: \n",
                                           "CALL-ID:\n v\n", "Call-ID: v\n \n", "Call-ID:\n"};
  for (size_t lead = 0; lead < 3; ++lead) {
    for (size_t uri = 1; uri < 80; ++uri) {
      const std::string u(uri, 'u');
      for (const std::string& start :
           {"OPTIONS sip:" + u + " SIP/2.0\n", "INVITE sip:" + u + "  SIP/2.0\n", "BYE sip:" + u + "\tx SIP/2.0\n",
            "FOO sip:" + u + " SIP/2.0\n", "ACK <sip:" + u + "> SIP/2.0\n", "BYE sip:" + u + " SIP/3.0\n"}) {
        for (const std::string& value : values) {
          const std::string text = std::string(lead, '\n') + start + "Via: x\n" + value + "\n";
          const Steered s = agreed(crlf(text));
          agreed(text);
          if (s.err == ScanError::kOK) {
            EXPECT_EQ(s.call_id.find_first_of(" \t\r\n"), std::string::npos) << s.call_id;
          }
          if (uri % 8 == 0 && value == values[0]) {
            for (size_t n = 55; n < text.size() && n < 90; ++n) agreed(std::string_view(text).substr(0, n));
          }
        }
      }
    }
  }
  // The request line ending exactly at byte 63, 64 and 65 of the message.
  for (size_t len = 60; len < 68; ++len) {
    const std::string start = "OPTIONS sip:" + std::string(len - 21, 'u') + " SIP/2.0\n";
    ASSERT_EQ(start.size(), len);
    const Steered s = agreed(start + "Call-ID: edge\n\n");
    EXPECT_EQ(s.err, ScanError::kOK) << len;
    EXPECT_EQ(s.call_id, "edge");
  }
}

}  // namespace
}  // namespace sipsteer::sip

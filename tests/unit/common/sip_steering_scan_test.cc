// scanForSteering, the fast path's scanner entry: the fields it returns, where
// it stops, and every error it can give. Messages sit in heap buffers of
// exactly their size, so ASan reports any read past the span.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "unit/common/sip_scan_support.h"

namespace sipsteer::sip {
namespace {

using testing::crlf;

struct Steered : testing::ExactBuffer {
  SteeringFields f;
  ScanError err = ScanError::kOK;
};

Steered steerRaw(std::string_view bytes) {
  Steered s{testing::ExactBuffer(bytes)};
  s.err = scanForSteering(s.span(), s.f);
  return s;
}

Steered steer(std::string_view text) { return steerRaw(crlf(text)); }

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 INVITE\n"
    "Content-Length: 0\n"
    "\n";

constexpr std::string_view kOk =
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "CSeq: 314159 INVITE\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "Content-Length: 0\n"
    "\n";

TEST(SipSteeringScanTest, RequestGivesMethodAndCallId) {
  const Steered s = steer(kInvite);
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_TRUE(s.f.is_request);
  EXPECT_EQ(s.f.method, Method::kInvite);
  EXPECT_EQ(s.get(s.f.call_id), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(s.f.status_code, 0);
  // Requests stop at Call-ID: the CSeq after it is not read.
  EXPECT_EQ(s.f.cseq_method, Method::kUnknown);
  EXPECT_EQ(s.f.cseq_number, 0u);
}

TEST(SipSteeringScanTest, ResponseGivesStatusCSeqAndCallIdInAnyOrder) {
  const Steered s = steer(kOk);
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_FALSE(s.f.is_request);
  EXPECT_EQ(s.f.status_code, 200);
  EXPECT_EQ(s.f.cseq_method, Method::kInvite);
  EXPECT_EQ(s.f.cseq_number, 314159u);
  EXPECT_EQ(s.get(s.f.call_id), "a84b4c76e66710@pc33.atlanta.example.com");

  std::string call_id_first(kOk);
  const std::string cseq = "CSeq: 314159 INVITE\n";
  call_id_first.erase(call_id_first.find(cseq), cseq.size());
  call_id_first.insert(call_id_first.find("Content-Length"), "CSeq: 2 BYE\n");
  const Steered t = steer(call_id_first);
  ASSERT_EQ(t.err, ScanError::kOK);
  EXPECT_EQ(t.f.cseq_method, Method::kBye);
  EXPECT_EQ(t.f.cseq_number, 2u);
}

TEST(SipSteeringScanTest, StopsAtWhatItNeeds) {
  // Everything after the Call-ID of a request is never looked at, even bytes
  // that would make scan() fail (here: no blank line at all).
  const Steered s = steer(
      "BYE sip:bob@192.0.2.4 SIP/2.0\n"
      "i: compact-id\n"
      "\x01\x02 garbage without an end");
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.f.method, Method::kBye);
  EXPECT_EQ(s.get(s.f.call_id), "compact-id");
}

TEST(SipSteeringScanTest, HeaderNamesLongCompactAnyCaseFoldedAndLfOnly) {
  for (std::string_view name : {"Call-ID", "call-id", "CALL-ID", "i", "I"}) {
    const Steered s = steer("ACK sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\n" + std::string(name) +
                            " :  the-id@host  \nCSeq: 1 ACK\n\n");
    ASSERT_EQ(s.err, ScanError::kOK) << name;
    EXPECT_EQ(s.get(s.f.call_id), "the-id@host") << name;
    EXPECT_EQ(s.f.method, Method::kAck);
  }
  // A folded Call-ID value: the continuation belongs to it.
  const Steered folded = steer("OPTIONS sip:a@b SIP/2.0\nCall-ID:\n  folded-id\nCSeq: 1 OPTIONS\n\n");
  ASSERT_EQ(folded.err, ScanError::kOK);
  EXPECT_EQ(folded.get(folded.f.call_id), "folded-id");
  // A continuation line that looks like a Call-ID is part of the header before.
  const Steered fake = steer("OPTIONS sip:a@b SIP/2.0\nSubject: x\n i: not-it\nCall-ID: real\n\n");
  ASSERT_EQ(fake.err, ScanError::kOK);
  EXPECT_EQ(fake.get(fake.f.call_id), "real");
  // Bare LF line ends.
  const Steered lf = steerRaw("SIP/2.0 180 Ringing\nCSeq: 7 INVITE\ni: x\n\n");
  ASSERT_EQ(lf.err, ScanError::kOK);
  EXPECT_EQ(lf.f.status_code, 180);
  EXPECT_EQ(lf.get(lf.f.call_id), "x");
  // Names that only begin like ours are skipped.
  const Steered lookalike = steer("OPTIONS sip:a@b SIP/2.0\nCall-Info: <x>\nCSeqX: 1\nid: 3\nCall-ID: y\n\n");
  ASSERT_EQ(lookalike.err, ScanError::kOK);
  EXPECT_EQ(lookalike.get(lookalike.f.call_id), "y");
}

TEST(SipSteeringScanTest, LeadingLineEndsAreSkipped) {
  const Steered s = steer("\n\nOPTIONS sip:a@b SIP/2.0\nCall-ID: z\n\n");
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.get(s.f.call_id), "z");
}

TEST(SipSteeringScanTest, Errors) {
  EXPECT_EQ(steerRaw("").err, ScanError::kEMPTY);
  EXPECT_EQ(steerRaw("\r\n\r\n").err, ScanError::kEMPTY);
  EXPECT_EQ(steerRaw(std::string(65536, 'x')).err, ScanError::kTOO_LARGE);
  EXPECT_EQ(steerRaw("OPTIONS sip:a@b SIP/2.0").err, ScanError::kTRUNCATED);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nVia: x").err, ScanError::kTRUNCATED);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nCall-ID: x").err, ScanError::kTRUNCATED);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/3.0\nCall-ID: x\n\n").err, ScanError::kBAD_VERSION);
  EXPECT_EQ(steer("OPTIONS <sip:a@b> SIP/2.0\nCall-ID: x\n\n").err, ScanError::kBAD_START_LINE);
  EXPECT_EQ(steer("SIP/2.0 99 Too Low\nCall-ID: x\nCSeq: 1 A\n\n").err, ScanError::kBAD_STATUS_CODE);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nVia: x\n\n").err, ScanError::kNO_CALL_ID);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nCall-ID:   \n\n").err, ScanError::kNO_CALL_ID);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\n Call-ID: x\n\n").err, ScanError::kBAD_HEADER_LINE);
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nCall-ID x\n\n").err, ScanError::kBAD_HEADER_LINE);
  // Responses need CSeq too.
  EXPECT_EQ(steer("SIP/2.0 200 OK\nCall-ID: x\n\n").err, ScanError::kBAD_CSEQ);
  EXPECT_EQ(steer("SIP/2.0 200 OK\nCSeq: one INVITE\nCall-ID: x\n\n").err, ScanError::kBAD_CSEQ);
  EXPECT_EQ(steer("SIP/2.0 200 OK\nCSeq: 1 INVITE\n\n").err, ScanError::kNO_CALL_ID);
}

TEST(SipSteeringScanTest, Limits) {
  std::string many = "OPTIONS sip:a@b SIP/2.0\n";
  for (int i = 0; i < ScanOptions{}.max_header_lines; ++i) many += "X-Filler: 1\n";
  EXPECT_EQ(steer(many + "Call-ID: late\n\n").err, ScanError::kTOO_MANY_HEADERS);
  std::string fewer = "OPTIONS sip:a@b SIP/2.0\n";
  for (int i = 0; i + 1 < ScanOptions{}.max_header_lines; ++i) fewer += "X-Filler: 1\n";
  EXPECT_EQ(steer(fewer + "Call-ID: just-in\n\n").err, ScanError::kOK);
  const std::string long_id(ScanOptions{}.max_line_length, 'a');
  EXPECT_EQ(steer("OPTIONS sip:a@b SIP/2.0\nCall-ID: " + long_id + "\n\n").err, ScanError::kLINE_TOO_LONG);
  EXPECT_EQ(steer("OPTIONS sip:a@" + long_id + " SIP/2.0\nCall-ID: x\n\n").err, ScanError::kLINE_TOO_LONG);
}

TEST(SipSteeringScanTest, OutIsResetBetweenScans) {
  SteeringFields f;
  const std::string response = crlf(kOk);
  ASSERT_EQ(scanForSteering({reinterpret_cast<const uint8_t*>(response.data()), response.size()}, f),
            ScanError::kOK);
  const std::string bad = crlf("OPTIONS sip:a@b SIP/2.0\nVia: x\n\n");
  EXPECT_EQ(scanForSteering({reinterpret_cast<const uint8_t*>(bad.data()), bad.size()}, f),
            ScanError::kNO_CALL_ID);
  EXPECT_TRUE(f.is_request);
  EXPECT_EQ(f.status_code, 0);
  EXPECT_EQ(f.cseq_method, Method::kUnknown);
  EXPECT_TRUE(f.call_id.empty());
}

// Differential: whenever the full scan accepts a message, the steering entry
// agrees on every field it returns. Messages are built from shuffled valid
// headers with random line ends and name spellings.
TEST(SipSteeringScanTest, AgreesWithFullScanOnValidMessages) {
  std::mt19937 random(4475);
  const char* start_lines[] = {"INVITE sip:bob@b.example SIP/2.0", "ACK sip:bob@b.example SIP/2.0",
                               "BYE sip:bob@b.example SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 486 Busy Here",
                               "SIP/2.0 100 Trying"};
  const char* methods[] = {"INVITE", "ACK", "BYE", "INVITE", "INVITE", "INVITE"};
  int checked = 0;
  for (int round = 0; round < 2000; ++round) {
    const size_t kind = random() % 6;
    std::vector<std::string> headers = {
        "Via: SIP/2.0/UDP h.example;branch=z9hG4bK" + std::to_string(round),
        std::string(random() % 2 ? "From" : "f") + ": <sip:a@a.example>;tag=" + std::to_string(random()),
        std::string(random() % 2 ? "To" : "t") + ": <sip:b@b.example>",
        std::string(random() % 2 ? "Call-ID" : "i") + ": id" + std::to_string(random()) + "@h",
        "CSeq: " + std::to_string(random() % 100000) + " " + methods[kind],
        "Contact: <sip:a@h>",
        "Max-Forwards: 70",
        "Content-Length: 0"};
    std::shuffle(headers.begin(), headers.end(), random);
    const std::string eol = random() % 2 ? "\r\n" : "\n";
    std::string text = std::string(start_lines[kind]) + eol;
    for (const auto& h : headers) text += h + eol;
    text += eol;
    auto buf = std::make_unique<uint8_t[]>(text.size());
    std::memcpy(buf.get(), text.data(), text.size());
    const std::span<const uint8_t> bytes(buf.get(), text.size());
    SipMessage all;
    if (scan(bytes, all) != ScanError::kOK) continue;
    SteeringFields f;
    ASSERT_EQ(scanForSteering(bytes, f), ScanError::kOK) << text;
    EXPECT_EQ(f.is_request, all.is_request);
    EXPECT_EQ(f.method, all.method);
    EXPECT_EQ(f.status_code, all.status_code);
    EXPECT_EQ(f.call_id.in(bytes), all.call_id.in(bytes));
    if (!f.is_request) {
      EXPECT_EQ(f.cseq_method, all.cseq_method);
      EXPECT_EQ(f.cseq_number, all.cseq_number);
    }
    ++checked;
  }
  EXPECT_GT(checked, 1000);  // the generator makes valid messages
}

}  // namespace
}  // namespace sipsteer::sip

// Field extraction and every error reason of the SIP scanner. Each message is
// copied into a heap buffer of exactly its size, so ASan reports any read
// past the span.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "unit/common/sip_scan_support.h"

namespace sipsteer::sip {
namespace {

using testing::crlf;
using testing::scanExact;
using testing::Scanned;
using testing::want;

Scanned scanText(std::string_view text, const ScanOptions& options = {}) {
  return scanExact(crlf(text), options);
}

constexpr std::string_view kOptions =
    "OPTIONS sip:alice@pbx.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 198.18.0.10:5060;branch=z9hG4bK776asdhds;rport\n"
    "Max-Forwards: 70\n"
    "To: <sip:alice@pbx.example.com>\n"
    "From: \"Monitor\" <sip:monitor@lb.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@lb.example.com\n"
    "CSeq: 63104 OPTIONS\n"
    "Contact: <sip:monitor@198.18.0.10:5060>\n"
    "Accept: application/sdp\n"
    "Content-Length: 0\n"
    "\n";

constexpr std::string_view kResponse =
    "SIP/2.0 503 Service Unavailable\n"
    "Via: SIP/2.0/UDP 198.18.0.10:5060;branch=z9hG4bK776asdhds;received=198.18.0.10;rport=5070\n"
    "To: <sip:alice@pbx.example.com>;tag=as6151ad25\n"
    "From: \"Monitor\" <sip:monitor@lb.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@lb.example.com\n"
    "CSeq: 63104 OPTIONS\n"
    "Retry-After: 30\n"
    "Content-Length: 0\n"
    "\n";

// A valid request with `header` inserted before Content-Length.
std::string optionsWith(std::string_view header) {
  std::string text(kOptions);
  const size_t at = text.find("Content-Length");
  text.insert(at, std::string(header) + "\n");
  return text;
}

// kOptions with the line starting with `prefix` replaced by `line` (or
// removed when `line` is empty).
std::string optionsReplacing(std::string_view prefix, std::string_view line) {
  std::string text(kOptions);
  std::string needle = "\n";
  needle.append(prefix);
  const size_t at = text.find(needle) + 1;
  const size_t end = text.find('\n', at) + 1;
  std::string out = text.substr(0, at);
  if (!line.empty()) out.append(line).append("\n");
  out.append(text, end, std::string::npos);
  return out;
}

TEST(SipScannerTest, ParsesOptionsRequest) {
  const Scanned s = scanText(kOptions);
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_TRUE(s.m.is_request);
  EXPECT_EQ(s.m.method, Method::kOptions);
  EXPECT_EQ(s.get(s.m.method_token), "OPTIONS");
  EXPECT_EQ(s.get(s.m.request_uri), "sip:alice@pbx.example.com");
  EXPECT_EQ(s.get(s.m.call_id), "a84b4c76e66710@lb.example.com");
  EXPECT_EQ(s.get(s.m.via_transport), "UDP");
  EXPECT_EQ(s.get(s.m.via_sent_by), "198.18.0.10:5060");
  EXPECT_EQ(s.get(s.m.via_branch), "z9hG4bK776asdhds");
  EXPECT_TRUE(s.m.via_rport);
  EXPECT_EQ(s.m.via_rport_value, -1);
  EXPECT_TRUE(s.m.via_received.empty());
  EXPECT_EQ(s.m.via_count, 1);
  EXPECT_EQ(s.m.cseq_number, 63104u);
  EXPECT_EQ(s.m.cseq_method, Method::kOptions);
  EXPECT_EQ(s.get(s.m.cseq_method_token), "OPTIONS");
  EXPECT_EQ(s.get(s.m.from_tag), "1928301774");
  EXPECT_TRUE(s.m.to_tag.empty());
  EXPECT_EQ(s.m.content_length, 0);
  EXPECT_EQ(s.m.max_forwards, 70);
  EXPECT_EQ(s.m.retry_after, -1);
  EXPECT_EQ(s.m.header_end, s.size);
  EXPECT_EQ(s.m.body_length, 0);
  EXPECT_EQ(s.m.header_lines, 9);
  EXPECT_EQ(s.m.found, uint32_t{kWantCallId | kWantCSeq | kWantVia | kWantFromTo |
                                kWantContentLength | kWantMaxForwards});
}

TEST(SipScannerTest, ParsesResponse) {
  const Scanned s = scanText(kResponse);
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_FALSE(s.m.is_request);
  EXPECT_EQ(s.m.status_code, 503);
  EXPECT_EQ(s.get(s.m.reason_phrase), "Service Unavailable");
  EXPECT_EQ(s.m.method, Method::kUnknown);
  EXPECT_TRUE(s.m.request_uri.empty());
  EXPECT_EQ(s.get(s.m.via_received), "198.18.0.10");
  EXPECT_EQ(s.m.via_rport_value, 5070);
  EXPECT_EQ(s.get(s.m.to_tag), "as6151ad25");
  EXPECT_EQ(s.m.retry_after, 30);
  EXPECT_EQ(s.m.cseq_method, Method::kOptions);
  EXPECT_TRUE(s.m.found & kWantRetryAfter);
}

TEST(SipScannerTest, KnowsEveryMethodCaseSensitively) {
  const std::pair<std::string_view, Method> methods[] = {
      {"INVITE", Method::kInvite},     {"ACK", Method::kAck},         {"BYE", Method::kBye},
      {"CANCEL", Method::kCancel},     {"OPTIONS", Method::kOptions}, {"REGISTER", Method::kRegister},
      {"PRACK", Method::kPrack},       {"SUBSCRIBE", Method::kSubscribe},
      {"NOTIFY", Method::kNotify},     {"PUBLISH", Method::kPublish}, {"INFO", Method::kInfo},
      {"REFER", Method::kRefer},       {"MESSAGE", Method::kMessage}, {"UPDATE", Method::kUpdate},
      {"invite", Method::kUnknown},    {"INVITEX", Method::kUnknown}, {"FOO", Method::kUnknown},
  };
  for (const auto& [token, method] : methods) {
    std::string text = std::string(token) + " sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h\n"
                       "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\n"
                       "Call-ID: x\nCSeq: 1 " + std::string(token) + "\n\n";
    const Scanned s = scanText(text);
    ASSERT_EQ(s.err, ScanError::kOK) << token;
    EXPECT_EQ(s.m.method, method) << token;
    EXPECT_EQ(s.m.cseq_method, method) << token;
    EXPECT_EQ(s.get(s.m.method_token), token);
    EXPECT_EQ(methodName(method), method == Method::kUnknown ? "" : token);
  }
}

TEST(SipScannerTest, ExtensionMethodWithTokenCharacters) {
  const Scanned s = scanText(
      "!my-Method.%*_+`'~ sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: x\n"
      "CSeq: 1 !my-Method.%*_+`'~\n\n");
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.m.method, Method::kUnknown);
  EXPECT_EQ(s.get(s.m.method_token), "!my-Method.%*_+`'~");
}

TEST(SipScannerTest, StatusLineVariants) {
  const std::string headers =
      "Via: SIP/2.0/UDP h\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 INVITE\n\n";
  struct Case {
    std::string_view line;
    ScanError err;
    uint16_t code;
    std::string_view reason;
  } cases[] = {
      {"SIP/2.0 200 OK", ScanError::kOK, 200, "OK"},
      {"SIP/2.0 100 ", ScanError::kOK, 100, ""},
      {"SIP/2.0 180", ScanError::kOK, 180, ""},
      {"sip/2.0 699 Whatever you like", ScanError::kOK, 699, "Whatever you like"},
      {"SIP/2.0 200 = 2**3 \xd0\xbd\xd0\xbe", ScanError::kOK, 200, "= 2**3 \xd0\xbd\xd0\xbe"},
      {"SIP/2.0 099 Low", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/2.0 700 High", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/2.0 2000 Long", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/2.0 2x0 Letter", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/2.0 20", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/3.0 200 OK", ScanError::kBAD_VERSION, 0, ""},
      {"SIP/2", ScanError::kBAD_VERSION, 0, ""},
      {"SIP/2.0  200 OK", ScanError::kBAD_STATUS_CODE, 0, ""},
      {"SIP/2.0", ScanError::kBAD_START_LINE, 0, ""},
      {"SIP/2.0\t200 OK", ScanError::kBAD_START_LINE, 0, ""},
  };
  for (const Case& c : cases) {
    const Scanned s = scanText(std::string(c.line) + "\n" + headers);
    EXPECT_EQ(s.err, c.err) << c.line;
    if (c.err != ScanError::kOK) continue;
    EXPECT_EQ(s.m.status_code, c.code) << c.line;
    EXPECT_EQ(s.get(s.m.reason_phrase), c.reason) << c.line;
  }
}

TEST(SipScannerTest, RequestLineVariants) {
  const std::string headers =
      "Via: SIP/2.0/UDP h\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 INVITE\n\n";
  struct Case {
    std::string_view line;
    ScanError err;
    std::string_view uri;
  } cases[] = {
      {"INVITE sip:b@example.com SIP/2.0", ScanError::kOK, "sip:b@example.com"},
      {"INVITE sips:b@example.com;transport=tls?x=y SIP/2.0", ScanError::kOK,
       "sips:b@example.com;transport=tls?x=y"},
      {"INVITE tel:+15551234 sip/2.0", ScanError::kOK, "tel:+15551234"},
      {"INVITE soap.beep://192.0.2.103:3002 SIP/2.0", ScanError::kOK, "soap.beep://192.0.2.103:3002"},
      {"INVITE  sip:b@example.com SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com  SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com SIP/2.0 ", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com; lr SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE <sip:b@example.com> SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE b@example.com SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE 1sip:b SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b\t@example.com SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com HTTP/1.1", ScanError::kBAD_START_LINE, ""},
      {"INVITE sip:b@example.com SIP/7.0", ScanError::kBAD_VERSION, ""},
      {"INVITE sip:b@example.com SIP/2", ScanError::kBAD_VERSION, ""},
      {"INVITE", ScanError::kBAD_START_LINE, ""},
      {" INVITE sip:b@example.com SIP/2.0", ScanError::kBAD_START_LINE, ""},
      {"INV(TE sip:b@example.com SIP/2.0", ScanError::kBAD_START_LINE, ""},
  };
  for (const Case& c : cases) {
    const Scanned s = scanText(std::string(c.line) + "\n" + headers);
    EXPECT_EQ(s.err, c.err) << c.line;
    if (c.err == ScanError::kOK) {
      EXPECT_EQ(s.get(s.m.request_uri), c.uri) << c.line;
    }
  }
}

TEST(SipScannerTest, CallIdLongCompactAndAnyCase) {
  for (std::string_view name : {"Call-ID", "call-id", "CALL-ID", "cAlL-iD", "i", "I"}) {
    const Scanned s = scanText(optionsReplacing("Call-ID", std::string(name) + ":   abc@host  "));
    ASSERT_EQ(s.err, ScanError::kOK) << name;
    EXPECT_EQ(s.get(s.m.call_id), "abc@host") << name;
  }
}

TEST(SipScannerTest, HeaderNamesThatOnlyLookLikeKnownOnes) {
  // Same first letter or length as a known header, but another header: ignored.
  const Scanned s = scanText(optionsWith(
      "Call-IDs: no\nCall_ID: no\nCSeqX: 2 BYE\nCall: no\nVias: SIP/2.0/TCP no\nTo-Be: no\n"
      "Fromage: no\nContent-Lengths: 7\nMax-Forward: 9\nRetry-Afters: x\nx: 1\nCallXID: no"));
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.get(s.m.call_id), "a84b4c76e66710@lb.example.com");
  EXPECT_EQ(s.m.cseq_number, 63104u);
  EXPECT_EQ(s.m.via_count, 1);
  EXPECT_EQ(s.m.content_length, 0);
  EXPECT_EQ(s.m.max_forwards, 70);
  EXPECT_EQ(s.m.retry_after, -1);
}

TEST(SipScannerTest, CallIdErrors) {
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "")).err, ScanError::kNO_CALL_ID);
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "Call-ID:   ")).err, ScanError::kNO_CALL_ID);
  EXPECT_EQ(scanText(optionsWith("i: second@host")).err, ScanError::kMULTIPLE_CALL_ID);
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "Call-ID: a b")).err, ScanError::kBAD_CALL_ID);
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "Call-ID: a@b@c")).err, ScanError::kBAD_CALL_ID);
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "Call-ID: @b")).err, ScanError::kBAD_CALL_ID);
  EXPECT_EQ(scanText(optionsReplacing("Call-ID", "Call-ID: a;b")).err, ScanError::kBAD_CALL_ID);
  // Every word character is allowed (RFC 4475 intmeth).
  const Scanned ok = scanText(optionsReplacing("Call-ID", "Call-ID: w%ZK-!.*_+'@w`~)(><:\\/\"][?}{"));
  EXPECT_EQ(ok.err, ScanError::kOK);
  // The fast path does not validate the characters: it only wants the bytes.
  const Scanned fast = scanText(optionsReplacing("Call-ID", "Call-ID: a b"), want(kWantCallId));
  EXPECT_EQ(fast.err, ScanError::kOK);
  EXPECT_EQ(fast.get(fast.m.call_id), "a b");
}

TEST(SipScannerTest, FoldedValues) {
  const Scanned s = scanText(optionsReplacing(
      "Call-ID", "Call-ID:\n   folded@host\n\t"));
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.get(s.m.call_id), "folded@host");

  const Scanned c = scanText(optionsReplacing("CSeq", "CSeq: 0009\n  OPTIONS"));
  ASSERT_EQ(c.err, ScanError::kOK);
  EXPECT_EQ(c.m.cseq_number, 9u);
  EXPECT_EQ(c.get(c.m.cseq_method_token), "OPTIONS");

  const Scanned v = scanText(optionsReplacing(
      "Via", "Via  : SIP  /   2.0\n /UDP\n\t198.18.0.1 ;\n  branch = \n z9hG4bKabc"));
  ASSERT_EQ(v.err, ScanError::kOK);
  EXPECT_EQ(v.get(v.m.via_transport), "UDP");
  EXPECT_EQ(v.get(v.m.via_sent_by), "198.18.0.1");
  EXPECT_EQ(v.get(v.m.via_branch), "z9hG4bKabc");
}

TEST(SipScannerTest, LfOnlyAndMixedLineEnds) {
  const Scanned lf = scanExact(kOptions);  // kOptions is written with bare LF
  ASSERT_EQ(lf.err, ScanError::kOK);
  EXPECT_EQ(lf.get(lf.m.call_id), "a84b4c76e66710@lb.example.com");
  EXPECT_EQ(lf.m.header_end, lf.size);

  std::string mixed = crlf(kOptions);
  mixed.erase(mixed.find("\r\nCall-ID"), 1);
  mixed.erase(mixed.size() - 2, 1);  // blank line as bare LF
  const Scanned m = scanExact(mixed);
  ASSERT_EQ(m.err, ScanError::kOK);
  EXPECT_EQ(m.get(m.m.call_id), "a84b4c76e66710@lb.example.com");
  EXPECT_EQ(m.m.header_end, m.size);

  const Scanned fold = scanExact(
      "OPTIONS sip:a@b SIP/2.0\nCall-ID:\n x@y\nCSeq: 1\n OPTIONS\n"
      "Via: SIP/2.0/UDP h\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\n\n");
  ASSERT_EQ(fold.err, ScanError::kOK);
  EXPECT_EQ(fold.get(fold.m.call_id), "x@y");
}

TEST(SipScannerTest, LeadingLineEndsAreSkipped) {
  const Scanned s = scanExact("\r\n\r\n\n" + crlf(kOptions));
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.get(s.m.method_token), "OPTIONS");
}

TEST(SipScannerTest, WhitespaceAroundColonAndValues) {
  const Scanned s = scanText(optionsReplacing("CSeq", "CSeq \t:\t 7   OPTIONS \t"));
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.m.cseq_number, 7u);
  const Scanned n = scanText(optionsReplacing("Content-Length", "l:0"));
  ASSERT_EQ(n.err, ScanError::kOK);
  EXPECT_EQ(n.m.content_length, 0);
}

TEST(SipScannerTest, ViaVariants) {
  struct Case {
    std::string_view via;
    std::string_view transport, sent_by, branch, received;
    bool rport;
    int32_t rport_value;
    uint16_t count;
  } cases[] = {
      {"Via: SIP/2.0/TCP h.example.com", "TCP", "h.example.com", "", "", false, -1, 1},
      {"v: SIP/2.0/UDP h:5070;branch=z9hG4bK1", "UDP", "h:5070", "z9hG4bK1", "", false, -1, 1},
      {"VIA: sip/2.0/tls [2001:db8::1]:5061;BRANCH=z9hG4bKx;Received=2001:db8::2;rport=1234",
       "tls", "[2001:db8::1]:5061", "z9hG4bKx", "2001:db8::2", true, 1234, 1},
      {"Via: SIP/2.0/UDP h ; rport ; received=192.0.2.1 ; branch=\"quoted\"", "UDP", "h",
       "\"quoted\"", "192.0.2.1", true, -1, 1},
      {"Via: SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2,SIP/2.0/SCTP c", "UDP", "a", "1", "",
       false, -1, 3},
      {"Via: SIP/2.0/UNKNOWN h : 5060", "UNKNOWN", "h : 5060", "", "", false, -1, 1},
  };
  for (const Case& c : cases) {
    const Scanned s = scanText(optionsReplacing("Via", c.via));
    ASSERT_EQ(s.err, ScanError::kOK) << c.via;
    EXPECT_EQ(s.get(s.m.via_transport), c.transport) << c.via;
    EXPECT_EQ(s.get(s.m.via_sent_by), c.sent_by) << c.via;
    EXPECT_EQ(s.get(s.m.via_branch), c.branch) << c.via;
    EXPECT_EQ(s.get(s.m.via_received), c.received) << c.via;
    EXPECT_EQ(s.m.via_rport, c.rport) << c.via;
    EXPECT_EQ(s.m.via_rport_value, c.rport_value) << c.via;
    EXPECT_EQ(s.m.via_count, c.count) << c.via;
  }
}

TEST(SipScannerTest, TopViaIsTheFirstOfSeveralHeaders) {
  const Scanned s = scanText(optionsWith(
      "Via: SIP/2.0/TCP second;branch=z9hG4bK2\nv: SIP/2.0/TCP third, SIP/2.0/TCP fourth"));
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.get(s.m.via_sent_by), "198.18.0.10:5060");
  EXPECT_EQ(s.get(s.m.via_branch), "z9hG4bK776asdhds");
  EXPECT_EQ(s.m.via_count, 4);
}

TEST(SipScannerTest, ViaErrors) {
  for (std::string_view via : {
           "Via: SIP/2.0/UDP",                  // no sent-by
           "Via: SIP/2.0/UDP ",                 // no sent-by
           "Via: SIP/3.0/UDP h",                // version
           "Via: SIPS/2.0/UDP h",               // protocol name
           "Via: SIP/2.0 h",                    // no transport
           "Via: SIP/2.0/UDPh",                 // no LWS before sent-by
           "Via: SIP/2.0/UDP h;;branch=1",      // empty parameter (RFC 4475 badinv01)
           "Via: SIP/2.0/UDP h;branch=1,",      // empty via-parm after comma
           "Via: SIP/2.0/UDP h;branch=1,,SIP/2.0/UDP g",
           "Via: SIP/2.0/UDP h:port",           // port not a number
           "Via: SIP/2.0/UDP h:65536",          // port out of range
           "Via: SIP/2.0/UDP [2001:db8::1",     // unterminated IPv6 reference
           "Via: SIP/2.0/UDP h;rport=x",        // rport not a number
           "Via: SIP/2.0/UDP h;branch=\"open",  // unterminated quoted value
           "Via: SIP/2.0/UDP h junk",           // trailing garbage
           "Via:",
       }) {
    EXPECT_EQ(scanText(optionsReplacing("Via", via)).err, ScanError::kBAD_VIA) << via;
  }
}

TEST(SipScannerTest, ViaRequiredInRequestsOnly) {
  EXPECT_EQ(scanText(optionsReplacing("Via", "")).err, ScanError::kNO_VIA);
  std::string response(kResponse);
  response.erase(response.find("Via:"), response.find('\n', response.find("Via:")) + 1 -
                                            response.find("Via:"));
  const Scanned s = scanText(response);
  EXPECT_EQ(s.err, ScanError::kOK);
  EXPECT_FALSE(s.m.found & kWantVia);
}

TEST(SipScannerTest, CSeqVariants) {
  const Scanned max = scanText(optionsReplacing("CSeq", "CSeq: 4294967295 OPTIONS"));
  ASSERT_EQ(max.err, ScanError::kOK);
  EXPECT_EQ(max.m.cseq_number, 4294967295u);
  const Scanned zero = scanText(optionsReplacing("CSeq", "CSeq: 0 OPTIONS"));
  ASSERT_EQ(zero.err, ScanError::kOK);
  EXPECT_EQ(zero.m.cseq_number, 0u);
  for (std::string_view cseq : {"CSeq: 4294967296 OPTIONS", "CSeq: 36893488147419103232 OPTIONS",
                                "CSeq: OPTIONS", "CSeq: 1", "CSeq: 1OPTIONS", "CSeq: -1 OPTIONS",
                                "CSeq: 1 OPTIONS extra", "CSeq: 1 OPT/IONS", "CSeq:"}) {
    EXPECT_EQ(scanText(optionsReplacing("CSeq", cseq)).err, ScanError::kBAD_CSEQ) << cseq;
  }
  EXPECT_EQ(scanText(optionsReplacing("CSeq", "")).err, ScanError::kBAD_CSEQ);
  EXPECT_EQ(scanText(optionsWith("CSeq: 2 OPTIONS")).err, ScanError::kDUPLICATE_HEADER);
}

TEST(SipScannerTest, CSeqMethodMustMatchRequestMethod) {
  EXPECT_EQ(scanText(optionsReplacing("CSeq", "CSeq: 1 INVITE")).err,
            ScanError::kCSEQ_METHOD_MISMATCH);
  EXPECT_EQ(scanText(optionsReplacing("CSeq", "CSeq: 1 options")).err,
            ScanError::kCSEQ_METHOD_MISMATCH);
  EXPECT_EQ(scanText(optionsReplacing("CSeq", "CSeq: 1 OPTIONSX")).err,
            ScanError::kCSEQ_METHOD_MISMATCH);
  // Responses carry the method of the request they answer: no comparison.
  std::string response(kResponse);
  response.replace(response.find("63104 OPTIONS"), 13, "1 INVITE");
  EXPECT_EQ(scanText(response).err, ScanError::kOK);
}

TEST(SipScannerTest, FromToTags) {
  struct Case {
    std::string_view line;
    std::string_view tag;
  } cases[] = {
      {"From: <sip:a@b>;tag=abc", "abc"},
      {"From: sip:a@b;tag=abc", "abc"},
      {"f: sip:a@b ; TAG = abc ;x=y", "abc"},
      {"From: \"A ;tag=no <sip:x>\" <sip:a@b;tag=no>;tag=yes", "yes"},
      {"From: \"esc \\\" ;tag=no\" <sip:a@b>;tag=yes", "yes"},
      {"From: caller<sip:a@b>;tag=323", "323"},
      {"From: token1~` token2'+_ <sip:a@b>;p=\"v;tag=no\";tag=_token~1'+`*%!-.", "_token~1'+`*%!-."},
      {"From: Bell, Alexander <sip:a@b>;tag=43", "43"},
      {"From: <sip:a@b>", ""},
      {"From: <sip:a@b;tag=inside>", ""},
      {"From: <sip:a@b>\n ;\n tag\n =\n folded", "folded"},
  };
  for (const Case& c : cases) {
    const Scanned s = scanText(optionsReplacing("From", c.line));
    ASSERT_EQ(s.err, ScanError::kOK) << c.line;
    EXPECT_EQ(s.get(s.m.from_tag), c.tag) << c.line;
  }
  const Scanned t = scanText(optionsReplacing("To", "t: sip:alice@pbx.example.com;tag=zz"));
  ASSERT_EQ(t.err, ScanError::kOK);
  EXPECT_EQ(t.get(t.m.to_tag), "zz");
}

TEST(SipScannerTest, FromToErrors) {
  for (std::string_view line : {
           "From: \"Mr. J. User <sip:j.user@example.com>",  // RFC 4475 quotbal
           "From: <sip:a@b;tag=1",                           // unterminated <
           "From:   ",                                       // empty
           "From: <sip:a@b>;;tag=1",                         // empty parameter
           "From: <sip:a@b>, <sip:c@d>",                     // two values
           "From: <sip:a@b> junk",
           "From: <sip:a@b>;tag=\"open",
       }) {
    EXPECT_EQ(scanText(optionsReplacing("From", line)).err, ScanError::kBAD_FROM_TO) << line;
  }
  EXPECT_EQ(scanText(optionsReplacing("From", "")).err, ScanError::kBAD_FROM_TO);
  EXPECT_EQ(scanText(optionsReplacing("To", "")).err, ScanError::kBAD_FROM_TO);
  EXPECT_EQ(scanText(optionsWith("To: <sip:x@y>")).err, ScanError::kDUPLICATE_HEADER);
  EXPECT_EQ(scanText(optionsWith("f: <sip:x@y>;tag=2")).err, ScanError::kDUPLICATE_HEADER);
}

TEST(SipScannerTest, ContentLength) {
  const std::string invite = crlf(
      "INVITE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c1\nCSeq: 1 INVITE\n"
      "Content-Type: application/sdp\nl: 10\n\n");
  const Scanned exact = scanExact(invite + "0123456789");
  ASSERT_EQ(exact.err, ScanError::kOK);
  EXPECT_EQ(exact.m.content_length, 10);
  EXPECT_EQ(exact.m.header_end, invite.size());
  EXPECT_EQ(exact.m.body_length, 10);

  // Extra bytes after the declared body are not part of the message.
  const Scanned longer = scanExact(invite + "0123456789EXTRA");
  ASSERT_EQ(longer.err, ScanError::kOK);
  EXPECT_EQ(longer.m.body_length, 10);

  // Fewer bytes than declared: malformed over UDP, "wait for more" on a stream.
  const Scanned shorter = scanExact(invite + "01234");
  EXPECT_EQ(shorter.err, ScanError::kBODY_TRUNCATED);
  EXPECT_EQ(shorter.m.content_length, 10);
  EXPECT_EQ(shorter.m.header_end, invite.size());
  ScanOptions stream;
  stream.datagram = false;
  const Scanned waiting = scanExact(invite + "01234", stream);
  EXPECT_EQ(waiting.err, ScanError::kOK);
  EXPECT_EQ(waiting.m.body_length, 10);

  // Without Content-Length the body is the rest of the datagram.
  std::string no_cl = invite;
  no_cl.erase(no_cl.find("l: 10\r\n"), 7);
  const Scanned rest = scanExact(no_cl + "abc");
  ASSERT_EQ(rest.err, ScanError::kOK);
  EXPECT_EQ(rest.m.content_length, -1);
  EXPECT_EQ(rest.m.body_length, 3);
  EXPECT_FALSE(rest.m.found & kWantContentLength);

  for (std::string_view line : {"Content-Length: -999", "Content-Length: five", "l:",
                                "Content-Length: 65536", "Content-Length: 1 2",
                                "Content-Length: 99999999999999999999"}) {
    EXPECT_EQ(scanText(optionsReplacing("Content-Length", line)).err, ScanError::kBAD_CONTENT_LENGTH)
        << line;
  }
  EXPECT_EQ(scanText(optionsWith("l: 0")).err, ScanError::kDUPLICATE_HEADER);
}

TEST(SipScannerTest, MaxForwards) {
  const Scanned leading = scanText(optionsReplacing("Max-Forwards", "MaX-fOrWaRdS: 0068"));
  ASSERT_EQ(leading.err, ScanError::kOK);
  EXPECT_EQ(leading.m.max_forwards, 68);
  EXPECT_EQ(scanText(optionsReplacing("Max-Forwards", "Max-Forwards: 255")).m.max_forwards, 255);
  EXPECT_EQ(scanText(optionsReplacing("Max-Forwards", "Max-Forwards: 0")).m.max_forwards, 0);
  for (std::string_view line : {"Max-Forwards: 256", "Max-Forwards: 300", "Max-Forwards: x",
                                "Max-Forwards:", "Max-Forwards: 7 0"}) {
    EXPECT_EQ(scanText(optionsReplacing("Max-Forwards", line)).err, ScanError::kBAD_MAX_FORWARDS)
        << line;
  }
  EXPECT_EQ(scanText(optionsWith("Max-Forwards: 1")).err, ScanError::kDUPLICATE_HEADER);
  const Scanned absent = scanText(optionsReplacing("Max-Forwards", ""));
  EXPECT_EQ(absent.err, ScanError::kOK);
  EXPECT_EQ(absent.m.max_forwards, -1);
}

TEST(SipScannerTest, RetryAfter) {
  std::string base(kResponse);
  auto with = [&](std::string_view line) {
    std::string text = base;
    const size_t at = text.find("Retry-After");
    text.replace(at, text.find('\n', at) - at, line);
    return scanText(text);
  };
  EXPECT_EQ(with("Retry-After: 120 (I'm in a meeting);duration=3600").m.retry_after, 120);
  EXPECT_EQ(with("retry-after:0").m.retry_after, 0);
  EXPECT_EQ(with("Retry-After: 2147483647").m.retry_after, 2147483647);
  for (std::string_view line : {"Retry-After: 2147483648", "Retry-After: 949302838503028349304023988",
                                "Retry-After: soon", "Retry-After: 5 minutes", "Retry-After:"}) {
    EXPECT_EQ(with(line).err, ScanError::kBAD_RETRY_AFTER) << line;
  }
}

TEST(SipScannerTest, EmptyAndTruncated) {
  EXPECT_EQ(scanExact("").err, ScanError::kEMPTY);
  EXPECT_EQ(scanExact("\r\n\r\n").err, ScanError::kEMPTY);
  EXPECT_EQ(scanExact("\n").err, ScanError::kEMPTY);
  EXPECT_EQ(scanExact("OPTIONS sip:a@b SIP/2.0").err, ScanError::kTRUNCATED);
  std::string text = crlf(kOptions);
  EXPECT_EQ(scanExact(text.substr(0, text.size() - 2)).err, ScanError::kTRUNCATED);
  EXPECT_EQ(scanExact(text.substr(0, text.size() - 5)).err, ScanError::kTRUNCATED);
}

TEST(SipScannerTest, BadHeaderLines) {
  for (std::string_view line : {"NoColonHere", "Bad Name: x", ": no name", "Na(me: x", "\"x\": y"}) {
    EXPECT_EQ(scanText(optionsWith(line)).err, ScanError::kBAD_HEADER_LINE) << line;
  }
  // A first header line cannot be a continuation of the start line.
  EXPECT_EQ(scanText("OPTIONS sip:a@b SIP/2.0\n Call-ID: x\n\n").err, ScanError::kBAD_HEADER_LINE);
}

TEST(SipScannerTest, ControlCharacters) {
  EXPECT_EQ(
      scanExact(crlf(optionsWith("Subject: a"))
                    .replace(crlf(optionsWith("Subject: a")).find("Subject: a") + 9, 1, 1, '\0'))
          .err,
      ScanError::kBAD_CHARACTER);
  for (char c : {'\x01', '\x07', '\x0b', '\x1f', '\x7f', '\r'}) {
    std::string text = crlf(optionsWith("Subject: a_b"));
    text[text.find("a_b") + 1] = c;
    EXPECT_EQ(scanExact(text).err, ScanError::kBAD_CHARACTER) << int(c);
  }
  std::string name = crlf(optionsWith("Na_me: x"));
  name[name.find("Na_me") + 2] = '\x01';
  EXPECT_EQ(scanExact(name).err, ScanError::kBAD_CHARACTER);
  std::string start = crlf(kOptions);
  start[start.find("alice")] = '\x01';
  EXPECT_EQ(scanExact(start).err, ScanError::kBAD_CHARACTER);
  // Allowed: HTAB, UTF-8, and any control byte escaped inside a quoted string.
  std::string ok = crlf(optionsWith("Subject:\tgr\xc3\xbc\xc3\x9f\x65\nTo-Do: \"BEL:\\\x07 NUL:\\@ DEL:\\\x7f\""));
  ok[ok.find("NUL:\\@") + 5] = '\0';
  EXPECT_EQ(scanExact(ok).err, ScanError::kOK);
  // ... but not outside the quotes, nor unescaped inside them.
  std::string outside = crlf(optionsWith("To-Do: \\\x07"));
  EXPECT_EQ(scanExact(outside).err, ScanError::kBAD_CHARACTER);
  std::string unescaped = crlf(optionsWith("To-Do: \"\x07\""));
  EXPECT_EQ(scanExact(unescaped).err, ScanError::kBAD_CHARACTER);
}

TEST(SipScannerTest, Limits) {
  ScanOptions few;
  few.max_header_lines = 8;
  EXPECT_EQ(scanText(kOptions, few).err, ScanError::kTOO_MANY_HEADERS);
  few.max_header_lines = 9;
  EXPECT_EQ(scanText(kOptions, few).err, ScanError::kOK);

  ScanOptions narrow;
  narrow.max_line_length = 60;
  EXPECT_EQ(scanText(kOptions, narrow).err, ScanError::kLINE_TOO_LONG);  // the Via line
  // The limit applies to the unfolded line.
  ScanOptions folded;
  folded.max_line_length = 40;
  EXPECT_EQ(scanText("OPTIONS sip:a@b SIP/2.0\nSubject: aaaaaaaaaa\n bbbbbbbbbbbbbbbbbbbb\n\n", folded).err,
            ScanError::kLINE_TOO_LONG);
  ScanOptions short_start;
  short_start.max_line_length = 20;
  EXPECT_EQ(scanText(kOptions, short_start).err, ScanError::kLINE_TOO_LONG);

  const std::string big(65536, 'a');
  EXPECT_EQ(scanExact(big).err, ScanError::kTOO_LARGE);
}

TEST(SipScannerTest, ErrorLabelsComeFromTheAbiList) {
  EXPECT_EQ(scanErrorLabel(ScanError::kOK), "ok");
  EXPECT_EQ(scanErrorLabel(ScanError::kNO_CALL_ID), "no_call_id");
  EXPECT_EQ(scanErrorLabel(ScanError::kBODY_TRUNCATED), "body_truncated");
#define CHECK_LABEL(name, label, help) EXPECT_EQ(scanErrorLabel(ScanError::k##name), label);
  SIPSTEER_SIP_ERROR_X(CHECK_LABEL)
#undef CHECK_LABEL
  EXPECT_EQ(scanErrorLabel(static_cast<ScanError>(SIPSTEER_SIP_ERROR_COUNT)), "unknown");
}

TEST(SipScannerTest, FieldsFoundBeforeAnErrorStayFilledIn) {
  const Scanned s = scanText(optionsWith("Max-Forwards: 1"));
  EXPECT_EQ(s.err, ScanError::kDUPLICATE_HEADER);
  EXPECT_EQ(s.get(s.m.call_id), "a84b4c76e66710@lb.example.com");
  EXPECT_EQ(s.m.cseq_number, 63104u);
  EXPECT_EQ(s.m.header_end, 0);
}

TEST(SipScannerTest, OutIsResetBetweenScans) {
  Scanned s = scanText(kResponse);
  ASSERT_EQ(s.m.retry_after, 30);
  const std::string text = crlf(kOptions);
  ASSERT_EQ(scan({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, s.m), ScanError::kOK);
  EXPECT_EQ(s.m.retry_after, -1);
  EXPECT_TRUE(s.m.to_tag.empty());
  EXPECT_TRUE(s.m.is_request);
}

}  // namespace
}  // namespace sipsteer::sip

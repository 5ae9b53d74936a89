// RFC 4475 torture messages (tests/unit/common/data/rfc4475/*.sip) against
// the scanner's verdict. Valid messages must scan kOK with the listed fields;
// invalid ones must give the listed reason, or kOK where the defect is outside
// what a load balancer's scanner validates (the reason column says why).
#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>

#include "unit/common/sip_scan_support.h"

namespace sipsteer::sip {
namespace {

struct Expectation {
  const char* name;
  ScanError verdict;
  const char* call_id;  // nullptr: not checked
  const char* why;      // one line: the RFC's verdict and ours
};

constexpr Expectation kTable[] = {
    // 3.1.1 valid messages: all must be accepted.
    {"wsinv", ScanError::kOK, "wsinv.ndaksdj@192.0.2.1", "valid: folding, odd case, LWS everywhere"},
    {"intmeth", ScanError::kOK, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
     "valid: NUL/BEL/DEL only as quoted-pairs, word chars in Call-ID"},
    {"esc01", ScanError::kOK, "esc01.239409asdfakjkn23onasd0-3234", "valid: % escapes, compact i"},
    {"escnull", ScanError::kOK, "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
     "valid: %00 is text, not a NUL byte"},
    {"esc02", ScanError::kOK, "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
     "valid: RE%47IST%45R is an unknown method that matches its CSeq"},
    {"lwsdisp", ScanError::kOK, "lwsdisp.1234abcd@funky.example.com", "valid: no LWS before <"},
    {"longreq", ScanError::kOK,
     "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
     "reallyreallyreallyreallyreallyreallyreallylongcallid",
     "valid: long values, 34 Via values in every name case"},
    {"dblreq", ScanError::kOK, "dblreq.0ha0isndaksdj99sdfafnl3lk233412",
     "valid: bytes after Content-Length: 0 are ignored"},
    {"semiuri", ScanError::kOK, "semiuri.0ha0isndaksdj", "valid: ; in the URI user part"},
    {"transports", ScanError::kOK, "transports.kijh4akdnaqjkwendsasfdj", "valid: every transport"},
    {"mpart01", ScanError::kOK, "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
     "valid: binary body with NUL bytes (body is not scanned)"},
    {"unreason", ScanError::kOK, "unreason.1234ksdfak3j2erwedfsASdf", "valid: UTF-8 reason phrase"},
    {"noreason", ScanError::kOK, "noreason.asndj203insdf99223ndf", "valid: empty reason phrase"},
    // 3.1.2 invalid messages.
    {"badinv01", ScanError::kBAD_VIA, nullptr, "invalid: empty Via parameters ;;,;,,"},
    {"clerr", ScanError::kBODY_TRUNCATED, nullptr, "invalid: Content-Length 9999 > body over UDP"},
    {"ncl", ScanError::kBAD_CONTENT_LENGTH, nullptr, "invalid: Content-Length -999"},
    {"scalar02", ScanError::kBAD_CSEQ, nullptr, "invalid: CSeq > 2^32-1 (Max-Forwards 300 comes later)"},
    {"scalarlg", ScanError::kBAD_CSEQ, nullptr, "invalid: CSeq > 2^32-1 (huge Retry-After later)"},
    {"quotbal", ScanError::kBAD_FROM_TO, nullptr, "invalid: unterminated quote in To"},
    {"ltgtruri", ScanError::kBAD_START_LINE, nullptr, "invalid: Request-URI in <>"},
    {"lwsruri", ScanError::kBAD_START_LINE, nullptr, "invalid: LWS inside the Request-URI"},
    {"lwsstart", ScanError::kBAD_START_LINE, nullptr, "invalid: double SP in the request line"},
    {"trws", ScanError::kBAD_START_LINE, nullptr,
     "may be rejected: trailing SP; we forward bytes unchanged, so reject"},
    {"escruri", ScanError::kOK, "escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5",
     "out of scope: URI headers are the next hop's business (RFC allows accepting)"},
    {"baddate", ScanError::kOK, "baddate.239423mnsadf3j23lj42--sedfnm234",
     "out of scope: Date is not parsed (RFC: reject only if the Date matters)"},
    {"regbadct", ScanError::kOK, "regbadct.k345asrl3fdbv@10.0.0.1", "out of scope: Contact not parsed"},
    {"badaspec", ScanError::kOK, "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3",
     "out of scope: spaces inside <> of To; the URI itself is not parsed"},
    {"baddn", ScanError::kOK, "baddn.31415@c.example.com",
     "out of scope: unquoted display name with a comma; the tags are still found"},
    {"badvers", ScanError::kBAD_VERSION, nullptr, "invalid: SIP/7.0"},
    {"mismatch01", ScanError::kCSEQ_METHOD_MISMATCH, nullptr, "invalid: OPTIONS vs CSeq INVITE"},
    {"mismatch02", ScanError::kCSEQ_METHOD_MISMATCH, nullptr, "invalid: NEWMETHOD vs CSeq INVITE"},
    {"bigcode", ScanError::kBAD_STATUS_CODE, nullptr, "invalid: status 4294967301"},
    // 3.2 transaction layer semantics: syntactically valid.
    {"badbranch", ScanError::kOK, "badbranch.sadonfo23i420jv0as0derf3j3n",
     "parses: branch=z9hG4bK with nothing after is a transaction-layer matter"},
    // 3.3 application layer semantics: parsers must accept, except where the
    // scanner's mandatory headers are involved.
    {"insuf", ScanError::kNO_CALL_ID, nullptr, "missing Call-ID, From, To, Max-Forwards"},
    {"unkscm", ScanError::kOK, "unkscm.nasdfasser0q239nwsdfasdkl34", "valid: unknown URI scheme"},
    {"novelsc", ScanError::kOK, "novelsc.asdfasser0q239nwsdfasdkl34", "valid: soap.beep scheme"},
    {"unksm2", ScanError::kOK, "unksm2.daksdj@hyphenated-host.example.com",
     "valid: isbn:/http: URIs in To/From"},
    {"bext01", ScanError::kOK, "bext01.0ha0isndaksdj", "valid: Require/Proxy-Require are not ours"},
    {"invut", ScanError::kOK, "invut.0ha0isndaksdjadsfij34n23d", "valid: unknown body type"},
    {"regaut01", ScanError::kOK, "regaut01.0ha0isndaksdj", "valid: unknown auth scheme"},
    {"multi01", ScanError::kDUPLICATE_HEADER, nullptr, "invalid: second CSeq (then Call-ID, To, From)"},
    {"mcl01", ScanError::kDUPLICATE_HEADER, nullptr, "invalid: two Content-Length values"},
    {"bcast", ScanError::kOK, "bcast.0384840201234ksdfak3j2erwedfsASdf",
     "parses: 255.255.255.255 Via is an application decision"},
    {"zeromf", ScanError::kOK, "zeromf.jfasdlfnm2o2l43r5u0asdfas",
     "valid: Max-Forwards 0 is reported (0), the server answers 483"},
    {"cparam01", ScanError::kOK, "cparam01.70710@saturn.example.com", "valid: Contact not parsed"},
    {"cparam02", ScanError::kOK, "cparam02.70710@saturn.example.com", "valid: Contact not parsed"},
    {"regescrt", ScanError::kOK, "regescrt.k345asrl3fdbv@192.0.2.1", "valid: compact M, L:0"},
    {"sdp01", ScanError::kOK, "sdp01.ndaksdj9342dasdd", "valid: Accept is not ours"},
    // 3.4 backward compatibility.
    {"inv2543", ScanError::kOK, "inv2543.1717@ift.client.example.com",
     "valid RFC 2543: no Max-Forwards, no branch, no Content-Length (UDP)"},
};

using testing::Scanned;

Scanned scanFile(const std::string& name, const ScanOptions& options = {}) {
  return testing::scanExact(testing::readFile(testing::rfc4475File(name)), options);
}

class Rfc4475Test : public ::testing::TestWithParam<Expectation> {};

TEST_P(Rfc4475Test, Verdict) {
  const Expectation& e = GetParam();
  const Scanned s = scanFile(e.name);
  ASSERT_GT(s.size, 0u) << "missing file " << e.name;
  EXPECT_EQ(s.err, e.verdict) << e.name << ": " << e.why;
  if (e.call_id != nullptr) {
    EXPECT_EQ(s.get(s.m.call_id), e.call_id) << e.name;
  }
  if (e.verdict == ScanError::kOK) {
    EXPECT_GT(s.m.header_end, 0) << e.name;
    EXPECT_TRUE(s.m.found & kWantCSeq) << e.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc4475, Rfc4475Test, ::testing::ValuesIn(kTable),
                         [](const ::testing::TestParamInfo<Expectation>& p) {
                           return std::string(p.param.name);
                         });

TEST(Rfc4475TableTest, EveryFileHasAnExpectation) {
  std::set<std::string> listed;
  for (const Expectation& e : kTable) listed.insert(e.name);
  size_t files = 0;
  for (const auto& path : testing::rfc4475Files()) {
    ++files;
    EXPECT_TRUE(listed.count(path.stem().string())) << path;
  }
  EXPECT_EQ(files, std::size(kTable));
}

TEST(Rfc4475FieldsTest, Wsinv) {
  const Scanned s = scanFile("wsinv");
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.m.method, Method::kInvite);
  EXPECT_EQ(s.get(s.m.request_uri), "sip:vivekg@chair-dnrc.example.com;unknownparam");
  EXPECT_EQ(s.get(s.m.to_tag), "1918181833n");
  EXPECT_EQ(s.get(s.m.from_tag), "98asjd8");
  EXPECT_EQ(s.m.max_forwards, 68);
  EXPECT_EQ(s.m.cseq_number, 9u);
  EXPECT_EQ(s.m.cseq_method, Method::kInvite);
  EXPECT_EQ(s.get(s.m.via_transport), "UDP");
  EXPECT_EQ(s.get(s.m.via_sent_by), "192.0.2.2");
  EXPECT_EQ(s.get(s.m.via_branch), "390skdjuw");
  EXPECT_EQ(s.m.via_count, 3);
  EXPECT_EQ(s.m.content_length, 150);
  EXPECT_EQ(s.m.body_length, 150);
  EXPECT_EQ(s.m.header_end + 150u, s.size);
}

TEST(Rfc4475FieldsTest, Longreq) {
  const Scanned s = scanFile("longreq");
  ASSERT_EQ(s.err, ScanError::kOK);
  EXPECT_EQ(s.m.via_count, 34);
  EXPECT_EQ(s.get(s.m.via_sent_by), "sip33.example.com");
  EXPECT_EQ(s.get(s.m.from_tag).size(), 155u);
  EXPECT_EQ(s.m.content_length, 150);
}

TEST(Rfc4475FieldsTest, IntmethAndEscapes) {
  const Scanned i = scanFile("intmeth");
  ASSERT_EQ(i.err, ScanError::kOK);
  EXPECT_EQ(i.m.method, Method::kUnknown);
  EXPECT_EQ(i.get(i.m.method_token), "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(i.get(i.m.cseq_method_token), i.get(i.m.method_token));
  EXPECT_EQ(i.get(i.m.via_branch), "z9hG4bK-.!%66*_+`'~");
  EXPECT_EQ(i.get(i.m.from_tag), "_token~1'+`*%!-.");
  EXPECT_EQ(i.m.max_forwards, 255);
  EXPECT_EQ(i.m.cseq_number, 139122385u);

  const Scanned e = scanFile("esc02");
  ASSERT_EQ(e.err, ScanError::kOK);
  EXPECT_EQ(e.m.method, Method::kUnknown);
  EXPECT_EQ(e.get(e.m.via_branch), "z9hG4bK209%fzsnel234");
}

TEST(Rfc4475FieldsTest, ResponsesAndFraming) {
  const Scanned u = scanFile("unreason");
  ASSERT_EQ(u.err, ScanError::kOK);
  EXPECT_EQ(u.m.status_code, 200);
  EXPECT_EQ(u.get(u.m.reason_phrase).substr(0, 14), "= 2**3 * 5**2 ");
  const Scanned n = scanFile("noreason");
  ASSERT_EQ(n.err, ScanError::kOK);
  EXPECT_EQ(n.m.status_code, 100);
  EXPECT_TRUE(n.m.reason_phrase.empty());

  const Scanned d = scanFile("dblreq");
  ASSERT_EQ(d.err, ScanError::kOK);
  EXPECT_EQ(d.m.method, Method::kRegister);
  EXPECT_EQ(d.m.content_length, 0);
  EXPECT_EQ(d.m.body_length, 0);
  EXPECT_LT(d.m.header_end, d.size);

  const Scanned m = scanFile("mpart01");
  ASSERT_EQ(m.err, ScanError::kOK);
  EXPECT_EQ(m.m.content_length, 553);
  EXPECT_EQ(m.m.header_end + 553u, m.size);
  EXPECT_TRUE(m.m.via_rport);
  EXPECT_EQ(m.get(m.m.via_sent_by), "127.0.0.1:5070");

  const Scanned t = scanFile("transports");
  ASSERT_EQ(t.err, ScanError::kOK);
  EXPECT_EQ(t.m.via_count, 5);

  const Scanned inv = scanFile("inv2543");
  ASSERT_EQ(inv.err, ScanError::kOK);
  EXPECT_EQ(inv.m.content_length, -1);
  EXPECT_EQ(inv.m.max_forwards, -1);
  EXPECT_TRUE(inv.m.via_branch.empty());
  EXPECT_EQ(inv.m.header_end + inv.m.body_length, inv.size);

  // clerr over a stream is not an error: the caller waits for more bytes.
  ScanOptions stream;
  stream.datagram = false;
  const Scanned c = scanFile("clerr", stream);
  EXPECT_EQ(c.err, ScanError::kOK);
  EXPECT_EQ(c.m.content_length, 9999);
}

TEST(Rfc4475FieldsTest, FastPathAgreesOnValidMessages) {
  ScanOptions fast;
  fast.want = kWantCallId | kWantCSeq;
  for (const Expectation& e : kTable) {
    if (e.verdict != ScanError::kOK) continue;
    const Scanned all = scanFile(e.name);
    const Scanned quick = scanFile(e.name, fast);
    EXPECT_EQ(quick.err, ScanError::kOK) << e.name;
    EXPECT_EQ(quick.get(quick.m.call_id), all.get(all.m.call_id)) << e.name;
    EXPECT_EQ(quick.m.cseq_number, all.m.cseq_number) << e.name;
    EXPECT_EQ(quick.m.cseq_method, all.m.cseq_method) << e.name;
  }
}

// scanForSteering (the fast path's entry) on every torture message: never a
// read past the buffer (ASan), and on the valid ones the same fields as the
// full scan.
TEST(Rfc4475FieldsTest, SteeringEntryAgreesOnValidMessages) {
  for (const Expectation& e : kTable) {
    const Scanned all = scanFile(e.name);
    SteeringFields f;
    const ScanError err = scanForSteering(all.span(), f);
    if (e.verdict != ScanError::kOK) continue;
    ASSERT_EQ(err, ScanError::kOK) << e.name;
    EXPECT_EQ(f.call_id.in(all.span()), all.get(all.m.call_id)) << e.name;
    EXPECT_EQ(f.is_request, all.m.is_request) << e.name;
    EXPECT_EQ(f.method, all.m.method) << e.name;
    EXPECT_EQ(f.status_code, all.m.status_code) << e.name;
    if (!f.is_request) {
      EXPECT_EQ(f.cseq_method, all.m.cseq_method) << e.name;
    }
  }
}

}  // namespace
}  // namespace sipsteer::sip

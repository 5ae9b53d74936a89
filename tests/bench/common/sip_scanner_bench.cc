// SIP scanner cost per message: a ~1 KB INVITE with SDP and a ~400 B OPTIONS,
// with kWantAll (full validation) and the dataplane's fast-path mask
// (kWantCallId | kWantCSeq), against a plain memmem for "\r\nCall-ID:" on the
// same OPTIONS as the floor of "find one header", and scanForSteering (the
// dataplane's entry since it stopped using the mask). Reports, never asserts.
#include <sipsteer/core/sip_scanner.h>

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "support/sip_text.h"

namespace {

using namespace sipsteer::sip;
using sipsteer::testing::crlf;

// A softphone-style INVITE: 14 headers, SDP body, ~1 KB.
const std::string kInvite = [] {
  const std::string sdp = crlf(
      "v=0\n"
      "o=alice 2890844526 2890844526 IN IP4 198.18.1.20\n"
      "s=-\n"
      "c=IN IP4 198.18.1.20\n"
      "t=0 0\n"
      "m=audio 49170 RTP/AVP 0 8 9 18 101\n"
      "a=rtpmap:0 PCMU/8000\n"
      "a=rtpmap:8 PCMA/8000\n"
      "a=rtpmap:9 G722/8000\n"
      "a=rtpmap:18 G729/8000\n"
      "a=fmtp:18 annexb=no\n"
      "a=rtpmap:101 telephone-event/8000\n"
      "a=fmtp:101 0-16\n"
      "a=ptime:20\n"
      "a=sendrecv\n");
  return crlf(
             "INVITE sip:+15551234567@pbx.example.com;user=phone SIP/2.0\n"
             "Via: SIP/2.0/UDP 198.18.1.20:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6a7b8;rport\n"
             "Max-Forwards: 70\n"
             "Contact: <sip:alice@198.18.1.20:5060;transport=udp>\n"
             "To: <sip:+15551234567@pbx.example.com;user=phone>\n"
             "From: \"Alice Example\" <sip:alice@pbx.example.com>;tag=9fxced76sl\n"
             "Call-ID: 3848276298220188511@198.18.1.20\n"
             "CSeq: 2 INVITE\n"
             "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\n"
             "Supported: replaces, norefersub, extended-refer, timer, outbound, path\n"
             "User-Agent: ExamplePhone 5.4.1 build 1234\n"
             "Allow-Events: talk, hold, conference, refer, check-sync\n"
             "Proxy-Authorization: Digest username=\"alice\",realm=\"pbx.example.com\","
             "nonce=\"5f0c2b5e\",uri=\"sip:+15551234567@pbx.example.com;user=phone\","
             "response=\"6629fae49393a05397450978507c4ef1\",algorithm=MD5\n"
             "Content-Type: application/sdp\n"
             "Content-Length: " +
             std::to_string(sdp.size()) + "\n\n") +
         sdp;
}();

// A health-check OPTIONS as sent by a load balancer or a PBX, ~400 B.
const std::string kOptions = crlf(
    "OPTIONS sip:pbx1.example.com:5060 SIP/2.0\n"
    "Via: SIP/2.0/UDP 198.18.0.10:5060;branch=z9hG4bK-d8754z-8f3c2a1b9e7d6c5f;rport\n"
    "Max-Forwards: 70\n"
    "To: <sip:pbx1.example.com:5060>\n"
    "From: \"sipsteer\" <sip:monitor@lb.example.com>;tag=8d2f4a6c\n"
    "Call-ID: 7f3b9c2e5a1d4f6b8c0e2a4d6f8b0c2e@198.18.0.10\n"
    "CSeq: 1048 OPTIONS\n"
    "Contact: <sip:monitor@198.18.0.10:5060>\n"
    "Accept: application/sdp\n"
    "User-Agent: sipsteer/0.1\n"
    "Content-Length: 0\n"
    "\n");

void scanBench(benchmark::State& state, const std::string& message, uint32_t want) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(message.data()),
                                       message.size());
  ScanOptions options;
  options.want = want;
  SipMessage out;
  if (scan(bytes, out, options) != ScanError::kOK) {
    state.SkipWithError("sample message does not scan");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    const ScanError err = scan(bytes, out, options);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(message.size()));
  state.counters["bytes"] = double(message.size());
}

void BM_ScanInviteAll(benchmark::State& s) { scanBench(s, kInvite, kWantAll); }
void BM_ScanInviteFast(benchmark::State& s) { scanBench(s, kInvite, kWantCallId | kWantCSeq); }
void BM_ScanOptionsAll(benchmark::State& s) { scanBench(s, kOptions, kWantAll); }
void BM_ScanOptionsFast(benchmark::State& s) { scanBench(s, kOptions, kWantCallId | kWantCSeq); }

// scanForSteering on the request, and on a response made from it (a
// response needs CSeq too).
// `skip` picks how counted header lines are stepped over (kAuto: what the
// dataplane gets; kSse2: CPUs without AVX2).
void steerBench(benchmark::State& state, const std::string& message,
                detail::SteeringSkip skip = detail::SteeringSkip::kAuto) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(message.data()),
                                       message.size());
  SteeringFields out;
  if (!detail::steeringSkipAvailable(skip)) {
    state.SkipWithError("this CPU lacks the instructions");
    return;
  }
  if (detail::scanForSteeringWith(skip, bytes, out) != ScanError::kOK) {
    state.SkipWithError("sample message does not scan");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    const ScanError err = detail::scanForSteeringWith(skip, bytes, out);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(message.size()));
  state.counters["bytes"] = double(message.size());
}

std::string asResponse(const std::string& request) {
  return "SIP/2.0 200 OK" + request.substr(request.find("\r\n"));
}

// The worst usual order for the steering scan: Call-ID last after 20 other
// headers (several of them starting with 'C', which cannot be skipped on
// their first byte alone), ~1 KB of header section before it.
const std::string kLateCallId = [] {
  std::string text = "OPTIONS sip:pbx1.example.com:5060 SIP/2.0\n";
  for (int i = 0; i < 4; ++i)
    text += "Via: SIP/2.0/UDP 198.18.0." + std::to_string(10 + i) + ":5060;branch=z9hG4bK-d8754z-" +
            std::to_string(i) + "8f3c2a1b9e7d6c5f;rport\n";
  text +=
      "Max-Forwards: 70\n"
      "To: <sip:pbx1.example.com:5060>\n"
      "From: \"sipsteer\" <sip:monitor@lb.example.com>;tag=8d2f4a6c\n"
      "CSeq: 1048 OPTIONS\n"
      "Contact: <sip:monitor@198.18.0.10:5060>\n"
      "Accept: application/sdp\n"
      "Accept-Language: en\n"
      "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\n"
      "Supported: replaces, norefersub, extended-refer, timer, outbound, path\n"
      "User-Agent: sipsteer/0.1\n"
      "Allow-Events: talk, hold, conference, refer, check-sync\n"
      "Record-Route: <sip:198.18.0.1;lr>\n"
      "Route: <sip:198.18.0.2;lr>\n"
      "Content-Type: application/sdp\n"
      "Content-Length: 0\n"
      "Call-Info: <http://www.example.com/alice/photo.jpg>;purpose=icon\n"
      "Call-ID: 7f3b9c2e5a1d4f6b8c0e2a4d6f8b0c2e@198.18.0.10\n"
      "\n";
  return crlf(text);
}();
void BM_SteerLateCallId(benchmark::State& s) { steerBench(s, kLateCallId); }
void BM_SteerOptionsSse2(benchmark::State& s) { steerBench(s, kOptions, detail::SteeringSkip::kSse2); }
void BM_SteerLateCallIdSse2(benchmark::State& s) {
  steerBench(s, kLateCallId, detail::SteeringSkip::kSse2);
}

void BM_SteerInvite(benchmark::State& s) { steerBench(s, kInvite); }
void BM_SteerOptions(benchmark::State& s) { steerBench(s, kOptions); }
void BM_SteerOptionsResponse(benchmark::State& s) { steerBench(s, asResponse(kOptions)); }
void BM_ScanOptionsResponseFast(benchmark::State& s) {
  scanBench(s, asResponse(kOptions), kWantCallId | kWantCSeq);
}

void BM_MemmemCallIdOptions(benchmark::State& state) {
  static constexpr char kNeedle[] = "\r\nCall-ID:";
  for (auto _ : state) {
    benchmark::DoNotOptimize(kOptions.data());
    const void* hit = memmem(kOptions.data(), kOptions.size(), kNeedle, sizeof(kNeedle) - 1);
    benchmark::DoNotOptimize(hit);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kOptions.size()));
  state.counters["bytes"] = double(kOptions.size());
}

BENCHMARK(BM_ScanInviteAll);
BENCHMARK(BM_ScanInviteFast);
BENCHMARK(BM_ScanOptionsAll);
BENCHMARK(BM_ScanOptionsFast);
BENCHMARK(BM_ScanOptionsResponseFast);
BENCHMARK(BM_SteerInvite);
BENCHMARK(BM_SteerOptions);
BENCHMARK(BM_SteerOptionsResponse);
BENCHMARK(BM_SteerLateCallId);
BENCHMARK(BM_SteerOptionsSse2);
BENCHMARK(BM_SteerLateCallIdSse2);
BENCHMARK(BM_MemmemCallIdOptions);

}  // namespace

BENCHMARK_MAIN();

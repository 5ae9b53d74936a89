// The classifier and the RFC 1071 sum on their own, per packet: parsePacket
// (fast path) vs the general parser on the benchmark's frame sizes, with and
// without the software checksums, and the sum's AVX-512, AVX2 and baseline
// loops per length. Reported, never asserted.
//   build/release/tests/bench/dataplane/bench_dataplane_parse_checksum
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "pkt/checksum.h"
#include "pkt/packet_parser.h"
#include "support/packet_builder.h"

namespace {

using namespace sipsteer::dp;
using sipsteer::testing::Bytes;
using sipsteer::testing::IpAddr;
using sipsteer::testing::UdpFrameSpec;

// An untagged IPv4 SIP frame of `frame_size` bytes (the pipeline bench's
// sizes: 500 for an OPTIONS, 1000 for an INVITE).
Bytes sipFrame(size_t frame_size) {
  UdpFrameSpec spec;
  spec.src = IpAddr::parse("198.18.1.1");
  spec.dst = IpAddr::parse("198.18.0.10");
  spec.sport = 5062;
  const std::string payload(frame_size - 42, 'x');
  return sipsteer::testing::udpFrame(spec, payload);
}

template <bool kGeneral>
void BM_Parse(benchmark::State& state) {
  const Bytes frame = sipFrame(static_cast<size_t>(state.range(0)));
  ParseOptions options;
  options.verify_ipv4_checksum = options.verify_l4_checksum = state.range(1) != 0;
  ParsedPacket p;
  for (auto _ : state) {
    if (kGeneral)
      detail::parsePacketGeneral(frame.data(), static_cast<uint32_t>(frame.size()), options, p);
    else
      parsePacket(frame.data(), static_cast<uint32_t>(frame.size()), options, p);
    benchmark::DoNotOptimize(p);
  }
  if (p.kind != PacketKind::kUdp) state.SkipWithError("the frame did not parse as UDP");
}
// {frame bytes, software checksums}
BENCHMARK(BM_Parse<false>)->ArgsProduct({{500, 1000}, {1, 0}})->Name("BM_ParsePacket");
BENCHMARK(BM_Parse<true>)->ArgsProduct({{500, 1000}, {1, 0}})->Name("BM_ParsePacketGeneral");

void BM_ChecksumSum(benchmark::State& state) {
  const auto path = static_cast<SumPath>(state.range(0));
  if (!sumPathAvailable(path)) {
    state.SkipWithError("this CPU does not have that loop's instructions");
    return;
  }
  const size_t n = static_cast<size_t>(state.range(1));
  std::vector<uint8_t> data(n + 1);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(data.data());
    benchmark::DoNotOptimize(checksumSumWith(path, data.data() + 1, n));  // odd start, as in a frame
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
// {SumPath: 0 baseline, 1 AVX2, 2 AVX-512; bytes}: an IPv4 header, the two
// UDP datagrams above, odd lengths.
BENCHMARK(BM_ChecksumSum)->ArgsProduct({{2, 1, 0}, {20, 32, 48, 63, 458, 459, 958, 1472}});

}  // namespace

BENCHMARK_MAIN();

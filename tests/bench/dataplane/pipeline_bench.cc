// Fast-path throughput of one worker lcore on net_ring ports.
//
// Each round: the driver refills 32 pre-built mbufs (restores the 64 header
// bytes the rewrite touched, writes the next of 1M distinct Call-IDs and
// patches the UDP checksum incrementally), enqueues them on the port's RX
// ring; the worker step runs rx_burst -> (pipeline | nothing) -> tx_burst;
// the driver takes the frames back from the TX ring. The bare forwarder runs
// the identical driver, so the difference is the pipeline's cost.
//
// The driver runs on the measured core too (a NIC would do its part, the
// Call-ID rewrite excepted, in hardware; the rewrite is one 8-byte store of
// digits made without a table and a small checksum update, ~121 instructions
// per packet for the whole driver), so BM_DriverOnly times it alone,
// its frames moved from the RX ring to the TX ring with no port in between,
// and the pipeline cases also report worker_ns_per_pkt: their time minus the
// driver's, an estimate of the worker's own cost (the driver's writes also
// leave the frame's first lines in the cache, which a NIC would not). The
// bare forwarder's own share is within the noise of that subtraction
// (its rx_burst/tx_burst on net_ring are a few ring operations per burst),
// so it gets no such figure.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <sipsteer/core/table_builder.h>

#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "pkt/checksum.h"
#include "runtime/engine.h"
#include "support/packet_builder.h"

namespace {

using namespace sipsteer;
using namespace sipsteer::dp;

constexpr uint32_t kDialogs = 1u << 20;
constexpr uint16_t kBurst = 32;
constexpr uint32_t kPackets = 4096;  // mbufs cycling through the rings
// The hot-frames case cycles only this many, which all stay in L2
// (256 x 2 KiB): against kPackets it shows what the frames' own cache
// misses cost (a NIC's DMA leaves them in the LLC at best).
constexpr uint32_t kHotFrames = 256;

struct Port {
  rte_ring* rx = nullptr;  // driver -> port
  rte_ring* tx = nullptr;  // port -> driver
  uint16_t id = 0;
};

struct Template {
  testing::Bytes frame;
  size_t digits = 0;  // offset of the 8 hex digits of the Call-ID
  size_t udp = 0;     // offset of the UDP header
  uint32_t check_base = 0;  // digitsChecksumBase(): ~m of the template's digits
};

// ns/packet of the bare forwarder per frame size, and of the driver alone
// per (frame size, frames cycling), for the ratio and the worker figures.
std::map<int64_t, double> g_bare_ns;
std::map<std::pair<int64_t, int64_t>, double> g_driver_ns;

// CPU time of this thread (the driver and the worker step both run on it):
// the same clock Google Benchmark's items_per_second uses, and immune to the
// other processes of a shared machine.
double threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// ns_per_pkt and Mpps as plain numbers. (A kIsRate|kInvert counter prints
// seconds with an "s" suffix, e.g. "278.6s" for 278.6 ns: easy to misread.)
double reportPerPacket(benchmark::State& state, uint64_t packets, double cpu_ns) {
  const double ns = packets != 0 ? cpu_ns / static_cast<double>(packets) : 0;
  state.counters["ns_per_pkt"] = ns;
  state.counters["Mpps"] = ns > 0 ? 1e3 / ns : 0;
  return ns;
}

// The same minus the driver's own cost measured for this frame size (when
// BM_DriverOnly ran first, as it does in the default order).
void reportWorkerOnly(benchmark::State& state, int64_t frames, double ns) {
  const auto driver = g_driver_ns.find({state.range(0), frames});
  if (driver == g_driver_ns.end() || ns <= driver->second) return;
  const double worker = ns - driver->second;
  state.counters["worker_ns_per_pkt"] = worker;
  state.counters["worker_Mpps"] = 1e3 / worker;
}

rte_mempool* g_pool = nullptr;
Port g_port;
std::unique_ptr<Engine> g_engine;

uint32_t digitsChecksumBase(const Template& t);
bool checkWriteDigits(const Template& t);

Template makeTemplate(size_t target_size) {
  testing::UdpFrameSpec s;
  s.src = testing::IpAddr::parse("198.18.1.1");
  s.dst = testing::IpAddr::parse("198.18.0.10");
  s.dst_mac = testing::parseMac("02:d0:00:00:00:00");
  testing::SipRequestSpec r;
  r.method = target_size > 700 ? "INVITE" : "OPTIONS";
  r.call_id = "bench-00000000@198.18.1.1";  // same Call-IDs in every run: one 1M table
  r.extra_headers = {"Contact: <sip:bench@198.18.1.1:5060>", "User-Agent: sipsteer-bench"};
  Template t;
  t.udp = 34;
  // Keep the digits 16-bit aligned relative to the UDP header (incremental
  // checksum update works on words): one more URI byte shifts them.
  for (int attempt = 0; attempt < 2; ++attempt) {
    r.body.clear();
    const size_t base = 14 + 20 + 8 + testing::sipRequest(r).size();
    if (base < target_size) r.body = std::string(target_size - base, 'v');
    t.frame = testing::udpFrame(s, testing::sipRequest(r));
    const std::string text(t.frame.begin(), t.frame.end());
    t.digits = text.find("bench-") + 6;
    if ((t.digits - t.udp) % 2 == 0) break;
    r.uri += "x";
  }
  t.check_base = digitsChecksumBase(t);
  if (!checkWriteDigits(t)) std::abort();
  return t;
}

// The 8 lowercase hex digits of `n`, most significant first, as the bytes of
// a little-endian word: nibbles spread one per byte, then '0'..'9' or
// 'a'..'f' without a table or a branch (the driver stands in for a NIC and
// should cost the measured core as little as it can).
uint64_t hexDigits(uint32_t n) {
  uint64_t x = n;
  x = (x | x << 16) & 0x0000ffff0000ffffull;
  x = (x | x << 8) & 0x00ff00ff00ff00ffull;
  x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;  // byte i = nibble i
  x = __builtin_bswap64(x);                   // byte 0 = the top nibble
  const uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  return x + 0x3030303030303030ull + letters * ('a' - '0' - 10);
}

// "~m" of RFC 1624 for the template's digits (checksumReplace's first half
// for digits replaced by zeros): each frame's update adds its own "m'".
uint32_t digitsChecksumBase(const Template& t) {
  static constexpr uint8_t kZeros[8] = {};
  return static_cast<uint32_t>(replacementSum(t.frame.data() + t.digits, kZeros, 8));
}

// noinline: callgrind_per_packet.sh counts packets by its calls.
[[gnu::noinline]] void writeDigits(uint8_t* frame, const Template& t, uint32_t n) {
  const uint64_t digits = hexDigits(n);
  std::memcpy(frame + t.digits, &digits, 8);
  // "m'": the four 16-bit words folded in native order are their
  // network-order sum byte-swapped (RFC 1071's byte order independence).
  // The restored header holds the template's checksum.
  uint8_t* check = frame + t.udp + 6;
  store16be(check, applySmallReplacement(load16be(check), t.check_base + swap16(foldSum(digits))));
}

// The fast digits and checksum against the obvious ones, once at start-up:
// a wrong checksum would have the pipeline drop every frame as corrupt.
bool checkWriteDigits(const Template& t) {
  for (uint32_t n : {0u, 1u, 9u, 10u, 15u, 16u, 0x9afu, 0xabcdefu, kDialogs - 1, 0x12345678u, 0xffffffffu}) {
    testing::Bytes frame = t.frame;
    writeDigits(frame.data(), t, n);
    char want[9];
    std::snprintf(want, sizeof want, "%08x", n);
    testing::Bytes slow = t.frame;
    std::memcpy(slow.data() + t.digits, want, 8);
    store16be(slow.data() + t.udp + 6,
              checksumReplace(load16be(t.frame.data() + t.udp + 6), t.frame.data() + t.digits, slow.data() + t.digits, 8));
    if (frame != slow) {
      std::fprintf(stderr, "bench: writeDigits(%08x) disagrees with snprintf + checksumReplace\n", n);
      return false;
    }
  }
  return true;
}

// Runs `rounds` bursts of the driver + worker step; returns packets moved.
template <typename Step>
uint64_t drive(const Template& t, std::span<rte_mbuf* const> mbufs, uint32_t& next_id, Step&& step,
               uint64_t rounds, uint32_t dialogs = kDialogs) {
  uint64_t moved = 0;
  uint32_t cursor = 0;
  rte_mbuf* burst[kBurst];
  for (uint64_t r = 0; r < rounds; ++r) {
    for (uint16_t i = 0; i < kBurst; ++i) {
      rte_mbuf* m = mbufs[cursor];
      cursor = cursor + 1 == mbufs.size() ? 0 : cursor + 1;
      uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
      std::memcpy(frame, t.frame.data(), 64);
      writeDigits(frame, t, next_id);
      next_id = (next_id + 1) & (dialogs - 1);
      burst[i] = m;
    }
    rte_ring_sp_enqueue_burst(g_port.rx, reinterpret_cast<void**>(burst), kBurst, nullptr);
    step();
    const unsigned back = rte_ring_sc_dequeue_burst(g_port.tx, reinterpret_cast<void**>(burst), kBurst, nullptr);
    moved += back;
    // Frames the pipeline dropped were freed; re-allocate them so the cycle
    // keeps its mbufs (only happens if something is wrong).
    if (back != kBurst) std::fprintf(stderr, "bench: %u of %u frames came back\n", back, kBurst);
  }
  return moved;
}

// The pipeline's timed rounds, in a function of their own so that
// callgrind_per_packet.sh can count instructions in them alone
// (--toggle-collect), without the warm-up's new dialogs.
template <typename Step>
[[gnu::noinline]] uint64_t timedDrive(const Template& t, std::span<rte_mbuf* const> mbufs, uint32_t& next_id,
                                      Step&& step, uint64_t rounds, uint32_t dialogs) {
  return drive(t, mbufs, next_id, step, rounds, dialogs);
}

void prepare(const Template& t, std::span<rte_mbuf*> mbufs) {
  for (size_t i = 0; i < mbufs.size(); ++i) {
    mbufs[i] = rte_pktmbuf_alloc(g_pool);
    std::memcpy(rte_pktmbuf_append(mbufs[i], static_cast<uint16_t>(t.frame.size())), t.frame.data(), t.frame.size());
  }
}

// Times the driver with `step` as the worker over the benchmark's
// iterations; returns (and reports) ns per packet.
template <typename Step>
double timeForwarding(benchmark::State& state, const Template& t, std::span<rte_mbuf* const> mbufs, Step&& step) {
  uint32_t next = 0;
  uint64_t packets = 0;
  const double start = threadCpuNs();
  for (auto _ : state) packets += drive(t, mbufs, next, step, 1024);
  const double cpu_ns = threadCpuNs() - start;
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["frame_bytes"] = static_cast<double>(t.frame.size());
  return reportPerPacket(state, packets, cpu_ns);
}

void BM_DriverOnly(benchmark::State& state) {
  const Template t = makeTemplate(static_cast<size_t>(state.range(0)));
  std::vector<rte_mbuf*> mbufs(static_cast<size_t>(state.range(1)));
  prepare(t, mbufs);
  void* moving[kBurst];
  auto step = [&] {
    const unsigned n = rte_ring_sc_dequeue_burst(g_port.rx, moving, kBurst, nullptr);
    rte_ring_sp_enqueue_burst(g_port.tx, moving, n, nullptr);
  };
  g_driver_ns[{state.range(0), state.range(1)}] = timeForwarding(state, t, mbufs, step);
  state.counters["frames"] = static_cast<double>(state.range(1));
  for (rte_mbuf* m : mbufs) rte_pktmbuf_free(m);
}

void BM_BareForwarder(benchmark::State& state) {
  const Template t = makeTemplate(static_cast<size_t>(state.range(0)));
  std::vector<rte_mbuf*> mbufs(kPackets);
  prepare(t, mbufs);
  rte_mbuf* rx[kBurst];
  auto step = [&] {
    const uint16_t n = rte_eth_rx_burst(g_port.id, 0, rx, kBurst);
    const uint16_t sent = rte_eth_tx_burst(g_port.id, 0, rx, n);
    for (uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(rx[i]);
  };
  g_bare_ns[state.range(0)] = timeForwarding(state, t, mbufs, step);
  for (rte_mbuf* m : mbufs) rte_pktmbuf_free(m);
}

void BM_SipsteerPipeline(benchmark::State& state) {
  const Template t = makeTemplate(static_cast<size_t>(state.range(0)));
  const int64_t frames = state.range(3);
  std::vector<rte_mbuf*> mbufs(static_cast<size_t>(frames));
  prepare(t, mbufs);
  PipelineConfig config;
  config.port_count = 1;
  config.ports[0].port_id = g_port.id;
  config.max_sip_size = 8192;
  config.unanswered_ticks = rte_get_tsc_hz() * 2;
  config.verify_checksums = state.range(2) != 0;
  auto* counters = static_cast<WorkerCounters*>(rte_zmalloc("bench_counters", sizeof(WorkerCounters), 64));
  auto pipeline = std::make_unique<Pipeline>(config, g_engine->shared(), counters);
  auto tx = std::make_unique<TxBatch>();
  rte_mbuf* rx[kBurst];
  auto step = [&] {
    const uint16_t n = rte_eth_rx_burst(g_port.id, 0, rx, kBurst);
    tx->count[0] = 0;
    pipeline->process(rx, n, 0, *tx, rte_rdtsc());
    const uint16_t sent = rte_eth_tx_burst(g_port.id, 0, tx->pkts[0], tx->count[0]);
    for (uint16_t i = sent; i < tx->count[0]; ++i) rte_pktmbuf_free(tx->pkts[0][i]);
    rte_rcu_qsbr_quiescent(g_engine->qsbr(), 0);
  };
  uint32_t next = 0;
  // Warm-up: every one of the 1M dialogs gets its affinity entry, so the
  // timed part measures the steady state (affinity hits on a full table).
  drive(t, mbufs, next, step, kDialogs / kBurst);
  const auto dialogs = static_cast<uint32_t>(state.range(1));
  uint64_t packets = 0;
  const double start = threadCpuNs();
  for (auto _ : state) packets += timedDrive(t, mbufs, next, step, 1024, dialogs);
  const double cpu_ns = threadCpuNs() - start;
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  const double ns = reportPerPacket(state, packets, cpu_ns);
  // Cost relative to the bare forwarder on the same frames (same driver).
  if (const auto bare = g_bare_ns.find(state.range(0)); bare != g_bare_ns.end() && bare->second > 0)
    state.counters["x_bare"] = ns / bare->second;
  reportWorkerOnly(state, frames, ns);
  state.counters["frame_bytes"] = static_cast<double>(t.frame.size());
  state.counters["dialogs"] = static_cast<double>(dialogs);
  state.counters["sw_checksum"] = static_cast<double>(state.range(2));
  state.counters["frames"] = static_cast<double>(frames);
  for (int r = 0; r < SIPSTEER_DROP_REASON_COUNT; ++r)
    if (counters->drops[r] != 0) state.counters["drop_reason_" + std::to_string(r)] = static_cast<double>(counters->drops[r]);
  uint64_t drops = 0;
  for (uint64_t d : counters->drops) drops += d;
  state.counters["drops"] = static_cast<double>(drops);
  state.counters["new_dialogs"] = static_cast<double>(counters->vips[0][SIPSTEER_VIP_NEW_DIALOGS]);
  pipeline.reset();
  rte_free(counters);
  for (rte_mbuf* m : mbufs) rte_pktmbuf_free(m);
}

BENCHMARK(BM_DriverOnly)->Args({500, kPackets})->Args({1000, kPackets})->Args({500, kHotFrames})->MinTime(1.0);
BENCHMARK(BM_BareForwarder)->Arg(500)->Arg(1000)->MinTime(1.0);
// {frame bytes, distinct Call-IDs cycled, software UDP checksum check,
// frames cycling}: 1M dialogs is the sizing target; 1024 shows the cost
// without cache misses on the affinity table; checksum off is what a NIC
// with RX checksum offload (or verify_checksums: false) gives; 256 frames
// (hot in L2) with 1024 dialogs is the path's computing alone.
BENCHMARK(BM_SipsteerPipeline)
    ->Args({500, kDialogs, 1, kPackets})
    ->Args({1000, kDialogs, 1, kPackets})
    ->Args({500, 1024, 1, kPackets})
    ->Args({500, kDialogs, 0, kPackets})
    ->Args({500, 1024, 1, kHotFrames})
    ->MinTime(1.0);

bool setUp() {
  // 1 GiB of DPDK memory: the 1M-dialog affinity table (~150 MiB), the
  // mbufs and the rings, with room to spare. In 4 KiB pages (--no-huge) by
  // default, as the tests run; SIPSTEER_BENCH_HUGEPAGES=1 takes it from 2 MiB
  // hugepages as production does (tests/bench/dataplane/with_hugepages.sh),
  // which spares the frames and the table most of their TLB misses.
  const std::string prefix = "--file-prefix=sipsteer_bench_" + std::to_string(::getpid());
  const char* huge = std::getenv("SIPSTEER_BENCH_HUGEPAGES");
  const bool hugepages = huge != nullptr && std::strcmp(huge, "1") == 0;
  const char* args[] = {"bench", hugepages ? "--in-memory" : "--no-huge", "--no-pci", "-m", "1024",
                        "--no-shconf", "--no-telemetry", "--log-level=error", "-l", "0", prefix.c_str()};
  if (rte_eal_init(static_cast<int>(sizeof args / sizeof args[0]), const_cast<char**>(args)) < 0) {
    std::fprintf(stderr, "rte_eal_init (%s): %s%s\n", hugepages ? "hugepages" : "--no-huge", rte_strerror(rte_errno),
                 hugepages ? " (1 GiB of free 2 MiB hugepages and a hugetlbfs mount needed: with_hugepages.sh)" : "");
    return false;
  }
  std::printf("DPDK memory: %s\n", hugepages ? "2 MiB hugepages" : "4 KiB pages (--no-huge)");
  g_pool = rte_pktmbuf_pool_create("bench_pool", 2 * kPackets + 1023, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  g_port.rx = rte_ring_create("bench_rx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  g_port.tx = rte_ring_create("bench_tx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  const int id = rte_eth_from_rings("bench_port", &g_port.rx, 1, &g_port.tx, 1, 0);
  if (g_pool == nullptr || id < 0) {
    std::fprintf(stderr, "bench setup: %s\n", rte_strerror(rte_errno));
    return false;
  }
  g_port.id = static_cast<uint16_t>(id);
  rte_eth_conf conf{};
  rte_eth_dev_configure(g_port.id, 1, 1, &conf);
  rte_eth_rx_queue_setup(g_port.id, 0, 1024, 0, nullptr, g_pool);
  rte_eth_tx_queue_setup(g_port.id, 0, 1024, 0, nullptr);
  rte_eth_dev_start(g_port.id);

  rte_malloc_socket_stats before{}, after{};
  rte_malloc_get_socket_stats(0, &before);
  EngineOptions options;
  options.name = "bench";
  options.max_dialogs = kDialogs;
  std::string error;
  g_engine = Engine::create(options, error);
  if (!g_engine) {
    std::fprintf(stderr, "engine: %s\n", error.c_str());
    return false;
  }
  rte_malloc_get_socket_stats(0, &after);
  rte_rcu_qsbr_thread_register(g_engine->qsbr(), 0);
  rte_rcu_qsbr_thread_online(g_engine->qsbr(), 0);
  core::TableSpec spec;
  spec.hash_key.bytes = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
  core::PoolSpec pool;
  for (uint8_t i = 1; i <= 3; ++i) {
    core::ServerSpec s;
    s.addr.v4 = htonl(0xc6120200u + i);
    s.server_id = i;
    s.mac = {0x02, 0x5e, 0, 0, 0, i};
    s.mac_set = true;
    pool.servers.push_back(s);
  }
  spec.pools.push_back(pool);
  core::VipSpec vip;
  vip.addr.v4 = htonl(0xc612000au);
  spec.vips.push_back(vip);
  const auto ack = g_engine->applyTable(*core::buildTable(spec));
  if (ack.status != 0) {
    std::fprintf(stderr, "table refused: %u\n", ack.status);
    return false;
  }
  std::printf("affinity table: %u dialogs, %.1f MiB (computed), %.1f MiB (DPDK heap growth incl. ring/counters)\n",
              kDialogs, static_cast<double>(g_engine->flows().memoryBytes()) / (1 << 20),
              static_cast<double>(after.heap_allocsz_bytes - before.heap_allocsz_bytes) / (1 << 20));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!setUp()) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_rcu_qsbr_thread_offline(g_engine->qsbr(), 0);
  g_engine.reset();
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return 0;
}

// sipsteer-dp: load the `dataplane:` config, start EAL, ports and workers,
// then serve the control socket on the main lcore until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <net/if.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "config/dataplane_config.h"
#include "control/control_server.h"
#include "runtime/engine.h"
#include "runtime/ports.h"
#include "runtime/resolver.h"
#include "runtime/worker.h"

namespace {

std::atomic<bool> g_stop{false};

void onSignal(int) { g_stop.store(true); }

int fail(const std::string& message) {
  std::fprintf(stderr, "sipsteer-dp: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sipsteer::dp;
  CLI::App app{"sipsteer-dp: DPDK fast path of the sipsteer SIP load balancer"};
  std::string config_file, socket_path;
  uint32_t workers = 0;
  std::vector<std::string> extra_eal;
  app.add_option("-c,--config", config_file, "sipsteer YAML config (its dataplane: section)")->required();
  app.add_option("--control-socket", socket_path, "override dataplane.control_socket");
  app.add_option("--workers", workers, "override dataplane.workers");
  app.add_option("--eal", extra_eal, "extra EAL argument, repeatable (e.g. --eal=--no-huge)");
  CLI11_PARSE(app, argc, argv);

  auto loaded = loadDataplaneConfig(config_file);
  if (!loaded) return fail(loaded.error());
  DataplaneConfig config = *loaded;
  if (!socket_path.empty()) config.control_socket = socket_path;
  if (workers != 0) config.workers = workers;
  if (config.ports.empty()) return fail(config_file + ": dataplane.ports: at least one port is needed");

  std::vector<std::string> eal = {"sipsteer-dp"};
  eal.insert(eal.end(), config.eal_args.begin(), config.eal_args.end());
  eal.insert(eal.end(), extra_eal.begin(), extra_eal.end());
  for (const PortConfig& p : config.ports)
    if (p.device.rfind("net_", 0) == 0) eal.push_back("--vdev=" + p.device);
  std::vector<char*> eal_argv;
  for (auto& a : eal) eal_argv.push_back(a.data());
  eal_argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal.size()), eal_argv.data()) < 0)
    return fail(std::string("rte_eal_init: ") + rte_strerror(rte_errno));
  if (rte_lcore_count() < config.workers + 1)
    return fail("EAL has " + std::to_string(rte_lcore_count()) + " lcores; " + std::to_string(config.workers) +
                " workers need " + std::to_string(config.workers + 1) + " (main + workers: -l 0-" +
                std::to_string(config.workers) + ")");

  auto pools = createPortPools(config);
  if (!pools) return fail(pools.error());
  auto ports = startPorts(config, *pools);
  if (!ports) return fail(ports.error());

  EngineOptions options;
  options.workers = config.workers;
  options.max_dialogs = config.affinity.max_dialogs;
  options.idle_timeout_s = config.affinity.idle_timeout_s;
  options.after_bye_s = config.affinity.after_bye_s;
  // One window for the workers' lazy check and the control thread's sweep.
  const uint64_t unanswered_ticks = config.unanswered_window_ms * rte_get_tsc_hz() / 1000;
  options.unanswered_ticks = unanswered_ticks;
  options.local_down_hold_ms = config.local_down_hold_ms;
  std::string error;
  auto engine = Engine::create(options, error);
  if (!engine) return fail(error);

  PipelineConfig pipeline;
  pipeline.port_count = static_cast<uint16_t>(ports->size());
  std::vector<uint16_t> port_ids;
  for (uint16_t i = 0; i < pipeline.port_count; ++i) {
    pipeline.ports[i] = (*ports)[i];
    port_ids.push_back((*ports)[i].port_id);
    if (pipeline.ports[i].role != PortRole::kServer) pipeline.client_port = i;
    if (pipeline.ports[i].role != PortRole::kClient) pipeline.server_port = i;
    const PortConfig& pc = config.ports[i];
    const auto& gateway = pc.gateway4 ? pc.gateway4 : pc.gateway6;
    if (gateway) pipeline.ports[i].gateway_slot = engine->neighbours().slotFor(gateway->family, gateway->addr);
  }
  pipeline.max_sip_size = config.max_sip_size;
  pipeline.unanswered_ticks = unanswered_ticks;
  pipeline.verify_checksums = config.verify_checksums;
  pipeline.verify_udp_checksum = config.verify_udp_checksum;
  pipeline.frag_max_flows = config.fragments.max_flows;
  pipeline.frag_timeout_ticks = config.fragments.timeout_ms * rte_get_tsc_hz() / 1000;
  engine->setPortIds(port_ids);

  rte_ring* slow_tx[kMaxPorts] = {};
  for (uint16_t i = 0; i < pipeline.port_count; ++i)
    slow_tx[i] = rte_ring_create(("dp_slow_tx" + std::to_string(i)).c_str(), 256, SOCKET_ID_ANY, RING_F_SC_DEQ);
  rte_mempool* port_pools[kMaxPorts] = {};
  for (uint16_t i = 0; i < pipeline.port_count; ++i) port_pools[i] = (*pools)[i].pool;
  // Next-hop MACs: from the kernel's neighbour table of the port's
  // interface when the port shares it with the kernel (docs/dataplane.md,
  // "Neighbours"), else by sipsteer-dp's own ARP/ND.
  std::vector<PortNeighbourSource> sources(pipeline.port_count);
  for (uint16_t i = 0; i < pipeline.port_count; ++i) {
    const PortConfig& pc = config.ports[i];
    sources[i].name = pc.name;
    sources[i].iface = pc.iface;
    if (pc.neighbours != NeighbourSource::kKernel) continue;
    sources[i].kernel = true;
    sources[i].ifindex = static_cast<int>(if_nametoindex(pc.iface.c_str()));
    if (sources[i].ifindex == 0)
      return fail("port " + pc.name + " (config line " + std::to_string(pc.line) +
                  "): neighbours: kernel: no interface '" + pc.iface + "' in sipsteer-dp's network namespace: " +
                  std::strerror(errno));
    std::printf("sipsteer-dp: port %s: next-hop MACs from the kernel's neighbour table of %s (ifindex %d)\n",
                pc.name.c_str(), pc.iface.c_str(), sources[i].ifindex);
  }
  Resolver resolver(engine->neighbours(), port_pools, pipeline, slow_tx, rte_get_tsc_hz(), std::move(sources));
  engine->setResolver([&resolver](const RuntimeTable& t) { resolver(t); });

  std::vector<std::unique_ptr<WorkerContext>> contexts;
  unsigned lcore;
  uint32_t next = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (next == config.workers) break;
    auto w = std::make_unique<WorkerContext>();
    w->id = next;
    w->pipeline = pipeline;
    w->shared = engine->shared();
    w->counters = engine->workerCounters(next);
    w->qsbr = engine->qsbr();
    w->burst = config.burst;
    w->idle_polls = config.idle_polls;
    w->idle_backoff_us = config.idle_backoff_us;
    std::copy(slow_tx, slow_tx + kMaxPorts, w->slow_tx);
    w->stop = &g_stop;
    rte_eal_remote_launch(workerMain, w.get(), lcore);
    contexts.push_back(std::move(w));
    ++next;
  }

  ControlServer server(config.control_socket, *engine);
  if (auto ok = server.listen(); !ok) {
    g_stop.store(true);
    rte_eal_mp_wait_lcore();
    return fail(ok.error());
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::string pool_sizes;
  for (const PortPool& p : *pools) pool_sizes += (pool_sizes.empty() ? "" : "/") + std::to_string(p.mbufs);
  std::printf("sipsteer-dp: %u port(s), %u worker(s), mbufs per port %s, affinity table %u dialogs in %.1f MiB, "
              "control socket %s\n",
              pipeline.port_count, config.workers, pool_sizes.c_str(), config.affinity.max_dialogs,
              static_cast<double>(engine->flows().memoryBytes()) / (1 << 20), config.control_socket.c_str());
  std::fflush(stdout);
  while (!g_stop.load()) server.runOnce(10);

  rte_eal_mp_wait_lcore();
  std::printf("sipsteer-dp: resolver: %llu ARP requests/solicitations sent, %llu kernel neighbour table reads, "
              "%llu kernel resolve requests (NTF_USE), %llu kernel errors\n",
              static_cast<unsigned long long>(resolver.requestsSent()),
              static_cast<unsigned long long>(resolver.kernelLookups()),
              static_cast<unsigned long long>(resolver.kernelSolicits()),
              static_cast<unsigned long long>(resolver.kernelErrors()));
  stopPorts(*ports);
  for (rte_ring* r : slow_tx) {
    if (r == nullptr) continue;
    void* m = nullptr;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
  engine.reset();
  freePortPools(*pools);
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  // EAL leaves its runtime directory (/var/run/dpdk/<prefix>) behind.
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return 0;
}

#include "runtime/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <memory>
#include <time.h>

namespace sipsteer::dp {
namespace {

void transmit(const WorkerContext& w, uint16_t port_index, rte_mbuf** pkts, uint16_t n) {
  if (n == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) bytes += rte_pktmbuf_pkt_len(pkts[i]);
  const uint16_t port_id = w.pipeline.ports[port_index].port_id;
  const uint16_t sent = rte_eth_tx_burst(port_id, static_cast<uint16_t>(w.id), pkts, n);
  uint64_t unsent_bytes = 0;
  for (uint16_t i = sent; i < n; ++i) {
    unsent_bytes += rte_pktmbuf_pkt_len(pkts[i]);
    rte_pktmbuf_free(pkts[i]);
  }
  uint64_t* c = w.counters->ports[port_index];
  bump(c[SIPSTEER_PORT_TX_PACKETS], sent);
  bump(c[SIPSTEER_PORT_TX_BYTES], bytes - unsent_bytes);
  if (sent < n) bump(w.counters->drops[SIPSTEER_DROP_TX_FULL], n - sent);
}

}  // namespace

int workerMain(void* arg) {
  auto* w = static_cast<WorkerContext*>(arg);
  auto pipeline = std::make_unique<Pipeline>(w->pipeline, w->shared, w->counters);
  auto tx = std::make_unique<TxBatch>();
  rte_mbuf* rx[kMaxBurst];
  rte_rcu_qsbr_thread_register(w->qsbr, w->id);
  rte_rcu_qsbr_thread_online(w->qsbr, w->id);
  const uint16_t burst = std::min<uint16_t>(w->burst, kMaxBurst);
  uint32_t idle = 0;
  const timespec pause{0, static_cast<long>(w->idle_backoff_us) * 1000};
  while (!w->stop->load(std::memory_order_relaxed)) {
    const uint64_t now = rte_rdtsc();
    uint32_t received = 0;
    for (uint16_t p = 0; p < w->pipeline.port_count; ++p) {
      const uint16_t n = rte_eth_rx_burst(w->pipeline.ports[p].port_id, static_cast<uint16_t>(w->id), rx, burst);
      if (n == 0) continue;
      received += n;
      for (uint16_t q = 0; q < w->pipeline.port_count; ++q) tx->count[q] = 0;
      pipeline->process(rx, n, p, *tx, now);
      for (uint16_t q = 0; q < w->pipeline.port_count; ++q) transmit(*w, q, tx->pkts[q], tx->count[q]);
    }
    if (w->id == 0) {
      for (uint16_t p = 0; p < w->pipeline.port_count; ++p) {
        if (w->slow_tx[p] == nullptr) continue;
        const unsigned n = rte_ring_sc_dequeue_burst(w->slow_tx[p], reinterpret_cast<void**>(rx), burst, nullptr);
        transmit(*w, p, rx, static_cast<uint16_t>(n));
      }
    }
    // One report per round: pointers to tables and flow entries taken in
    // this round are no longer held (pairs with TableSlot::publish and the
    // flow table's deferred reclaim).
    rte_rcu_qsbr_quiescent(w->qsbr, w->id);
    if (received != 0) {
      idle = 0;
      continue;
    }
    if (++idle < w->idle_polls || w->idle_backoff_us == 0) continue;
    // Offline while asleep, so a table swap need not wait for us.
    rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
    nanosleep(&pause, nullptr);
    rte_rcu_qsbr_thread_online(w->qsbr, w->id);
  }
  rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
  rte_rcu_qsbr_thread_unregister(w->qsbr, w->id);
  return 0;
}

}  // namespace sipsteer::dp

// Everything the workers share, and the control thread's side of it:
// table publication (with the local "down" marks an ICMP error set),
// flow expiry, counters, events. Implements the ControlHandler the control
// socket calls. Owns no ports (main wires those), so tests drive it alone.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/control_server.h"
#include "runtime/pipeline.h"
#include "runtime/slot_registry.h"

struct rte_rcu_qsbr;
struct rte_ring;

namespace sipsteer::dp {

struct EngineOptions {
  std::string name = "dp";  // prefix of DPDK object names
  uint32_t workers = 1;      // QSBR reader ids 0..workers-1
  uint32_t max_dialogs = 1u << 20;
  uint32_t idle_timeout_s = 7200;
  uint32_t after_bye_s = 32;
  uint32_t local_down_hold_ms = 5000;
  uint32_t sweep_budget = 16384;  // flow entries examined per tick
  // TSC ticks a request may wait for a response before the sweep counts it
  // unanswered (the pipeline's unanswered_ticks); 0 = the sweep does not look.
  uint64_t unanswered_ticks = 0;
};

class Engine final : public ControlHandler {
 public:
  static std::unique_ptr<Engine> create(const EngineOptions& options, std::string& error);
  ~Engine() override;

  rte_rcu_qsbr* qsbr() const noexcept { return qsbr_; }
  PipelineShared shared() const noexcept { return {slot_.get(), flows_, neighbours_.get(), events_}; }
  WorkerCounters* workerCounters(uint32_t worker) const noexcept { return counters_[worker]; }
  NeighbourCache& neighbours() noexcept { return *neighbours_; }
  const TableSlot& tableSlot() const noexcept { return *slot_; }
  const FlowTable& flows() const noexcept { return *flows_; }
  void setPortIds(std::vector<uint16_t> ids) { port_ids_ = std::move(ids); }
  // Called from tick() about once a second with the current table (main
  // uses it to send ARP/ND requests for unresolved next hops).
  void setResolver(std::function<void(const RuntimeTable&)> resolver) { resolver_ = std::move(resolver); }
  uint64_t startTsc() const noexcept { return start_tsc_; }

  // ControlHandler (control thread only).
  uint64_t generation() override;
  sipsteer_msg_table_ack applyTable(std::span<const uint8_t> blob) override;
  std::vector<uint8_t> counters() override;
  void drainEvents(std::vector<sipsteer_event>& out) override;
  void tick() override;
  // tick() at an explicit TSC value (tests inject the clock).
  void tickAt(uint64_t now_tsc);
  // Counters the control thread's sweep bumps (unanswered requests found by
  // the sweep); summed with the workers' in counters().
  const WorkerCounters& sweepCounters() const noexcept { return *sweep_counters_; }
  // Open dialogs (affinity entries not closing) per counter slot, as of the
  // last full sweep; exported as ACTIVE_DIALOGS in counters().
  uint64_t activeDialogs(uint16_t counter_slot) const noexcept { return active_dialogs_[counter_slot]; }
  // Affinity entries the last full sweep found live (closing ones included).
  uint64_t liveDialogs() const noexcept { return live_dialogs_; }

 private:
  Engine() = default;

  EngineOptions options_;
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::unique_ptr<TableSlot> slot_;
  FlowTable* flows_ = nullptr;
  std::unique_ptr<NeighbourCache> neighbours_;
  std::unique_ptr<SlotRegistry> registry_;
  rte_ring* events_ = nullptr;
  std::vector<WorkerCounters*> counters_;
  WorkerCounters* sweep_counters_ = nullptr;
  std::vector<uint16_t> port_ids_;
  std::function<void(const RuntimeTable&)> resolver_;
  std::vector<sipsteer_event> local_events_;
  // server_id -> TSC until which an ICMP-validated "down" outlives tables
  // the control plane built before it heard of the event.
  std::unordered_map<uint32_t, uint64_t> down_marks_;
  std::vector<uint64_t> active_dialogs_;      // per counter slot, last full sweep
  std::vector<uint64_t> active_dialogs_run_;  // the sweep in progress
  uint64_t live_dialogs_ = 0;                 // affinity entries, last full sweep
  uint64_t live_dialogs_run_ = 0;             // the sweep in progress
  uint64_t start_tsc_ = 0;
  uint64_t tsc_hz_ = 0;
  uint64_t last_resolve_tsc_ = 0;
};

}  // namespace sipsteer::dp

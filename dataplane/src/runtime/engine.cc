#include "runtime/engine.h"

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <cstring>
#include <ctime>

namespace sipsteer::dp {
namespace {

uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::unique_ptr<Engine> Engine::create(const EngineOptions& options, std::string& error) {
  std::unique_ptr<Engine> e(new Engine());
  e->options_ = options;
  e->tsc_hz_ = rte_get_tsc_hz();
  e->start_tsc_ = rte_rdtsc();
  const size_t qsbr_size = rte_rcu_qsbr_get_memsize(options.workers);
  e->qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc((options.name + "_qsbr").c_str(), qsbr_size, RTE_CACHE_LINE_SIZE));
  if (e->qsbr_ == nullptr || rte_rcu_qsbr_init(e->qsbr_, options.workers) != 0) {
    error = "cannot allocate the RCU QSBR variable for " + std::to_string(options.workers) + " workers";
    return nullptr;
  }
  e->slot_ = std::make_unique<TableSlot>(e->qsbr_);
  e->flows_ = FlowTable::create(options.name + "_flows", options.max_dialogs, e->qsbr_, SOCKET_ID_ANY, error);
  if (e->flows_ == nullptr) return nullptr;
  e->neighbours_ = std::make_unique<NeighbourCache>();
  e->registry_ = std::make_unique<SlotRegistry>(*e->neighbours_);
  e->events_ = rte_ring_create_elem((options.name + "_events").c_str(), sizeof(sipsteer_event), 4096,
                                    SOCKET_ID_ANY, RING_F_SC_DEQ);
  if (e->events_ == nullptr) {
    error = "cannot create the event ring";
    return nullptr;
  }
  for (uint32_t w = 0; w < options.workers; ++w) {
    auto* c = static_cast<WorkerCounters*>(
        rte_zmalloc((options.name + "_counters" + std::to_string(w)).c_str(), sizeof(WorkerCounters), 64));
    if (c == nullptr) {
      error = "cannot allocate worker counters";
      return nullptr;
    }
    e->counters_.push_back(c);
  }
  e->sweep_counters_ = static_cast<WorkerCounters*>(
      rte_zmalloc((options.name + "_sweep_counters").c_str(), sizeof(WorkerCounters), 64));
  if (e->sweep_counters_ == nullptr) {
    error = "cannot allocate the sweep's counters";
    return nullptr;
  }
  e->active_dialogs_.assign(kMaxServerSlots, 0);
  e->active_dialogs_run_.assign(kMaxServerSlots, 0);
  return e;
}

Engine::~Engine() {
  slot_.reset();
  delete flows_;
  if (events_ != nullptr) rte_ring_free(events_);
  for (WorkerCounters* c : counters_) rte_free(c);
  rte_free(sweep_counters_);
  rte_free(qsbr_);
}

uint64_t Engine::generation() {
  const RuntimeTable* t = slot_->current();
  return t != nullptr ? t->generation() : 0;
}

sipsteer_msg_table_ack Engine::applyTable(std::span<const uint8_t> blob) {
  const uint64_t t0 = monotonicNs();
  sipsteer_msg_table_ack ack{};
  if (blob.size() >= sizeof(sipsteer_table_header))
    std::memcpy(&ack.generation, blob.data() + offsetof(sipsteer_table_header, generation), 8);
  sipsteer_table_err error = SIPSTEER_TABLE_ERR_OK;
  std::unique_ptr<RuntimeTable> table;
  try {
    table = RuntimeTable::build(blob, *registry_, error);
  } catch (const std::bad_alloc&) {
    error = SIPSTEER_TABLE_ERR_NO_MEMORY;
  }
  if (table == nullptr) {
    ack.status = error;
    return ack;
  }
  const RuntimeTable* current = slot_->current();
  if (current != nullptr && table->generation() <= current->generation()) {
    ack.status = SIPSTEER_TABLE_ERR_STALE;
    return ack;
  }
  const uint64_t now = rte_rdtsc();
  for (const auto& [server_id, until] : down_marks_) {
    const int index = table->serverById(server_id);
    if (until > now && index >= 0) table->markDown(static_cast<uint16_t>(index));
  }
  const uint64_t generation = table->generation();
  slot_->publish(std::move(table), RTE_QSBR_THRID_INVALID);
  ack.apply_ns = static_cast<uint32_t>(std::min<uint64_t>(monotonicNs() - t0, UINT32_MAX));
  sipsteer_event applied{};
  applied.type = SIPSTEER_EVENT_TABLE_APPLIED;
  applied.source = SIPSTEER_EVENT_SOURCE_DPDK;
  applied.server_id = SIPSTEER_SERVER_ID_NONE;
  applied.generation = generation;
  applied.timestamp_ns = monotonicNs();
  local_events_.push_back(applied);
  return ack;
}

std::vector<uint8_t> Engine::counters() {
  const RuntimeTable* t = slot_->current();
  std::vector<ServerCounterRef> servers;
  uint32_t vip_count = 0;
  if (t != nullptr) {
    vip_count = static_cast<uint32_t>(t->vips().size());
    for (const RtServer& s : t->servers()) servers.push_back({s.server_id, s.counter_slot});
  }
  const uint64_t uptime_ns = (rte_rdtsc() - start_tsc_) * 1'000'000'000ull / tsc_hz_;
  std::vector<const WorkerCounters*> blocks(counters_.begin(), counters_.end());
  blocks.push_back(sweep_counters_);
  AffinityFigures affinity;
  affinity.stale_hints = flows_->staleHints();
  affinity.entries = live_dialogs_;
  affinity.capacity = flows_->capacity();
  affinity.memory_bytes = flows_->memoryBytes();
  return serializeCounters({blocks.data(), blocks.size()}, generation(), uptime_ns, port_ids_, vip_count, servers,
                           active_dialogs_, affinity);
}

void Engine::drainEvents(std::vector<sipsteer_event>& out) {
  out.insert(out.end(), local_events_.begin(), local_events_.end());
  local_events_.clear();
  sipsteer_event e;
  const uint64_t hold = options_.local_down_hold_ms * tsc_hz_ / 1000;
  while (rte_ring_sc_dequeue_elem(events_, &e, sizeof e) == 0) {
    out.push_back(e);
    if (e.type != SIPSTEER_EVENT_ICMP_UNREACHABLE) continue;
    // The worker marked the table it was using; if a newer one was published
    // meanwhile, mark it too, and remember the mark for tables to come.
    down_marks_[e.server_id] = rte_rdtsc() + hold;
    if (const RuntimeTable* t = slot_->current()) {
      const int index = t->serverById(e.server_id);
      if (index >= 0) t->markDown(static_cast<uint16_t>(index));
    }
    sipsteer_event down = e;
    down.type = SIPSTEER_EVENT_SERVER_LOCAL_DOWN;
    out.push_back(down);
  }
}

void Engine::tick() { tickAt(rte_rdtsc()); }

void Engine::tickAt(uint64_t now) {
  for (auto it = down_marks_.begin(); it != down_marks_.end();)
    it = it->second <= now ? down_marks_.erase(it) : std::next(it);
  const RuntimeTable* t = slot_->current();
  FlowTable::SweepStats stats;
  const bool wrapped = flows_->sweep(
      now, options_.idle_timeout_s * tsc_hz_, options_.after_bye_s * tsc_hz_, options_.sweep_budget,
      [&](FlowEntry& e) {
        if (t == nullptr) return;
        const int index = t->serverById(loadRelaxed(e.server_id));
        if (index < 0 || t->servers()[index].counter_slot >= kMaxServerSlots) return;
        const uint16_t slot = t->servers()[index].counter_slot;
        // A closing dialog (BYE or final non-2xx seen) lingers only so
        // retransmissions still reach its server; it is over, so it does not
        // hold a drain or a leaving server back.
        if (!(loadRelaxed(e.flags) & kFlowClosing)) ++active_dialogs_run_[slot];
        // Requests nobody answered are found here, bounded by the sweep
        // budget and off the per-packet path, instead of only when the
        // dialog's next request happens to arrive.
        if (claimUnanswered(e, now, options_.unanswered_ticks))
          bump(sweep_counters_->servers[slot][SIPSTEER_SERVER_UNANSWERED]);
      },
      stats);
  live_dialogs_run_ += stats.live;
  if (wrapped) {
    active_dialogs_.swap(active_dialogs_run_);
    std::fill(active_dialogs_run_.begin(), active_dialogs_run_.end(), 0);
    live_dialogs_ = live_dialogs_run_;
    live_dialogs_run_ = 0;
  }
  if (resolver_ && t != nullptr && now - last_resolve_tsc_ > tsc_hz_) {
    last_resolve_tsc_ = now;
    resolver_(*t);
  }
}

}  // namespace sipsteer::dp

// The one pointer workers read the current RuntimeTable through.
//
// Publication (control thread): build a new RuntimeTable off the fast path,
// store it with release (pairs with the workers' acquire in current()), then
// wait one rte_rcu_qsbr grace period (every worker has reported a quiescent
// state after the swap, so none still holds the old pointer) and free the old
// table. Workers never block and never see half a table.
#pragma once

#include <atomic>
#include <memory>

#include "runtime/runtime_table.h"

struct rte_rcu_qsbr;

namespace sipsteer::dp {

class TableSlot {
 public:
  explicit TableSlot(rte_rcu_qsbr* qsbr) : qsbr_(qsbr) {}
  ~TableSlot() { delete current_.load(std::memory_order_relaxed); }
  TableSlot(const TableSlot&) = delete;
  TableSlot& operator=(const TableSlot&) = delete;

  // Workers: the table to use for this burst (valid until their next
  // quiescent-state report). nullptr before the first table.
  const RuntimeTable* current() const noexcept { return current_.load(std::memory_order_acquire); }

  // Control thread: swaps in `table` and frees the previous one after a
  // grace period. `self_thread_id` is the caller's QSBR id if the caller is
  // itself a registered reader (tests), else RTE_QSBR_THRID_INVALID.
  void publish(std::unique_ptr<RuntimeTable> table, unsigned self_thread_id);

 private:
  rte_rcu_qsbr* qsbr_;
  std::atomic<const RuntimeTable*> current_{nullptr};
};

}  // namespace sipsteer::dp

#include "runtime/table_slot.h"

#include <rte_rcu_qsbr.h>

namespace sipsteer::dp {

void TableSlot::publish(std::unique_ptr<RuntimeTable> table, unsigned self_thread_id) {
  const RuntimeTable* old = current_.exchange(table.release(), std::memory_order_acq_rel);
  if (old == nullptr) return;
  // Blocks the control thread only: returns once every online worker has
  // passed a quiescent state after the exchange above. Idle workers are
  // offline while they sleep, so they do not hold this up.
  if (qsbr_ != nullptr) rte_rcu_qsbr_synchronize(qsbr_, self_thread_id);
  delete old;
}

}  // namespace sipsteer::dp

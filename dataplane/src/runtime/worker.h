// The run-to-completion loop of one worker lcore: poll every port's queue
// `queue`, run the pipeline, transmit, report an RCU quiescent state once
// per round; after `idle_polls` empty rounds go offline (RCU) and sleep
// `idle_backoff_us`, so an idle appliance does not burn its cores.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "runtime/pipeline.h"

struct rte_rcu_qsbr;
struct rte_ring;

namespace sipsteer::dp {

struct WorkerContext {
  uint32_t id = 0;      // worker index = RCU thread id = queue id
  PipelineConfig pipeline;
  PipelineShared shared;
  WorkerCounters* counters = nullptr;
  rte_rcu_qsbr* qsbr = nullptr;
  uint16_t burst = 32;
  uint32_t idle_polls = 64;
  uint32_t idle_backoff_us = 100;
  // Frames the control thread wants sent (ARP/ND requests), one ring per
  // port index; drained by worker 0 only. May be null.
  rte_ring* slow_tx[kMaxPorts] = {};
  const std::atomic<bool>* stop = nullptr;
};

// lcore entry point (rte_eal_remote_launch); `arg` is a WorkerContext*.
int workerMain(void* arg);

}  // namespace sipsteer::dp

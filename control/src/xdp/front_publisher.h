// TablePublisher of the front mode: the table itself goes to sipsteer-dp
// (DataplaneClient); this one only makes xdp_front's VIP and server maps
// match it (FrontProgram::syncFromTable), so DPDK gets the VIPs' traffic and
// ICMP errors about servers raise events. Synchronous.
#pragma once

#include <sipsteer_bpf/front.h>

#include "publish/table_publisher.h"

namespace sipsteer::control {

class FrontPublisher final : public TablePublisher {
 public:
  explicit FrontPublisher(bpf::FrontProgram& program) : program_(program) {}
  std::string_view name() const override { return "xdp_front"; }
  std::expected<void, std::string> publish(std::span<const uint8_t> blob, uint64_t generation) override;
  bool ready() const override { return true; }

 private:
  bpf::FrontProgram& program_;
};

}  // namespace sipsteer::control

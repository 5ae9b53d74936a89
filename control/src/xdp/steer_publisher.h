// TablePublisher of the pure-XDP mode: hands each table blob, unchanged, to
// SteerProgram::publish (validate, fresh inner map, one swap). Synchronous:
// success means the XDP program steers with this table from now on.
#pragma once

#include <sipsteer_bpf/steer.h>

#include "publish/table_publisher.h"

namespace sipsteer::control {

class SteerPublisher final : public TablePublisher {
 public:
  explicit SteerPublisher(bpf::SteerProgram& program) : program_(program) {}
  std::string_view name() const override { return "xdp_steer"; }
  std::expected<void, std::string> publish(std::span<const uint8_t> blob, uint64_t generation) override;
  bool ready() const override { return true; }

 private:
  bpf::SteerProgram& program_;
};

}  // namespace sipsteer::control

// Where tables go. The DPDK dataplane (DataplaneClient) implements it over
// proto.h; the pure-XDP mode implements it by writing the BPF maps (bpf/
// helper: validate the blob with core::TableView, fill the inactive inner
// maps, flip the index, return once applied). The daemon publishes every
// table to every publisher it has.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace sipsteer::control {

class TablePublisher {
 public:
  virtual ~TablePublisher() = default;
  virtual std::string_view name() const = 0;
  // Hands `blob` (a table of abi/table.h, already validated) to the fast
  // path. Success means sent (asynchronous peers acknowledge later through
  // their own listener) or applied (synchronous ones). Errors carry context.
  virtual std::expected<void, std::string> publish(std::span<const uint8_t> blob,
                                                   uint64_t generation) = 0;
  virtual bool ready() const = 0;
};

}  // namespace sipsteer::control

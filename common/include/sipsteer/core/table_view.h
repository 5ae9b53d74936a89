// Read-only, validated view of a table blob (abi/table.h). validate() checks
// every count, offset and index once, so readers (DPDK workers, the BPF map
// loader, the CLI's explain) can index without further bounds checks.
#pragma once

#include <sipsteer/abi/proto.h>
#include <sipsteer/abi/table.h>

#include <cstdint>
#include <span>

namespace sipsteer::core {

class TableView {
 public:
  // Checks the blob; on success `out` refers into `blob` (which must outlive
  // it). Returns a SIPSTEER_TABLE_ERR_* code.
  static sipsteer_table_err validate(std::span<const uint8_t> blob, TableView& out) noexcept;

  const sipsteer_table_header& header() const noexcept { return *header_; }
  std::span<const sipsteer_vip> vips() const noexcept { return vips_; }
  std::span<const sipsteer_pool> pools() const noexcept { return pools_; }
  std::span<const sipsteer_server> servers() const noexcept { return servers_; }
  std::span<const uint16_t> slots() const noexcept { return slots_; }

  // The server index (in servers()) a new dialog with `hash` gets in `pool`,
  // or SIPSTEER_SLOT_EMPTY when the pool has no server taking new dialogs.
  uint16_t select(uint32_t pool, uint64_t hash) const noexcept;

 private:
  const sipsteer_table_header* header_ = nullptr;
  std::span<const sipsteer_vip> vips_;
  std::span<const sipsteer_pool> pools_;
  std::span<const sipsteer_server> servers_;
  std::span<const uint16_t> slots_;
};

}  // namespace sipsteer::core

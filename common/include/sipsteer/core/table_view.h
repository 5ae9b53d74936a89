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
  // it and stay unchanged); on failure `out` is left untouched.
  // `blob` must start 8-byte aligned (records are read in place; a
  // std::vector or malloc buffer is) and be exactly header.total_size long.
  // BAD_MAGIC: magic or abi_version differ.
  // BAD_LAYOUT: short or misaligned buffer, header_size/total_size wrong,
  //   reserved0 != 0, counts above SIPSTEER_MAX_*, an offset not 8-aligned,
  //   arrays out of bounds, overlapping or out of ABI order, unknown VIP
  //   family/mode or server family.
  // BAD_REFERENCE: vip.pool or server.pool >= pool_count; a pool's server
  //   range or ring outside its array; a server outside its pool's range;
  //   a ring slot neither EMPTY nor an F_IN_RING server of its own pool.
  // Never reads outside `blob`. Thread-safety: pure.
  static sipsteer_table_err validate(std::span<const uint8_t> blob, TableView& out) noexcept;

  const sipsteer_table_header& header() const noexcept { return *header_; }
  std::span<const sipsteer_vip> vips() const noexcept { return vips_; }
  std::span<const sipsteer_pool> pools() const noexcept { return pools_; }
  std::span<const sipsteer_server> servers() const noexcept { return servers_; }
  std::span<const uint16_t> slots() const noexcept { return slots_; }

  // The server index (in servers()) a new dialog with `hash` (hashCallId)
  // gets in `pool`: slots[ring_offset + ringSlot(hash, ring_size)], or
  // SIPSTEER_SLOT_EMPTY when the pool has no server taking new dialogs or
  // `pool` is out of range. Needs a view that validate() accepted.
  uint16_t select(uint32_t pool, uint64_t hash) const noexcept;

 private:
  const sipsteer_table_header* header_ = nullptr;
  std::span<const sipsteer_vip> vips_;
  std::span<const sipsteer_pool> pools_;
  std::span<const sipsteer_server> servers_;
  std::span<const uint16_t> slots_;
};

}  // namespace sipsteer::core

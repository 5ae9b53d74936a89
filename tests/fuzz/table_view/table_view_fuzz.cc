// Fuzzes the validation of table blobs, which arrive from another process over
// the control socket. Whatever validate() accepts must be safe to index the
// way the fast path does: every VIP's pool, every pool's ring and servers,
// every slot's server. A violation traps, so libFuzzer reports it.
#include <sipsteer/core/table_view.h>

#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // validate() requires 8-byte alignment (the dataplane receives into an
  // aligned buffer); copy into one so the fuzzer controls only the contents.
  std::vector<uint64_t> aligned((size + 7) / 8);
  if (size != 0) std::memcpy(aligned.data(), data, size);
  const std::span<const uint8_t> blob(reinterpret_cast<const uint8_t*>(aligned.data()), size);

  sipsteer::core::TableView view;
  if (sipsteer::core::TableView::validate(blob, view) != SIPSTEER_TABLE_ERR_OK) return 0;

  const auto pools = view.pools();
  const auto servers = view.servers();
  const auto slots = view.slots();
  for (const auto& vip : view.vips()) {
    if (vip.pool >= pools.size()) __builtin_trap();
  }
  for (uint32_t p = 0; p < pools.size(); ++p) {
    const auto& pool = pools[p];
    if (uint64_t{pool.server_first} + pool.server_count > servers.size()) __builtin_trap();
    if (uint64_t{pool.ring_offset} + pool.ring_size > slots.size()) __builtin_trap();
    for (uint64_t hash : {uint64_t{0}, ~uint64_t{0}, uint64_t{0x9e3779b97f4a7c15}}) {
      const uint16_t chosen = view.select(p, hash);
      if (chosen != SIPSTEER_SLOT_EMPTY && chosen >= servers.size()) __builtin_trap();
    }
  }
  return 0;
}

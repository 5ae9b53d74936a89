// Keyed hash of a Call-ID: SipHash-2-4 (libsodium crypto_shorthash) with a
// secret 16-byte key. Keyed so nobody can craft many Call-IDs that land on
// one server; the same key on every appliance of a cluster makes their
// choices identical, so ECMP scale-out needs no shared state.
// The BPF programs implement the same function (bpf/lib/siphash.h) and the
// tests hold both to the same vectors.
#pragma once

#include <sipsteer/core/siphash.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sipsteer::core {

struct HashKey {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const HashKey&, const HashKey&) = default;
};

// SipHash-2-4 of `call_id` under `key`, as a little-endian 64-bit value.
uint64_t hashCallId(const HashKey& key, std::span<const uint8_t> call_id) noexcept;
uint64_t hashCallId(const HashKey& key, std::string_view call_id) noexcept;

// The same value as hashCallId, computed inline (sipsteer/core/siphash.h)
// instead of through libsodium: what the fast path calls per packet.
inline uint64_t hashCallIdInline(const HashKey& key, std::span<const uint8_t> call_id) noexcept {
  return siphash24(key.bytes.data(), call_id.data(), call_id.size());
}

// Maps a 64-bit hash onto [0, ring_size) without a division (Lemire):
// uses the high 32 bits, so it is independent of the low bits the affinity
// table uses for its buckets.
inline uint32_t ringSlot(uint64_t hash, uint32_t ring_size) noexcept {
  return static_cast<uint32_t>(((hash >> 32) * static_cast<uint64_t>(ring_size)) >> 32);
}

// Parses 32 hex digits into a key; false on anything else.
bool parseHashKey(std::string_view hex, HashKey& out) noexcept;
// A key from the system's CSPRNG (libsodium randombytes).
HashKey randomHashKey();
std::string formatHashKey(const HashKey& key);

}  // namespace sipsteer::core

#include <sipsteer/core/callid_hash.h>

#include <sodium.h>

#include <cstdlib>

namespace sipsteer::core {

static_assert(crypto_shorthash_BYTES == 8, "SipHash-2-4 gives 64 bits");
static_assert(crypto_shorthash_KEYBYTES == 16, "SipHash-2-4 takes a 128-bit key");

uint64_t hashCallId(const HashKey& key, std::span<const uint8_t> call_id) noexcept {
  unsigned char out[crypto_shorthash_BYTES];
  // crypto_shorthash cannot fail; it needs no sodium_init() (no RNG, no state).
  crypto_shorthash(out, call_id.data(), call_id.size(), key.bytes.data());
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | out[i];  // little-endian, as SipHash defines
  return value;
}

uint64_t hashCallId(const HashKey& key, std::string_view call_id) noexcept {
  return hashCallId(key, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(call_id.data()),
                                                  call_id.size()));
}

static int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parseHashKey(std::string_view hex, HashKey& out) noexcept {
  if (hex.size() != 2 * out.bytes.size()) return false;
  HashKey key;
  for (size_t i = 0; i < key.bytes.size(); ++i) {
    const int hi = hexValue(hex[2 * i]);
    const int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    key.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  out = key;
  return true;
}

HashKey randomHashKey() {
  if (sodium_init() < 0) {
    // libsodium could not initialise its CSPRNG; a predictable key would let
    // an attacker aim dialogs, so refuse to continue.
    std::abort();
  }
  HashKey key;
  randombytes_buf(key.bytes.data(), key.bytes.size());
  return key;
}

std::string formatHashKey(const HashKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * key.bytes.size());
  for (uint8_t b : key.bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

}  // namespace sipsteer::core

// Fuzz target: siphash24Batch (scalar and, where the CPU has it, AVX-512)
// gives libsodium's SipHash-2-4 of every input of a batch, and reads nothing
// outside the inputs (ASan: each input is its own exact-size heap block).
//
// Input layout: 16 key bytes, then records of one length byte n followed by
// n bytes (fewer at the end of the data), up to 64 records (a burst).
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/siphash_batch.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace {

using namespace sipsteer::core;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 16) return 0;
  HashKey key;
  std::memcpy(key.bytes.data(), data, 16);
  std::vector<std::unique_ptr<uint8_t[]>> blocks;
  std::vector<const uint8_t*> inputs;
  std::vector<uint32_t> lengths;
  size_t pos = 16;
  while (pos < size && inputs.size() < 64) {
    size_t n = data[pos++];
    if (n > size - pos) n = size - pos;
    // new uint8_t[0] is a valid, distinct pointer ASan flags any read of.
    blocks.emplace_back(new uint8_t[n]);
    if (n > 0) std::memcpy(blocks.back().get(), data + pos, n);
    pos += n;
    inputs.push_back(blocks.back().get());
    lengths.push_back(static_cast<uint32_t>(n));
  }
  const auto count = static_cast<uint32_t>(inputs.size());
  std::vector<uint64_t> expected(count);
  for (uint32_t i = 0; i < count; ++i)
    expected[i] = hashCallId(key, std::span<const uint8_t>(inputs[i], lengths[i]));
  for (const auto path :
       {detail::BatchPath::kScalar, detail::BatchPath::kAvx512, detail::BatchPath::kAuto}) {
    if (!detail::siphash24BatchPathAvailable(path)) continue;
    std::vector<uint64_t> out(count + 1, 0x5a5a5a5a5a5a5a5aull);
    detail::siphash24BatchWith(path, key.bytes.data(), inputs.data(), lengths.data(), count,
                               out.data());
    for (uint32_t i = 0; i < count; ++i) check(out[i] == expected[i]);
    check(out[count] == 0x5a5a5a5a5a5a5a5aull);  // nothing written past the batch
  }
  return 0;
}

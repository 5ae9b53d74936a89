#include <sipsteer/abi/table.h>
#include <sipsteer/core/maglev.h>

#include <sodium.h>

#include <algorithm>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <string>

namespace sipsteer::core {

namespace {

// Fixed, public SipHash keys. They are not secrets: they only make the ring a
// pure function of the member identities, identical on every machine. Changing
// one changes every ring (the golden test in maglev_test.cc pins them).
constexpr unsigned char kIdentityKey[crypto_shorthash_KEYBYTES] = {
    's', 'i', 'p', 's', 't', 'e', 'e', 'r', '-', 'm', 'g', '-', 'i', 'd', '0', '1'};
constexpr unsigned char kOffsetKey[crypto_shorthash_KEYBYTES] = {
    's', 'i', 'p', 's', 't', 'e', 'e', 'r', '-', 'm', 'g', '-', 'o', 'f', '0', '1'};
constexpr unsigned char kSkipKey[crypto_shorthash_KEYBYTES] = {
    's', 'i', 'p', 's', 't', 'e', 'e', 'r', '-', 'm', 'g', '-', 's', 'k', '0', '1'};

uint64_t sipHash(const unsigned char (&key)[crypto_shorthash_KEYBYTES], const uint8_t* data,
                 size_t size) noexcept {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, data, size, key);
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | out[i];  // little-endian
  return value;
}

uint64_t sipHashOfKey(const unsigned char (&key)[crypto_shorthash_KEYBYTES],
                      uint64_t member_key) noexcept {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(member_key >> (8 * i));
  return sipHash(key, bytes, sizeof bytes);
}

struct Member {
  uint64_t key = 0;
  uint32_t weight = 0;
  uint16_t index = 0;   // position in the caller's span: what a slot stores
  uint32_t quota = 0;   // slots this member must end up with
  uint32_t taken = 0;   // slots it has so far
  uint64_t position = 0;  // current slot of its permutation
  uint64_t skip = 0;
};

// Largest-remainder (Hamilton) apportionment of ring_size slots by weight:
// every member gets floor(w * size / W) or one more, and the sum is exactly
// ring_size. Remainders are compared as integers (same denominator W); ties go
// to the smaller key, so the result does not depend on input order.
void assignQuotas(std::vector<Member>& members, uint32_t ring_size) {
  uint64_t total_weight = 0;
  for (const Member& m : members) total_weight += m.weight;  // < 2^16 * 2^32
  uint64_t assigned = 0;
  std::vector<std::pair<uint64_t, size_t>> remainders;  // (remainder, member)
  remainders.reserve(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    // weight * ring_size < 2^64: both are 32-bit.
    const uint64_t scaled = static_cast<uint64_t>(members[i].weight) * ring_size;
    members[i].quota = static_cast<uint32_t>(scaled / total_weight);
    assigned += members[i].quota;
    remainders.emplace_back(scaled % total_weight, i);
  }
  // members are sorted by key, so a stable sort by remainder breaks ties by key.
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (uint64_t k = 0; assigned + k < ring_size; ++k) ++members[remainders[k].second].quota;
}

// Turn order: member i takes its k-th slot (k = 1..quota) at virtual time
// (2k - 1) / (2 quota), i.e. its turns are spread evenly over the fill, so a
// member of twice the weight takes two turns while the other takes one and all
// finish together (stride scheduling). With equal quotas this is exactly the
// round robin of the Maglev paper (equal weights give quotas that differ by at
// most one slot, so nearly that). Pacing, rather than a round robin in which
// members stop at their quota, keeps heavy members from claiming the tail of
// the fill alone; measured in docs/steering.md, it cuts the disruption of a
// removal at 16 unequal servers from 2.3 % to 0.35 % of surviving slots.
struct Turn {
  uint64_t numerator;  // 2k - 1
  uint32_t quota;
  uint32_t member;  // position in the key-sorted vector: tie-break
};

struct LaterTurn {
  bool operator()(const Turn& a, const Turn& b) const noexcept {
    // a later than b  <=>  a.num / (2 a.quota) > b.num / (2 b.quota)
    const unsigned __int128 lhs = static_cast<unsigned __int128>(a.numerator) * b.quota;
    const unsigned __int128 rhs = static_cast<unsigned __int128>(b.numerator) * a.quota;
    if (lhs != rhs) return lhs > rhs;
    return a.member > b.member;
  }
};

}  // namespace

uint64_t maglevMemberKey(std::string_view identity) noexcept {
  return sipHash(kIdentityKey, reinterpret_cast<const uint8_t*>(identity.data()), identity.size());
}

bool isPrime(uint32_t n) noexcept {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

void buildMaglevRing(std::span<const MaglevMember> members, uint32_t ring_size,
                     std::vector<uint16_t>& slots) {
  if (!isPrime(ring_size)) {
    // A non-prime size would leave permutations that never reach some slots.
    throw std::invalid_argument("maglev ring size " + std::to_string(ring_size) +
                                " is not prime");
  }
  if (members.size() >= SIPSTEER_SLOT_EMPTY) {
    throw std::invalid_argument("maglev ring: " + std::to_string(members.size()) +
                                " members do not fit 16-bit slots");
  }
  std::vector<Member> active;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].weight == 0) continue;
    active.push_back(Member{members[i].key, members[i].weight, static_cast<uint16_t>(i)});
  }
  // Sorting by key makes the owner of every slot independent of input order.
  std::sort(active.begin(), active.end(),
            [](const Member& a, const Member& b) { return a.key < b.key; });
  for (size_t i = 0; i + 1 < active.size(); ++i) {
    if (active[i].key == active[i + 1].key) {
      throw std::invalid_argument("maglev ring: members " + std::to_string(active[i].index) +
                                  " and " + std::to_string(active[i + 1].index) +
                                  " have the same key");
    }
  }

  slots.assign(ring_size, SIPSTEER_SLOT_EMPTY);
  if (active.empty()) return;

  assignQuotas(active, ring_size);
  std::priority_queue<Turn, std::vector<Turn>, LaterTurn> turns;
  for (uint32_t i = 0; i < active.size(); ++i) {
    Member& m = active[i];
    // Offset and skip from two independent hashes (Maglev paper, 3.4);
    // skip in [1, size - 1] is coprime with the prime size, so the
    // permutation visits every slot once.
    m.position = sipHashOfKey(kOffsetKey, m.key) % ring_size;
    m.skip = sipHashOfKey(kSkipKey, m.key) % (ring_size - 1) + 1;
    if (m.quota > 0) turns.push(Turn{1, m.quota, i});
  }

  // Exactly ring_size turns (the quotas sum to it), and each turn finds an
  // empty slot because fewer than ring_size slots are filled before it.
  while (!turns.empty()) {
    const Turn turn = turns.top();
    turns.pop();
    Member& m = active[turn.member];
    while (slots[m.position] != SIPSTEER_SLOT_EMPTY) {
      m.position += m.skip;
      if (m.position >= ring_size) m.position -= ring_size;
    }
    slots[m.position] = m.index;
    ++m.taken;
    if (m.taken < m.quota) turns.push(Turn{turn.numerator + 2, m.quota, turn.member});
  }
}

}  // namespace sipsteer::core

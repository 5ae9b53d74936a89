// Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016) with a
// quota-bounded fill: every member gets its share of the ring rounded to a
// whole slot (largest remainder), so shares track weights to within one slot,
// and removing a member mostly moves only that member's keys.
//
// Deterministic: the permutation of a member comes from SipHash of its stable
// key under a fixed, public key (no std::hash, no unseeded randomness), so two
// processes or two machines with the same members build byte-identical rings.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sipsteer::core {

struct MaglevMember {
  uint64_t key = 0;     // stable identity, e.g. maglevMemberKey("198.18.1.10:5060")
  uint32_t weight = 0;  // relative; members of weight 0 get no slot
};

// The identity hash of a member (SipHash-2-4 under a fixed public key).
uint64_t maglevMemberKey(std::string_view identity) noexcept;

bool isPrime(uint32_t n) noexcept;

// Builds a ring of `ring_size` slots that maps each slot to an index into
// `members` (SIPSTEER_SLOT_EMPTY when no member has a non-zero weight).
//
// Quotas: member i gets floor(w_i * ring_size / W) slots or one more (largest
// remainder, ties to the smaller key), W the sum of weights; the quotas sum to
// ring_size. A member whose share is below one slot may get none, so keep
// ring_size well above the member count (the table builder requires >=).
// Order independence: members are processed sorted by key, so the key owning
// each slot does not depend on the order of `members` (only the index stored).
//
// Preconditions (std::invalid_argument otherwise, never an endless loop):
// ring_size prime; fewer than 65535 members; distinct keys among members of
// non-zero weight. Writes into `slots` (resized to ring_size).
// Thread-safety: pure function of its inputs.
void buildMaglevRing(std::span<const MaglevMember> members, uint32_t ring_size,
                     std::vector<uint16_t>& slots);

}  // namespace sipsteer::core

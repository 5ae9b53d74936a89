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

// Builds a ring of `ring_size` slots (must be prime, >= member count) that
// maps each slot to an index into `members`. With no member of non-zero
// weight every slot is SIPSTEER_SLOT_EMPTY. Members must have distinct keys.
// Writes into `slots` (resized to ring_size).
void buildMaglevRing(std::span<const MaglevMember> members, uint32_t ring_size,
                     std::vector<uint16_t>& slots);

}  // namespace sipsteer::core

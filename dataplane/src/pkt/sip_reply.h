// Builds "503 Service Unavailable" for a SIP request, the way RFC 3261 8.2.6
// wants a UAS to answer: all Via lines, From, To (with a To tag added when
// the request had none), Call-ID and CSeq copied from the request, plus
// Retry-After and Content-Length: 0.
// DPDK-free, allocation-free; writes into a caller-provided buffer.
#pragma once

#include <sipsteer/core/sip_scanner.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace sipsteer::dp {

// Writes the response into out[0, capacity) and returns its length, or 0 if
// it does not fit or the request lacks a header a response must copy.
// `tag_seed` makes the To tag (16 hex digits); use the Call-ID hash so
// retransmissions of one request get the same tag.
size_t buildServiceUnavailable(std::span<const uint8_t> request, uint32_t retry_after_s,
                               uint64_t tag_seed, uint8_t* out, size_t capacity) noexcept;

// The UDP port a response to `msg` goes to (RFC 3261 18.2.2, RFC 3581):
// the source port with rport, else the sent-by port, else 5060.
uint16_t responsePort(std::span<const uint8_t> request, const sip::SipMessage& msg,
                      uint16_t source_port) noexcept;

}  // namespace sipsteer::dp

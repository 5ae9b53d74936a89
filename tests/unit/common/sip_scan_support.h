// What the SIP scanner tests share: messages written with "\n" in the source,
// exactly sized heap copies (so ASan reports a read one byte past the span),
// the Want mask as options, and the RFC 4475 torture messages in data/.
// Test-only; linked into the common_sip_* test programs.
#pragma once

#include <sipsteer/core/sip_scanner.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/sip_text.h"  // crlf()

namespace sipsteer::sip {

// Readable gtest failures: print the reason label, not the enum's byte.
// Lives in sipsteer::sip so gtest finds it by argument-dependent lookup.
void PrintTo(ScanError error, std::ostream* os);

}  // namespace sipsteer::sip

namespace sipsteer::testing {

// A heap copy of exactly `bytes.size()` bytes: no slack after the last byte
// for an overread to land in unnoticed. An empty copy still owns one byte so
// span() has a valid pointer.
struct ExactBuffer {
  explicit ExactBuffer(std::string_view bytes);

  std::span<const uint8_t> span() const { return {data.get(), size}; }
  std::string_view get(sip::Slice s) const { return s.in(span()); }

  size_t size;
  std::unique_ptr<uint8_t[]> data;
};

// Scan options that stop once the fields in `bits` (kWant*) are found.
sip::ScanOptions want(uint32_t bits);

// A message scanned in its own exactly sized copy, with scan()'s verdict.
struct Scanned : ExactBuffer {
  sip::SipMessage m;
  sip::ScanError err = sip::ScanError::kOK;
};
Scanned scanExact(std::string_view bytes, const sip::ScanOptions& options = {});

// The RFC 4475 torture messages: data/rfc4475/<name>.sip, one per file.
std::filesystem::path rfc4475Dir();
std::filesystem::path rfc4475File(std::string_view name);
// Every *.sip file there, in directory order.
std::vector<std::filesystem::path> rfc4475Files();

// The whole file as bytes; empty when it cannot be read (the caller's check
// on the size names the missing file).
std::string readFile(const std::filesystem::path& path);

}  // namespace sipsteer::testing

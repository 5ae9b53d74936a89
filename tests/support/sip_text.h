// SIP text for tests and benchmarks: messages are written with bare "\n" in
// the source, where they read naturally, and turned into wire form here.
#pragma once

#include <string>
#include <string_view>

namespace sipsteer::testing {

// Replaces every "\n" by "\r\n".
std::string crlf(std::string_view text);

}  // namespace sipsteer::testing

// Small string helpers for messages.
#pragma once

#include <string>
#include <string_view>

namespace sipsteer::control {

// 'text' in single quotes. Built by appending: gcc 12 warns falsely
// (-Wrestrict) on "'" + std::string temporaries in optimised builds.
inline std::string inQuotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

}  // namespace sipsteer::control

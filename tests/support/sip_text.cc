#include "support/sip_text.h"

namespace sipsteer::testing {

std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace sipsteer::testing

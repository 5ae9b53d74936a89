// HeaderCursor, headerIs() and the name tables of sip_scanner.h.
#include <sipsteer/core/sip_scanner.h>

#include "sip_chars.h"

#include <cstring>

namespace sipsteer::sip {

using namespace detail;

std::string_view scanErrorLabel(ScanError error) noexcept {
  switch (error) {
#define SIPSTEER_X_LABEL(name, label, help) \
  case ScanError::k##name:                  \
    return label;
    SIPSTEER_SIP_ERROR_X(SIPSTEER_X_LABEL)
#undef SIPSTEER_X_LABEL
  }
  return "unknown";
}

std::string_view methodName(Method method) noexcept {
  switch (method) {
    case Method::kUnknown: return "";
    case Method::kInvite: return "INVITE";
    case Method::kAck: return "ACK";
    case Method::kBye: return "BYE";
    case Method::kCancel: return "CANCEL";
    case Method::kOptions: return "OPTIONS";
    case Method::kRegister: return "REGISTER";
    case Method::kPrack: return "PRACK";
    case Method::kSubscribe: return "SUBSCRIBE";
    case Method::kNotify: return "NOTIFY";
    case Method::kPublish: return "PUBLISH";
    case Method::kInfo: return "INFO";
    case Method::kRefer: return "REFER";
    case Method::kMessage: return "MESSAGE";
    case Method::kUpdate: return "UPDATE";
  }
  return "";
}

HeaderCursor::HeaderCursor(std::span<const uint8_t> message) noexcept : message_(message) {
  if (message.size() > 65535) {
    error_ = ScanError::kTOO_LARGE;
    position_ = UINT32_MAX;
    return;
  }
  const uint8_t* d = message.data();
  const uint32_t size = static_cast<uint32_t>(message.size());
  uint32_t pos = 0;
  while (pos < size && (d[pos] == '\r' || d[pos] == '\n')) ++pos;
  Line line;
  LfFinder lf(d, size);
  if (pos == size) {
    error_ = ScanError::kEMPTY;
    position_ = UINT32_MAX;
  } else if (!readLine(lf, d, size, pos, false, line)) {
    error_ = ScanError::kTRUNCATED;
    position_ = UINT32_MAX;
  } else {
    position_ = line.next;
  }
}

bool HeaderCursor::next(HeaderLine& out) noexcept {
  if (position_ == UINT32_MAX) return false;
  const uint8_t* d = message_.data();
  const uint32_t size = static_cast<uint32_t>(message_.size());
  Line line;
  LfFinder lf(d, size);
  if (!readLine(lf, d, size, position_, true, line)) {
    error_ = ScanError::kTRUNCATED;
    position_ = UINT32_MAX;
    return false;
  }
  if (line.blank) {
    body_offset_ = static_cast<uint16_t>(line.next);
    position_ = UINT32_MAX;
    return false;
  }
  const uint32_t name_end = skipClass(d, line.begin, line.end, kToken);
  const uint32_t colon = skipClass(d, name_end, line.end, kWsp);
  if (name_end == line.begin || colon >= line.end || d[colon] != ':') {
    error_ = ScanError::kBAD_HEADER_LINE;
    position_ = UINT32_MAX;
    return false;
  }
  const uint32_t value_begin = skipLws(d, colon + 1, line.end);
  const uint32_t value_end = trimLwsBack(d, value_begin, line.end);
  out.name = {static_cast<uint16_t>(line.begin), static_cast<uint16_t>(name_end - line.begin)};
  out.value = {static_cast<uint16_t>(value_begin), static_cast<uint16_t>(value_end - value_begin)};
  out.line = {static_cast<uint16_t>(line.begin), static_cast<uint16_t>(line.next - line.begin)};
  position_ = line.next;
  return true;
}

namespace {

// Compact forms (RFC 3261 7.3.3 and the extensions that registered one).
constexpr std::string_view kCompact[26] = {
    "Accept-Contact",  // a
    "Referred-By",     // b
    "Content-Type",    // c
    "Request-Disposition",  // d
    "Content-Encoding",     // e
    "From",                 // f
    "",                     // g
    "",                     // h
    "Call-ID",              // i
    "Reject-Contact",       // j
    "Supported",            // k
    "Content-Length",       // l
    "Contact",              // m
    "Identity-Info",        // n
    "Event",                // o
    "",                     // p
    "",                     // q
    "Refer-To",             // r
    "Subject",              // s
    "To",                   // t
    "Allow-Events",         // u
    "Via",                  // v
    "",                     // w
    "Session-Expires",      // x
    "Identity",             // y
    "",                     // z
};

std::string_view expand(std::string_view name) noexcept {
  if (name.size() != 1) return name;
  const uint8_t c = static_cast<uint8_t>(name[0]) | 0x20;
  if (c < 'a' || c > 'z' || kCompact[c - 'a'].empty()) return name;
  return kCompact[c - 'a'];
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    uint8_t x = static_cast<uint8_t>(a[i]);
    uint8_t y = static_cast<uint8_t>(b[i]);
    if (x >= 'A' && x <= 'Z') x |= 0x20;
    if (y >= 'A' && y <= 'Z') y |= 0x20;
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool headerIs(std::string_view name, std::string_view canonical) noexcept {
  if (name.empty() || canonical.empty()) return false;
  return equalsIgnoreCase(expand(name), expand(canonical));
}

}  // namespace sipsteer::sip

#include "pkt/sip_reply.h"

#include <cstring>
#include <string_view>

namespace sipsteer::dp {
namespace {

class Writer {
 public:
  Writer(uint8_t* out, size_t capacity) : out_(out), capacity_(capacity) {}
  void put(std::string_view s) noexcept {
    if (failed_ || s.size() > capacity_ - size_) {
      failed_ = true;
      return;
    }
    std::memcpy(out_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  void putNumber(uint64_t v) noexcept {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    char buf[20];
    for (int i = 0; i < n; ++i) buf[i] = digits[n - 1 - i];
    put({buf, static_cast<size_t>(n)});
  }
  bool failed() const noexcept { return failed_; }
  size_t size() const noexcept { return size_; }

 private:
  uint8_t* out_;
  size_t capacity_;
  size_t size_ = 0;
  bool failed_ = false;
};

// Line without its terminating CRLF/LF.
std::string_view stripLineEnd(std::string_view line) noexcept {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// Does a To value carry a tag parameter (outside the <...> URI)?
bool hasTag(std::string_view value) noexcept {
  size_t params = 0;
  const size_t close = value.rfind('>');
  if (close != std::string_view::npos) params = close;
  for (size_t i = value.find(';', params); i != std::string_view::npos; i = value.find(';', i + 1)) {
    size_t j = i + 1;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    if (value.size() - j >= 3 && (value[j] | 0x20) == 't' && (value[j + 1] | 0x20) == 'a' &&
        (value[j + 2] | 0x20) == 'g') {
      size_t k = j + 3;
      while (k < value.size() && (value[k] == ' ' || value[k] == '\t')) ++k;
      if (k < value.size() && value[k] == '=') return true;
    }
  }
  return false;
}

}  // namespace

size_t buildServiceUnavailable(std::span<const uint8_t> request, uint32_t retry_after_s,
                               uint64_t tag_seed, uint8_t* out, size_t capacity) noexcept {
  Writer w(out, capacity);
  w.put("SIP/2.0 503 Service Unavailable\r\n");
  bool via = false, from = false, to = false, call_id = false, cseq = false;
  sip::HeaderCursor cursor(request);
  sip::HeaderLine line;
  while (cursor.next(line)) {
    const std::string_view name = line.name.in(request);
    const std::string_view whole = stripLineEnd(line.line.in(request));
    if (sip::headerIs(name, "Via")) {
      via = true;
    } else if (sip::headerIs(name, "From")) {
      from = true;
    } else if (sip::headerIs(name, "Call-ID")) {
      call_id = true;
    } else if (sip::headerIs(name, "CSeq")) {
      cseq = true;
    } else if (sip::headerIs(name, "To")) {
      to = true;
      w.put(whole);
      if (!hasTag(line.value.in(request))) {
        static constexpr char kHex[] = "0123456789abcdef";
        char tag[21] = {';', 't', 'a', 'g', '='};
        for (int i = 0; i < 16; ++i) tag[5 + i] = kHex[(tag_seed >> (60 - 4 * i)) & 0xf];
        w.put({tag, sizeof tag});
      }
      w.put("\r\n");
      continue;
    } else {
      continue;
    }
    w.put(whole);
    w.put("\r\n");
  }
  if (cursor.error() != sip::ScanError::kOK || !via || !from || !to || !call_id || !cseq) return 0;
  w.put("Retry-After: ");
  w.putNumber(retry_after_s);
  w.put("\r\nContent-Length: 0\r\n\r\n");
  return w.failed() ? 0 : w.size();
}

uint16_t responsePort(std::span<const uint8_t> request, const sip::SipMessage& msg,
                      uint16_t source_port) noexcept {
  if (msg.via_rport) return source_port;
  const std::string_view sent_by = msg.via_sent_by.in(request);
  // host[:port], host may be an IPv6 reference "[...]".
  size_t colon = sent_by.rfind(':');
  const size_t bracket = sent_by.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return 5060;
  uint32_t port = 0;
  for (size_t i = colon + 1; i < sent_by.size(); ++i) {
    const char c = sent_by[i];
    if (c < '0' || c > '9') return source_port;
    port = port * 10 + static_cast<uint32_t>(c - '0');
    if (port > 65535) return source_port;
  }
  return port == 0 ? source_port : static_cast<uint16_t>(port);
}

}  // namespace sipsteer::dp

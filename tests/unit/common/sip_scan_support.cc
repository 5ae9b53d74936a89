#include "unit/common/sip_scan_support.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace sipsteer::sip {

void PrintTo(ScanError error, std::ostream* os) {
  *os << scanErrorLabel(error);
}

}  // namespace sipsteer::sip

namespace sipsteer::testing {

ExactBuffer::ExactBuffer(std::string_view bytes)
    : size(bytes.size()), data(new uint8_t[size > 0 ? size : 1]) {
  std::memcpy(data.get(), bytes.data(), size);
}

sip::ScanOptions want(uint32_t bits) {
  sip::ScanOptions o;
  o.want = bits;
  return o;
}

Scanned scanExact(std::string_view bytes, const sip::ScanOptions& options) {
  Scanned s{ExactBuffer(bytes)};
  s.err = sip::scan(s.span(), s.m, options);
  return s;
}

// SIPSTEER_TEST_DATA_DIR is set by tests/unit/common/CMakeLists.txt.
std::filesystem::path rfc4475Dir() {
  return std::filesystem::path(SIPSTEER_TEST_DATA_DIR) / "rfc4475";
}

std::filesystem::path rfc4475File(std::string_view name) {
  return rfc4475Dir() / (std::string(name) + ".sip");
}

std::vector<std::filesystem::path> rfc4475Files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(rfc4475Dir())) {
    if (entry.path().extension() == ".sip") files.push_back(entry.path());
  }
  return files;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace sipsteer::testing

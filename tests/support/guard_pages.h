// Readable pages between two that may not be read (guard | data | guard):
// a test places its bytes against either edge, and a read of one byte too
// many or too early faults in any build. ASan alone does not do it for
// vector gathers and masked loads (compiler builtins, not instrumented).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sipsteer::testing {

class GuardedPages {
 public:
  explicit GuardedPages(size_t data_pages = 1)
      : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))), total_(page_ * (data_pages + 2)) {
    void* p = mmap(nullptr, total_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<uint8_t*>(p);
    if (mprotect(base_ + page_, total_ - 2 * page_, PROT_READ | PROT_WRITE) != 0) {
      munmap(base_, total_);
      base_ = nullptr;
    }
  }
  ~GuardedPages() {
    if (base_ != nullptr) munmap(base_, total_);
  }
  GuardedPages(const GuardedPages&) = delete;
  GuardedPages& operator=(const GuardedPages&) = delete;

  bool ok() const { return base_ != nullptr; }
  uint8_t* begin() const { return base_ + page_; }
  uint8_t* end() const { return base_ + total_ - page_; }
  // `bytes` copied so that their last byte is the last readable one.
  std::span<const uint8_t> placeAtEnd(std::string_view bytes) const {
    uint8_t* at = end() - bytes.size();
    std::memcpy(at, bytes.data(), bytes.size());
    return {at, bytes.size()};
  }

 private:
  size_t page_;
  size_t total_;
  uint8_t* base_ = nullptr;
};

}  // namespace sipsteer::testing

#include "xdp/front_publisher.h"

namespace sipsteer::control {

std::expected<void, std::string> FrontPublisher::publish(std::span<const uint8_t> blob, uint64_t generation) {
  if (auto ok = program_.syncFromTable(blob); !ok)
    return std::unexpected("table " + std::to_string(generation) + ": " + ok.error().message);
  return {};
}

}  // namespace sipsteer::control

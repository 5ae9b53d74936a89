#include "xdp/steer_publisher.h"

namespace sipsteer::control {

std::expected<void, std::string> SteerPublisher::publish(std::span<const uint8_t> blob, uint64_t generation) {
  auto applied = program_.publish(blob);
  if (!applied) return std::unexpected("table " + std::to_string(generation) + ": " + applied.error().message);
  // The program read the generation from the blob; a mismatch means the
  // caller labelled the table wrongly, which would break `status`.
  if (*applied != generation)
    return std::unexpected("table labelled generation " + std::to_string(generation) +
                           " carries generation " + std::to_string(*applied));
  return {};
}

}  // namespace sipsteer::control

// Builds without the BPF loader (bpf/ not configured): only xdp.mode: off.
#include "xdp/xdp_link.h"

namespace sipsteer::control {

std::expected<std::unique_ptr<XdpLink>, std::string> openXdpLink(const XdpConfig& config) {
  return std::unexpected(std::string("xdp.mode ") + xdpModeLabel(config.mode) +
                         ": this sipsteerd was built without the BPF loader (bpf/)");
}

bool xdpSupported() { return false; }

}  // namespace sipsteer::control

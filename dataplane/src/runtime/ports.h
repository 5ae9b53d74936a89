// Port bring-up: finds each configured device (probing vdevs), configures
// one RX and one TX queue per worker (RSS over IP/UDP when there are
// several workers and the PMD supports it), starts it. Errors name the port.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "config/dataplane_config.h"
#include "runtime/mempools.h"
#include "runtime/pipeline.h"

namespace sipsteer::dp {

// Starts every port of `config`, port i receiving into pools[i]; returns
// their PortInfo (port ids, MACs, own addresses, roles) in config order.
[[nodiscard]] std::expected<std::vector<PortInfo>, std::string> startPorts(const DataplaneConfig& config,
                                                                          const std::vector<PortPool>& pools);
void stopPorts(const std::vector<PortInfo>& ports);

}  // namespace sipsteer::dp

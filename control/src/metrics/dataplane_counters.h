// Reading the COUNTERS_REPLY blob of abi/proto.h, every count and length
// checked against the payload size (a short or lying blob is refused, never
// read past). Lists the sender has more entries of than we know are cut to
// ours (append-only lists); fewer are zero-filled.
#pragma once

#include <sipsteer/abi/proto.h>

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

namespace sipsteer::control {

struct DataplaneCounters {
  uint64_t generation = 0;
  uint64_t uptime_ns = 0;
  std::array<uint64_t, SIPSTEER_DROP_REASON_COUNT> drops{};
  std::array<uint64_t, SIPSTEER_SIP_ERROR_COUNT> sip_errors{};
  std::vector<sipsteer_port_counters> ports;
  std::vector<sipsteer_vip_counters> vips;
  std::vector<sipsteer_server_counters> servers;
  std::array<uint64_t, SIPSTEER_AFFINITY_COUNTER_COUNT> affinity{};  // zeros from a sender without them
};

std::expected<DataplaneCounters, std::string> parseCounters(std::span<const uint8_t> blob);

}  // namespace sipsteer::control

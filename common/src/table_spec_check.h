// Internal to the core library: validation of a TableSpec before building,
// and the endpoint formatting its error messages use.
#pragma once

#include <sipsteer/core/table_builder.h>

#include <expected>
#include <string>

namespace sipsteer::core::detail {

// "198.18.1.10:5060", "[fd00:5eed::1]:5060", or "<family 9>:5060".
std::string formatEndpoint(uint8_t family, const sipsteer_addr& addr, uint16_t port);

// Every rule listed at buildTable(); the first violation, with context.
std::expected<void, std::string> checkTableSpec(const TableSpec& spec);

}  // namespace sipsteer::core::detail

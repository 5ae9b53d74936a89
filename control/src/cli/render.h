// Human-readable output of sipsteerctl (the --json output is the API data).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace sipsteer::control {

void renderStatus(const nlohmann::json& data);
void renderServers(const nlohmann::json& data);
void renderServer(const nlohmann::json& data);
void renderPools(const nlohmann::json& data);
void renderDns(const nlohmann::json& data);
void renderEvents(const nlohmann::json& data);
void renderExplain(const nlohmann::json& data);
std::string renderEvent(const nlohmann::json& event);

}  // namespace sipsteer::control

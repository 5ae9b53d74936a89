#include "state/state_file.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace sipsteer::control {

using nlohmann::json;

std::expected<SavedState, std::string> loadState(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return SavedState{};
    return std::unexpected("state file " + path + ": " + std::strerror(errno));
  }
  SavedState s;
  try {
    json j = json::parse(in);
    if (j.value("version", 0) != 1) return std::unexpected("state file " + path + ": unknown version");
    s.generation = j.value("generation", uint64_t{0});
    s.hash_key = j.value("hash_key", std::string());
    for (const auto& e : j.at("servers")) {
      SavedServer v;
      v.pool = e.at("pool").get<std::string>();
      auto a = parseAddressPort(e.at("address").get<std::string>());
      if (!a) return std::unexpected("state file " + path + ": " + a.error());
      v.address = *a;
      v.id = e.at("id").get<uint32_t>();
      auto admin = parseAdmin(e.value("admin", std::string("none")));
      if (!admin) return std::unexpected("state file " + path + ": bad admin state");
      v.admin = *admin;
      if (e.contains("weight") && !e["weight"].is_null()) v.weight_override = e["weight"].get<uint16_t>();
      v.healthy = e.value("healthy", false);
      s.servers.push_back(std::move(v));
    }
  } catch (const json::exception& e) {
    return std::unexpected("state file " + path + ": " + e.what());
  }
  return s;
}

std::expected<void, std::string> saveState(const std::string& path, const SavedState& s) {
  json j;
  j["version"] = 1;
  j["generation"] = s.generation;
  j["hash_key"] = s.hash_key;
  j["servers"] = json::array();
  for (const auto& v : s.servers) {
    json e = {{"pool", v.pool}, {"address", v.address.toString()}, {"id", v.id},
              {"admin", std::string(adminLabel(v.admin))}, {"healthy", v.healthy}};
    e["weight"] = v.weight_override ? json(*v.weight_override) : json(nullptr);
    j["servers"].push_back(std::move(e));
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return std::unexpected("cannot write " + tmp + ": " + std::strerror(errno));
    out << j.dump(1) << "\n";
    out.flush();
    if (!out) return std::unexpected("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return std::unexpected("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace sipsteer::control

#include "api/handlers.h"

#include "daemon/daemon.h"

namespace sipsteer::control {

using nlohmann::json;

void registerHandlers(Daemon& d) {
  ApiServer& api = d.api();
  api.add("status", {"overall state: pools, server counts, table generation", false,
                     [&d](const json&, const ApiCaller&) { return ApiReply::ok(d.status()); }});
  api.add("servers", {"every server with state, health and counters (args: pool)", false,
                      [&d](const json& a, const ApiCaller&) {
                        return ApiReply::ok(d.servers(a.value("pool", std::string())));
                      }});
  api.add("server", {"one server (args: server)", false, [&d](const json& a, const ApiCaller&) {
                       std::string name = a.at("server").get<std::string>();
                       for (const auto& s : d.servers("")) {
                         if (std::to_string(s["id"].get<uint32_t>()) == name ||
                             s["pool"].get<std::string>() + "/" + s["address"].get<std::string>() == name ||
                             s["address"].get<std::string>() == name) {
                           return ApiReply::ok(s);
                         }
                       }
                       return ApiReply::error(ApiCode::kNotFound, "no server '" + name + "'");
                     }});
  api.add("pools", {"pools with VIPs and the active tier", false,
                    [&d](const json&, const ApiCaller&) { return ApiReply::ok(d.pools()); }});
  api.add("dns", {"DNS record sets per pool with TTLs and staleness", false,
                  [&d](const json&, const ApiCaller&) { return ApiReply::ok(d.dns()); }});
  auto admin = [&d](AdminState s) {
    return [&d, s](const json& a, const ApiCaller&) { return d.setAdmin(a.at("server").get<std::string>(), s); };
  };
  api.add("drain", {"no new dialogs for a server; existing ones stay (args: server)", true, admin(AdminState::kDraining)});
  api.add("disable", {"take a server out entirely (args: server)", true, admin(AdminState::kDisabled)});
  api.add("enable", {"undo drain/disable (args: server)", true, admin(AdminState::kNone)});
  api.add("weight", {"override a server's weight; null restores config/DNS (args: server, weight)", true,
                     [&d](const json& a, const ApiCaller&) {
                       std::optional<uint16_t> w;
                       if (a.contains("weight") && !a["weight"].is_null()) {
                         int64_t v = a["weight"].get<int64_t>();
                         if (v < 0 || v > 65535) return ApiReply::error(ApiCode::kUsage, "weight must be 0-65535");
                         w = static_cast<uint16_t>(v);
                       }
                       return d.setWeight(a.at("server").get<std::string>(), w);
                     }});
  api.add("reload", {"re-read the config file (args: file, optional)", true,
                     [&d](const json& a, const ApiCaller&) { return d.reload(a.value("file", std::string())); }});
  api.add("events", {"recent events (args: last, follow)", false, [&d](const json& a, const ApiCaller& c) {
                       ApiReply r = ApiReply::ok(d.events(a.value("last", size_t{50})));
                       if (a.value("follow", false)) d.api().subscribe(c.connection);
                       return r;
                     }});
  api.add("explain", {"where a new dialog with this Call-ID goes and why (args: call_id, pool)", false,
                      [&d](const json& a, const ApiCaller&) {
                        auto r = d.explain(a.at("call_id").get<std::string>(), a.value("pool", std::string()));
                        if (!r) return r.error();
                        return ApiReply::ok(*r);
                      }});
  api.add("help", {"the command table", false, [&api](const json&, const ApiCaller&) {
                     json out = json::object();
                     for (const auto& [name, c] : api.commands()) {
                       out[name] = {{"help", c.help}, {"changes_state", c.changes_state}};
                     }
                     return ApiReply::ok(out);
                   }});
}

}  // namespace sipsteer::control

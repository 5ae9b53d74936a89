#include "cli/render.h"

#include <cstdio>
#include <ctime>
#include <iostream>

namespace sipsteer::control {

using nlohmann::json;

namespace {
std::string str(const json& j, const char* key, const std::string& dflt = "-") {
  if (!j.contains(key) || j[key].is_null()) return dflt;
  if (j[key].is_string()) return j[key].get<std::string>();
  if (j[key].is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", j[key].get<double>());
    return buf;
  }
  return j[key].dump();
}

std::string counts(const json& states) {
  std::string out;
  for (auto it = states.begin(); it != states.end(); ++it) {
    if (!out.empty()) out += " ";
    out += it.key();
    out += "=";
    out += it.value().dump();
  }
  return out.empty() ? "none" : out;
}
}  // namespace

void renderStatus(const json& d) {
  std::printf("sipsteerd %s  config %s  up %.0fs\n", str(d, "version").c_str(), str(d, "config").c_str(),
              d.value("uptime_s", 0.0));
  std::printf("servers   %s (%s)\n", str(d, "servers").c_str(), counts(d["states"]).c_str());
  std::printf("table     generation %s, dataplane has %s, %s, last publish %s ms\n",
              str(d, "table_generation").c_str(), str(d, "dataplane_generation").c_str(),
              d.value("dataplane_connected", false) ? "connected" : "NOT CONNECTED",
              str(d, "last_publish_latency_ms").c_str());
  if (d.contains("affinity") && d["affinity"].is_object()) {
    const json& a = d["affinity"];
    const double entries = a.value("entries", 0.0), capacity = a.value("capacity", 0.0);
    const double lookups = a.value("lookups", 0.0), misses = a.value("hint_misses", 0.0);
    std::printf("affinity  %.0f of %.0f dialogs (%.1f %%), %.1f MiB; "
                "%.2f %% of %.0f lookups not answered by a flow hint (new dialogs, lost hints)\n",
                entries, capacity, capacity > 0 ? 100.0 * entries / capacity : 0.0,
                a.value("memory_bytes", 0.0) / (1024.0 * 1024.0), lookups > 0 ? 100.0 * misses / lookups : 0.0,
                lookups);
  }
  for (const auto& p : d["pools"]) {
    std::string vips;
    for (const auto& v : p["vips"]) {
      if (!vips.empty()) vips += ",";
      vips += v.get<std::string>();
    }
    std::printf("pool %-12s %-22s %s, active priority %s, %s\n", str(p, "name").c_str(), vips.c_str(),
                counts(p["states"]).c_str(), str(p, "active_priority").c_str(),
                p.value("taking_new_dialogs", false) ? "taking new dialogs" : "NO SERVER (503)");
  }
}

void renderServers(const json& d) {
  std::printf("%-4s %-10s %-24s %-9s %-8s %4s %6s %8s %9s %s\n", "ID", "POOL", "ADDRESS", "STATE", "ADMIN",
              "PRIO", "WEIGHT", "RTT_MS", "DIALOGS", "LAST");
  for (const auto& s : d) {
    std::string state = str(s, "state");
    if (s.value("suspect", false)) state += "*";
    if (s.value("recovering", false)) state += "+";
    std::printf("%-4s %-10s %-24s %-9s %-8s %4s %6s %8s %9s %s\n", str(s, "id").c_str(), str(s, "pool").c_str(),
                str(s, "address").c_str(), state.c_str(), str(s, "admin").c_str(), str(s, "priority").c_str(),
                str(s, "weight").c_str(), str(s, "rtt_ms").c_str(), str(s, "active_dialogs").c_str(),
                str(s, "last_outcome").c_str());
  }
}

void renderServer(const json& d) {
  for (auto it = d.begin(); it != d.end(); ++it) {
    std::printf("%-22s %s\n", it.key().c_str(), it.value().is_string() ? it.value().get<std::string>().c_str()
                                                                       : it.value().dump().c_str());
  }
}

void renderPools(const json& d) {
  for (const auto& p : d) {
    std::printf("%-12s mode %-3s servers %-4s %s active priority %s domain %s\n", str(p, "name").c_str(),
                str(p, "mode").c_str(), str(p, "servers").c_str(), counts(p["states"]).c_str(),
                str(p, "active_priority").c_str(), str(p, "domain").c_str());
  }
}

void renderDns(const json& d) {
  for (const auto& p : d["pools"]) {
    std::printf("pool %s domain %s %s\n", str(p, "pool").c_str(), str(p, "domain").c_str(),
                p.value("resolved", false) ? "" : "(not resolved yet)");
    for (const auto& m : p["members"]) {
      std::printf("  %-26s prio %-5s weight %-5s %s\n", str(m, "address").c_str(), str(m, "priority").c_str(),
                  str(m, "weight").c_str(), str(m, "target").c_str());
    }
  }
  for (const auto& s : d["record_sets"]) {
    std::printf("%-40s %-5s records %-3s ttl %-6s refresh in %-7s%s%s\n", str(s, "name").c_str(),
                str(s, "type").c_str(), str(s, "records").c_str(), str(s, "ttl_s").c_str(),
                str(s, "refresh_in_s").c_str(), s.value("stale", false) ? " STALE" : "",
                s.contains("last_error") ? (" error: " + str(s, "last_error")).c_str() : "");
  }
}

std::string renderEvent(const json& e) {
  char when[32] = "-";
  std::time_t t = e.value("time", 0L);
  std::tm tm{};
  if (::gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%H:%M:%S", &tm);
  std::string type = str(e, "type");
  std::string rest;
  for (auto it = e.begin(); it != e.end(); ++it) {
    if (it.key() == "time" || it.key() == "type") continue;
    rest += " " + it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  }
  return std::string(when) + " " + type + rest;
}

void renderEvents(const json& d) {
  for (const auto& e : d) std::cout << renderEvent(e) << "\n";
}

void renderExplain(const json& d) {
  for (const auto& p : d) {
    std::printf("pool %s: %s\n  %s\n", str(p, "pool").c_str(),
                p["server"].is_null() ? "no server" : str(p, "server").c_str(), str(p, "why").c_str());
  }
}

}  // namespace sipsteer::control

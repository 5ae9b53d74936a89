// sipsteer-table-feed: a stand-in control plane for tests and labs. Builds
// a forwarding table with core::buildTable from its arguments, sends it to
// a running sipsteer-dp over the control socket and prints the ACK; can also
// print counters and events.
//
//   sipsteer-table-feed --socket /run/sipsteer/dataplane.sock
//       --vip 198.18.0.10:5060 --mode nat
//       --server 198.18.2.1:5060,weight=2 --server 198.18.2.2:5060,state=draining
//       [--counters] [--events SECONDS]
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <sipsteer/core/table_builder.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "support/proto_client.h"

namespace {

using namespace sipsteer;

bool parseEndpoint(const std::string& text, union sipsteer_addr& addr, uint8_t& family, uint16_t& port) {
  std::string host;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  addr = {};
  if (inet_pton(AF_INET, host.c_str(), addr.bytes) == 1) family = SIPSTEER_FAMILY_IPV4;
  else if (inet_pton(AF_INET6, host.c_str(), addr.bytes) == 1) family = SIPSTEER_FAMILY_IPV6;
  else return false;
  try {
    const int p = std::stoi(port_text);
    if (p <= 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

bool parseServer(const std::string& text, uint32_t index, core::ServerSpec& s, std::string& error) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1)
    parts.push_back(text.substr(start, comma - start));
  parts.push_back(text.substr(start));
  if (!parseEndpoint(parts[0], s.addr, s.family, s.port)) {
    error = "--server " + text + ": expected ADDR:PORT or [ADDR6]:PORT";
    return false;
  }
  s.server_id = index + 1;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    const std::string key = parts[i].substr(0, eq), value = eq == std::string::npos ? "" : parts[i].substr(eq + 1);
    try {
      if (key == "weight") s.weight = static_cast<uint32_t>(std::stoul(value));
      else if (key == "priority") s.priority = static_cast<uint16_t>(std::stoul(value));
      else if (key == "id") s.server_id = static_cast<uint32_t>(std::stoul(value));
      else if (key == "state") {
        static const std::pair<const char*, uint8_t> kStates[] = {
            {"up", SIPSTEER_STATE_UP}, {"down", SIPSTEER_STATE_DOWN}, {"dirty", SIPSTEER_STATE_DIRTY},
            {"draining", SIPSTEER_STATE_DRAINING}, {"disabled", SIPSTEER_STATE_DISABLED}};
        bool found = false;
        for (const auto& [name, value_of] : kStates)
          if (value == name) s.state = value_of, found = true;
        if (!found) throw std::invalid_argument(value);
      } else if (key == "mac") {
        unsigned m[6];
        if (std::sscanf(value.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
          throw std::invalid_argument(value);
        for (int b = 0; b < 6; ++b) s.mac[b] = static_cast<uint8_t>(m[b]);
        s.mac_set = true;
      } else {
        throw std::invalid_argument(key);
      }
    } catch (...) {
      error = "--server " + text + ": bad option '" + parts[i] + "'";
      return false;
    }
  }
  return true;
}

void printCounters(const std::vector<uint8_t>& blob) {
  const auto v = testing::decodeCounters(blob);
  if (!v) {
    std::printf("counters: undecodable reply of %zu bytes\n", blob.size());
    return;
  }
  std::printf("generation %llu uptime_ms %llu\n", static_cast<unsigned long long>(v->header.generation),
              static_cast<unsigned long long>(v->header.uptime_ns / 1000000));
  static const char* kDrops[] = {
#define X(name, label, help) label,
      SIPSTEER_DROP_REASON_X(X)
#undef X
  };
  for (size_t i = 0; i < v->drops.size() && i < SIPSTEER_DROP_REASON_COUNT; ++i)
    if (v->drops[i] != 0) std::printf("drop %s %llu\n", kDrops[i], static_cast<unsigned long long>(v->drops[i]));
  for (const auto& p : v->ports)
    std::printf("port %u rx %llu tx %llu arp %llu passed %llu\n", p.port_id,
                static_cast<unsigned long long>(p.values[SIPSTEER_PORT_RX_PACKETS]),
                static_cast<unsigned long long>(p.values[SIPSTEER_PORT_TX_PACKETS]),
                static_cast<unsigned long long>(p.values[SIPSTEER_PORT_ARP_REPLIES]),
                static_cast<unsigned long long>(p.values[SIPSTEER_PORT_PASSED]));
  for (size_t i = 0; i < v->vips.size(); ++i)
    std::printf("vip %zu requests %llu responses %llu new_dialogs %llu synthesised_503 %llu\n", i,
                static_cast<unsigned long long>(v->vips[i].values[SIPSTEER_VIP_REQUESTS]),
                static_cast<unsigned long long>(v->vips[i].values[SIPSTEER_VIP_RESPONSES]),
                static_cast<unsigned long long>(v->vips[i].values[SIPSTEER_VIP_NEW_DIALOGS]),
                static_cast<unsigned long long>(v->vips[i].values[SIPSTEER_VIP_SYNTH_503]));
  for (const auto& s : v->servers) {
    std::printf("server %u", s.server_id);
#define X(name, label, help) std::printf(" %s %llu", label, static_cast<unsigned long long>(s.values[SIPSTEER_SERVER_##name]));
    SIPSTEER_SERVER_COUNTER_X(X)
#undef X
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sipsteer-table-feed: send a forwarding table to sipsteer-dp"};
  std::string socket_path = "/run/sipsteer/dataplane.sock", mode = "nat", key_hex;
  std::vector<std::string> vips, servers;
  uint64_t generation = 0;
  uint32_t ring_size = 4099, retry_after = 30, pool_id = 1;
  bool counters = false;
  double events_seconds = 0;
  app.add_option("--socket", socket_path, "dataplane control socket");
  app.add_option("--vip", vips, "VIP ADDR:PORT or [ADDR6]:PORT (repeatable; a VIP uses the servers of its family)");
  app.add_option("--mode", mode, "nat or dsr")->check(CLI::IsMember({"nat", "dsr"}));
  app.add_option("--server", servers, "ADDR:PORT[,weight=N][,priority=N][,state=S][,id=N][,mac=M]");
  app.add_option("--generation", generation, "table generation (default: the dataplane's + 1)");
  app.add_option("--ring-size", ring_size, "Maglev ring size (prime)");
  app.add_option("--retry-after", retry_after, "Retry-After of synthesised 503s, seconds");
  app.add_option("--pool-id", pool_id, "stable id of the IPv4 pool (the IPv6 pool gets the next one)");
  app.add_option("--hash-key", key_hex, "32 hex digits (default: fixed test key)");
  app.add_flag("--counters", counters, "print the dataplane's counters");
  app.add_option("--events", events_seconds, "print events for this many seconds");
  CLI11_PARSE(app, argc, argv);

  testing::ProtoClient client;
  std::string error;
  if (!client.connect(socket_path, error)) {
    std::fprintf(stderr, "sipsteer-table-feed: %s\n", error.c_str());
    return 1;
  }
  const auto hello = client.hello();
  if (!hello) {
    std::fprintf(stderr, "sipsteer-table-feed: no HELLO from %s\n", socket_path.c_str());
    return 1;
  }
  if (!vips.empty()) {
    core::TableSpec spec;
    spec.generation = generation != 0 ? generation : hello->generation + 1;
    spec.hash_key.bytes = {0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    if (!key_hex.empty() && !core::parseHashKey(key_hex, spec.hash_key)) {
      std::fprintf(stderr, "sipsteer-table-feed: --hash-key: expected 32 hex digits\n");
      return 2;
    }
    // One pool per address family (a nat VIP needs servers of its family):
    // IPv4 servers and VIPs in one, IPv6 in the other.
    core::PoolSpec pools[2];
    for (int f = 0; f < 2; ++f) {
      pools[f].pool_id = pool_id + static_cast<uint32_t>(f);
      pools[f].ring_size = ring_size;
      pools[f].retry_after_s = retry_after;
    }
    for (uint32_t i = 0; i < servers.size(); ++i) {
      core::ServerSpec s;
      if (!parseServer(servers[i], i, s, error)) {
        std::fprintf(stderr, "sipsteer-table-feed: %s\n", error.c_str());
        return 2;
      }
      pools[s.family == SIPSTEER_FAMILY_IPV6 ? 1 : 0].servers.push_back(s);
    }
    uint16_t pool_index[2] = {0, 0};
    for (int f = 0; f < 2; ++f) {
      if (pools[f].servers.empty()) continue;
      pool_index[f] = static_cast<uint16_t>(spec.pools.size());
      spec.pools.push_back(pools[f]);
    }
    for (const std::string& v : vips) {
      core::VipSpec vip;
      if (!parseEndpoint(v, vip.addr, vip.family, vip.port)) {
        std::fprintf(stderr, "sipsteer-table-feed: --vip %s: expected ADDR:PORT\n", v.c_str());
        return 2;
      }
      vip.mode = mode == "dsr" ? SIPSTEER_MODE_DSR : SIPSTEER_MODE_NAT;
      const int f = vip.family == SIPSTEER_FAMILY_IPV6 ? 1 : 0;
      // A family without servers of its own falls back to the other (dsr).
      vip.pool_index = pools[f].servers.empty() ? pool_index[1 - f] : pool_index[f];
      spec.vips.push_back(vip);
    }
    const auto blob = core::buildTable(spec);
    if (!blob) {
      std::fprintf(stderr, "sipsteer-table-feed: %s\n", blob.error().c_str());
      return 2;
    }
    const auto ack = client.sendTable(*blob);
    if (!ack) {
      std::fprintf(stderr, "sipsteer-table-feed: no TABLE_ACK\n");
      return 1;
    }
    std::printf("table generation %llu status %u apply_ns %u\n", static_cast<unsigned long long>(ack->generation),
                ack->status, ack->apply_ns);
    if (ack->status != 0) return 3;
  }
  if (counters) {
    const auto blob = client.counters();
    if (!blob) {
      std::fprintf(stderr, "sipsteer-table-feed: no COUNTERS_REPLY\n");
      return 1;
    }
    printCounters(*blob);
  }
  if (events_seconds > 0) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(events_seconds);
    while (std::chrono::steady_clock::now() < end) client.receiveType(0, 100);
    for (const auto& e : client.events())
      std::printf("event type %u server %u generation %llu\n", e.type, e.server_id,
                  static_cast<unsigned long long>(e.generation));
  }
  return 0;
}

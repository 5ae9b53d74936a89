#include "config/config_loader.h"

#include <sipsteer/abi/table.h>
#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/maglev.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "config/yaml_reader.h"
#include "util/text.h"

#ifdef SIPSTEER_HAVE_DP_CONFIG
#include "config/dataplane_config.h"  // dataplane/src (sipsteer_dp_config)
#endif

namespace sipsteer::control {

std::string ConfigError::format() const {
  if (!text.empty()) return text;
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + reason;
}

std::string formatErrors(const ConfigErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

namespace {

// "2xx" -> 200..299, "404" -> 404..404, "400-499" -> 400..499.
std::expected<CodeRange, std::string> parseCodeRange(const std::string& s) {
  auto number = [](std::string_view t, uint16_t& out) {
    if (t.size() != 3) return false;
    unsigned v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = static_cast<uint16_t>(v);
    return v >= 100 && v <= 699;
  };
  CodeRange r;
  if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && (s[1] == 'x' || s[1] == 'X') &&
      (s[2] == 'x' || s[2] == 'X')) {
    r.first = static_cast<uint16_t>((s[0] - '0') * 100);
    r.last = static_cast<uint16_t>(r.first + 99);
    return r;
  }
  auto dash = s.find('-');
  if (dash == std::string::npos) {
    if (number(s, r.first)) {
      r.last = r.first;
      return r;
    }
  } else if (number(std::string_view(s).substr(0, dash), r.first) &&
             number(std::string_view(s).substr(dash + 1), r.last) && r.first <= r.last) {
    return r;
  }
  return std::unexpected(inQuotes(s) + " is not a reply code (404), a class (2xx) or a range (400-499)");
}

void readHealth(YamlReader& r, const YAML::Node& node, const std::string& path, HealthConfig& h) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.checkMapping(node, path,
                      {"interval", "timeout", "jitter", "rise", "fall", "accepted_codes",
                       "dirty_host_ttl", "dirty_host_ttl_max", "failback_hold", "slow_start",
                       "retry_after_max"})) {
    return;
  }
  r.readDuration(node, path, "interval", 10ms, 3600s, h.interval);
  r.readDuration(node, path, "timeout", 10ms, 600s, h.timeout);
  r.readDouble(node, path, "jitter", 0.0, 0.5, h.jitter);
  r.readUintT(node, path, "rise", 1, 100, h.rise);
  r.readUintT(node, path, "fall", 1, 100, h.fall);
  r.readDuration(node, path, "dirty_host_ttl", 0s, 86400s, h.dirty_host_ttl);
  r.readDuration(node, path, "dirty_host_ttl_max", 0s, 86400s, h.dirty_host_ttl_max);
  r.readDuration(node, path, "failback_hold", 0s, 86400s, h.failback_hold);
  r.readDuration(node, path, "slow_start", 0s, 86400s, h.slow_start);
  r.readDuration(node, path, "retry_after_max", 1s, 86400s, h.retry_after_max);
  YAML::Node codes = node["accepted_codes"];
  if (codes.IsDefined() && !codes.IsNull()) {
    std::string key = YamlReader::join(path, "accepted_codes");
    if (!codes.IsSequence() || codes.size() == 0) {
      r.error(codes, key, "must be a non-empty list of codes, e.g. [2xx, 404]");
    } else {
      h.accepted_codes.clear();
      for (size_t i = 0; i < codes.size(); ++i) {
        std::string k = key + "[" + std::to_string(i) + "]";
        if (!codes[i].IsScalar()) {
          r.error(codes[i], k, "must be a code");
          continue;
        }
        auto range = parseCodeRange(codes[i].Scalar());
        if (!range) {
          r.error(codes[i], k, range.error());
        } else if (range->first <= 503 && range->last >= 503) {
          r.error(codes[i], k, "503 cannot mean alive: it is handled with its Retry-After");
        } else if (range->first < 200) {
          r.error(codes[i], k, "provisional replies (1xx) do not end a probe");
        } else {
          h.accepted_codes.push_back(*range);
        }
      }
    }
  }
  if (h.timeout > h.interval) {
    r.error(node, path + ".timeout",
            "timeout " + formatDuration(h.timeout) + " exceeds interval " +
                formatDuration(h.interval) + " (a server would have overlapping probes)");
  }
  if (h.dirty_host_ttl_max < h.dirty_host_ttl) {
    r.error(node, path + ".dirty_host_ttl_max", "is shorter than dirty_host_ttl");
  }
}

void readServer(YamlReader& r, const YAML::Node& node, const std::string& path, StaticServer& s) {
  s.line = node.Mark().line + 1;
  if (node.IsScalar()) {  // shorthand: "198.18.1.10:5060"
    auto a = parseAddressPort(node.Scalar(), 5060);
    if (!a) r.error(node, path, a.error());
    else s.address = *a;
    return;
  }
  if (!r.checkMapping(node, path, {"address", "priority", "weight"})) return;
  YAML::Node address = node["address"];
  if (!address.IsDefined()) {
    r.error(node, path + ".address", "is required (host:port)");
  } else if (!address.IsScalar()) {
    r.error(address, path + ".address", "must be host:port");
  } else {
    auto a = parseAddressPort(address.Scalar(), 5060);
    if (!a) r.error(address, path + ".address", a.error());
    else s.address = *a;
  }
  r.readUintT(node, path, "priority", 0, 65535, s.priority);
  r.readUintT(node, path, "weight", 0, 65535, s.weight);
}

void readPool(YamlReader& r, const YAML::Node& node, const std::string& path,
              const HealthConfig& defaults, PoolConfig& p) {
  p.line = node.Mark().line + 1;
  p.health = defaults;
  if (!r.checkMapping(node, path,
                      {"name", "vips", "mode", "ring_size", "retry_after", "domain", "domain_port",
                       "servers", "health"})) {
    return;
  }
  r.readString(node, path, "name", p.name);
  if (p.name.empty()) r.error(node, path + ".name", "is required");
  for (char c : p.name) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      r.error(node["name"], path + ".name", "may hold only letters, digits, '-', '_' and '.'");
      break;
    }
  }
  YAML::Node vips = node["vips"];
  if (!vips.IsDefined() || !vips.IsSequence() || vips.size() == 0) {
    r.error(vips.IsDefined() ? vips : node, path + ".vips", "needs a list of VIP host:port");
  } else {
    for (size_t i = 0; i < vips.size(); ++i) {
      std::string k = path + ".vips[" + std::to_string(i) + "]";
      if (!vips[i].IsScalar()) {
        r.error(vips[i], k, "must be host:port");
        continue;
      }
      auto a = parseAddressPort(vips[i].Scalar(), 5060);
      if (!a) r.error(vips[i], k, a.error());
      else p.vips.push_back(*a);
    }
  }
  std::string mode = "nat";
  r.readString(node, path, "mode", mode);
  if (mode == "nat") p.mode = SIPSTEER_MODE_NAT;
  else if (mode == "dsr") p.mode = SIPSTEER_MODE_DSR;
  else r.error(node["mode"], path + ".mode", inQuotes(mode) + " is not nat or dsr");
  r.readUintT(node, path, "ring_size", 7, 1'000'003, p.ring_size);
  if (!core::isPrime(p.ring_size)) {
    r.error(node["ring_size"], path + ".ring_size", std::to_string(p.ring_size) + " is not prime");
  }
  Nanos retry_after = std::chrono::seconds(p.retry_after_s);
  r.readDuration(node, path, "retry_after", 1s, 86400s, retry_after);
  p.retry_after_s = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(retry_after).count());
  r.readString(node, path, "domain", p.domain);
  r.readUintT(node, path, "domain_port", 1, 65535, p.domain_port);
  YAML::Node servers = node["servers"];
  if (servers.IsDefined() && !servers.IsNull()) {
    if (!servers.IsSequence()) {
      r.error(servers, path + ".servers", "must be a list");
    } else {
      for (size_t i = 0; i < servers.size(); ++i) {
        StaticServer s;
        readServer(r, servers[i], path + ".servers[" + std::to_string(i) + "]", s);
        p.servers.push_back(s);
      }
    }
  }
  if (p.servers.empty() && p.domain.empty()) {
    r.error(node, path, "needs servers: or domain: (or both)");
  }
  if (p.servers.size() > SIPSTEER_MAX_SERVERS) {
    r.error(servers, path + ".servers", "more than " + std::to_string(SIPSTEER_MAX_SERVERS) + " servers");
  }
  readHealth(r, node["health"], path + ".health", p.health);
}

// Checks that need the whole tree: duplicates and conflicts.
void crossCheck(YamlReader& r, const YAML::Node& root, Config& c) {
  std::map<std::string, size_t> names;
  std::map<NetAddress, std::string> vip_owner;
  YAML::Node pools = root["pools"];
  for (size_t i = 0; i < c.pools.size(); ++i) {
    const PoolConfig& p = c.pools[i];
    std::string path = "pools[" + std::to_string(i) + "]";
    YAML::Node pn = pools[i];
    if (!p.name.empty() && !names.emplace(p.name, i).second) {
      r.error(pn["name"], path + ".name", "pool name '" + p.name + "' is used twice");
    }
    for (size_t v = 0; v < p.vips.size(); ++v) {
      auto [it, fresh] = vip_owner.emplace(p.vips[v], p.name);
      if (!fresh) {
        r.error(pn["vips"][v], path + ".vips[" + std::to_string(v) + "]",
                "VIP " + p.vips[v].toString() + " is already served by pool '" + it->second + "'");
      }
    }
    std::set<NetAddress> seen;
    for (size_t s = 0; s < p.servers.size(); ++s) {
      const NetAddress& a = p.servers[s].address;
      if (a.family == SIPSTEER_FAMILY_NONE) continue;  // already reported
      if (!seen.insert(a).second) {
        r.error(pn["servers"][s], path + ".servers[" + std::to_string(s) + "]",
                "server " + a.toString() + " is listed twice in pool '" + p.name + "'");
      }
      if (vip_owner.count(a)) {
        r.error(pn["servers"][s], path + ".servers[" + std::to_string(s) + "]",
                "server " + a.toString() + " is also a VIP (traffic would loop)");
      }
    }
  }
  if (c.pools.size() > SIPSTEER_MAX_POOLS) {
    r.error(pools, "pools", "more than " + std::to_string(SIPSTEER_MAX_POOLS) + " pools");
  }
  if (vip_owner.size() > SIPSTEER_MAX_VIPS) {
    r.error(pools, "pools", "more than " + std::to_string(SIPSTEER_MAX_VIPS) + " VIPs");
  }
}

void readControl(YamlReader& r, const YAML::Node& node, ControlConfig& c) {
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string path = "control";
  if (!r.checkMapping(node, path,
                      {"api_socket", "api_group", "state_file", "metrics_listen", "hash_key",
                       "log_level", "probe_source", "probe_source_v6", "startup_grace",
                       "counters_interval"})) {
    return;
  }
  r.readString(node, path, "api_socket", c.api_socket);
  r.readString(node, path, "api_group", c.api_group);
  r.readString(node, path, "state_file", c.state_file);
  r.readString(node, path, "metrics_listen", c.metrics_listen);
  if (!c.metrics_listen.empty()) {
    auto a = parseAddressPort(c.metrics_listen);
    if (!a) r.error(node["metrics_listen"], "control.metrics_listen", a.error());
  }
  r.readString(node, path, "hash_key", c.hash_key);
  if (!c.hash_key.empty()) {
    core::HashKey k;
    if (!core::parseHashKey(c.hash_key, k)) {
      r.error(node["hash_key"], "control.hash_key", "must be 32 hexadecimal digits");
    }
  }
  r.readString(node, path, "log_level", c.log_level);
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool known = false;
  for (auto* l : kLevels) known = known || c.log_level == l;
  if (!known) r.error(node["log_level"], "control.log_level", inQuotes(c.log_level) + " is not a log level (trace, debug, info, warn, error, critical, off)");
  for (auto [key, out, fam] : {std::tuple{"probe_source", &c.probe_source_v4, SIPSTEER_FAMILY_IPV4},
                               std::tuple{"probe_source_v6", &c.probe_source_v6, SIPSTEER_FAMILY_IPV6}}) {
    YAML::Node n = node[key];
    if (!n.IsDefined() || n.IsNull()) continue;
    auto a = n.IsScalar() ? parseAddressPort(n.Scalar(), 0)
                          : std::expected<NetAddress, std::string>(std::unexpected("must be an address"));
    if (!a && n.IsScalar()) {
      auto ip = parseIp(n.Scalar());
      if (ip) a = ip;
    }
    if (!a) r.error(n, std::string("control.") + key, a.error());
    else if (a->family != fam) r.error(n, std::string("control.") + key, "wrong address family");
    else *out = *a;
  }
  r.readDuration(node, path, "startup_grace", 0s, 600s, c.startup_grace);
  r.readDuration(node, path, "counters_interval", 100ms, 3600s, c.counters_interval);
}

void readIcmp(YamlReader& r, const YAML::Node& node, IcmpConfig& c) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.checkMapping(node, "icmp", {"rate_per_second", "burst", "per_server_interval"})) return;
  r.readDouble(node, "icmp", "rate_per_second", 0.0, 1e6, c.rate_per_second);
  r.readUintT(node, "icmp", "burst", 0, 1'000'000, c.burst);
  r.readDuration(node, "icmp", "per_server_interval", 0s, 3600s, c.per_server_interval);
}

void readDns(YamlReader& r, const YAML::Node& node, DnsConfig& c) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.checkMapping(node, "dns", {"servers", "ttl_min", "ttl_max", "refresh_ahead",
                                    "retry_interval", "query_timeout", "ipv4", "ipv6"})) {
    return;
  }
  YAML::Node servers = node["servers"];
  if (servers.IsDefined() && !servers.IsNull()) {
    if (!servers.IsSequence()) {
      r.error(servers, "dns.servers", "must be a list of host[:port]");
    } else {
      for (size_t i = 0; i < servers.size(); ++i) {
        std::string k = "dns.servers[" + std::to_string(i) + "]";
        auto a = servers[i].IsScalar() ? parseAddressPort(servers[i].Scalar(), 53)
                                       : std::expected<NetAddress, std::string>(std::unexpected("must be host[:port]"));
        if (!a) r.error(servers[i], k, a.error());
        else c.servers.push_back(*a);
      }
    }
  }
  r.readDuration(node, "dns", "ttl_min", 0s, 86400s, c.ttl_min);
  r.readDuration(node, "dns", "ttl_max", 1s, 7 * 86400s, c.ttl_max);
  r.readDouble(node, "dns", "refresh_ahead", 0.1, 1.0, c.refresh_ahead);
  r.readDuration(node, "dns", "retry_interval", 100ms, 3600s, c.retry_interval);
  r.readDuration(node, "dns", "query_timeout", 100ms, 60s, c.query_timeout);
  r.readBool(node, "dns", "ipv4", c.ipv4);
  r.readBool(node, "dns", "ipv6", c.ipv6);
  if (c.ttl_max < c.ttl_min) r.error(node, "dns.ttl_max", "is shorter than ttl_min");
  if (!c.ipv4 && !c.ipv6) r.error(node, "dns", "ipv4 and ipv6 are both off");
}

void readDataplane(YamlReader& r, const YAML::Node& node, DataplaneLink& d) {
  if (!node.IsDefined() || node.IsNull()) return;
#ifdef SIPSTEER_HAVE_DP_CONFIG
  // The dataplane's own parser checks its whole section, so --check-config
  // validates the file both processes read. Its messages are already
  // "file:line: dataplane.key: problem".
  auto dp = sipsteer::dp::parseDataplaneConfig(node, r.file());
  if (!dp) {
    ConfigError e;
    e.file = r.file();
    e.text = dp.error();
    r.add(std::move(e));
    return;
  }
  d.control_socket = dp->control_socket;
#else
  // Without sipsteer_dp_config only control_socket is read; sipsteer-dp
  // checks the rest when it starts.
  if (!node.IsMap()) {
    r.error(node, "dataplane", "must be a mapping");
    return;
  }
  r.readString(node, "dataplane", "control_socket", d.control_socket);
#endif
}

bool isPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void readXdp(YamlReader& r, const YAML::Node& node, XdpConfig& x) {
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string path = "xdp";
  if (!r.checkMapping(node, path,
                      {"mode", "interfaces", "attach", "pin_root", "object_dir", "front_attach",
                       "table_bytes", "max_servers", "max_dialogs", "event_ring_bytes", "scan_bytes",
                       "no_callid_drop", "unnat", "fib_lookup", "tx_interface"})) {
    return;
  }
  std::string mode = "off";
  r.readString(node, path, "mode", mode);
  if (mode == "off") x.mode = XdpMode::kOff;
  else if (mode == "front") x.mode = XdpMode::kFront;
  else if (mode == "steer") x.mode = XdpMode::kSteer;
  else r.error(node["mode"], "xdp.mode", inQuotes(mode) + " is not off, front or steer");
  std::string attach = "auto";
  r.readString(node, path, "attach", attach);
  if (attach == "auto") x.attach = XdpAttach::kAuto;
  else if (attach == "native") x.attach = XdpAttach::kNative;
  else if (attach == "generic") x.attach = XdpAttach::kGeneric;
  else r.error(node["attach"], "xdp.attach", inQuotes(attach) + " is not auto, native or generic");

  YAML::Node ifaces = node["interfaces"];
  if (ifaces.IsDefined() && !ifaces.IsNull()) {
    if (!ifaces.IsSequence()) {
      r.error(ifaces, "xdp.interfaces", "must be a list of interface names");
    } else {
      for (size_t i = 0; i < ifaces.size(); ++i) {
        std::string k = "xdp.interfaces[" + std::to_string(i) + "]";
        const std::string name = ifaces[i].IsScalar() ? ifaces[i].Scalar() : "";
        // IFNAMSIZ is 16 with the NUL; '/' and blanks cannot be in a name.
        if (name.empty() || name.size() > 15 || name.find_first_of("/ \t:") != std::string::npos) {
          r.error(ifaces[i], k, "must be an interface name (1-15 characters, no '/', ':' or blanks)");
        } else if (std::find(x.interfaces.begin(), x.interfaces.end(), name) != x.interfaces.end()) {
          r.error(ifaces[i], k, "interface " + inQuotes(name) + " is listed twice");
        } else {
          x.interfaces.push_back(name);
        }
      }
    }
  }
  r.readString(node, path, "pin_root", x.pin_root);
  if (x.pin_root.empty() || x.pin_root[0] != '/')
    r.error(node["pin_root"], "xdp.pin_root", "must be an absolute path (a bpffs mount)");
  r.readString(node, path, "object_dir", x.object_dir);
  if (x.object_dir.empty() || x.object_dir[0] != '/')
    r.error(node["object_dir"], "xdp.object_dir", "must be an absolute path");
  r.readBool(node, path, "front_attach", x.front_attach);
  // Upper bounds: the kernel's largest array value (4 MiB) for the table;
  // the rest keep a mistyped size from asking for gigabytes of memlock.
  r.readUintT(node, path, "table_bytes", 4096, 4u << 20, x.table_bytes);
  r.readUintT(node, path, "max_servers", 1, 1u << 20, x.max_servers);
  r.readUintT(node, path, "max_dialogs", 1, 1u << 24, x.max_dialogs);
  r.readUintT(node, path, "event_ring_bytes", 4096, 1u << 30, x.event_ring_bytes);
  if (!isPowerOfTwo(x.event_ring_bytes))
    r.error(node["event_ring_bytes"], "xdp.event_ring_bytes",
            std::to_string(x.event_ring_bytes) + " is not a power of two (a BPF ring buffer needs one)");
  r.readUintT(node, path, "scan_bytes", 1, 2048, x.scan_bytes);
  r.readBool(node, path, "no_callid_drop", x.no_callid_drop);
  r.readBool(node, path, "unnat", x.unnat);
  r.readBool(node, path, "fib_lookup", x.fib_lookup);
  r.readString(node, path, "tx_interface", x.tx_interface);

  if (x.mode == XdpMode::kSteer && x.interfaces.empty())
    r.error(node, "xdp.interfaces", "steer mode needs at least one interface to attach xdp_steer to");
  if (x.mode == XdpMode::kFront && x.front_attach && x.interfaces.empty())
    r.error(node, "xdp.interfaces", "front_attach needs the interface(s) to attach xdp_front to");
  if (x.mode == XdpMode::kFront && !x.front_attach && !x.interfaces.empty())
    r.error(node["interfaces"], "xdp.interfaces",
            "in front mode DPDK attaches xdp_front itself (xdp_prog=); list interfaces only with "
            "front_attach: true");
}

}  // namespace

const char* xdpModeLabel(XdpMode mode) {
  switch (mode) {
    case XdpMode::kFront: return "front";
    case XdpMode::kSteer: return "steer";
    case XdpMode::kOff: break;
  }
  return "off";
}

std::expected<Config, ConfigErrors> loadConfigString(const std::string& yaml, const std::string& file) {
  ConfigErrors errors;
  YamlReader r(file, errors);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    ConfigError err;
    err.file = file;
    err.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    err.column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    err.reason = "YAML syntax: " + e.msg;
    return std::unexpected(ConfigErrors{err});
  }
  Config c;
  c.file = file;
  if (!root.IsMap()) {
    r.error(root, "", "the file must be a mapping with pools: (and control:, health:, dns:, ...)");
    return std::unexpected(errors);
  }
  try {
    r.checkMapping(root, "", {"control", "health", "icmp", "dns", "pools", "dataplane", "xdp"});
    readControl(r, root["control"], c.control);
    HealthConfig defaults;
    readHealth(r, root["health"], "health", defaults);
    readIcmp(r, root["icmp"], c.icmp);
    readDns(r, root["dns"], c.dns);
    readDataplane(r, root["dataplane"], c.dataplane);
    readXdp(r, root["xdp"], c.xdp);
    YAML::Node pools = root["pools"];
    if (!pools.IsDefined() || !pools.IsSequence() || pools.size() == 0) {
      r.error(pools.IsDefined() ? pools : root, "pools", "needs a list of at least one pool");
    } else {
      for (size_t i = 0; i < pools.size(); ++i) {
        PoolConfig p;
        readPool(r, pools[i], "pools[" + std::to_string(i) + "]", defaults, p);
        c.pools.push_back(std::move(p));
      }
      crossCheck(r, root, c);
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on a few malformed shapes (e.g. a key that is a list).
    r.error(root, "", std::string("unreadable structure: ") + e.what());
  }
  if (!errors.empty()) return std::unexpected(errors);
  return c;
}

std::expected<Config, ConfigErrors> loadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ConfigError e;
    e.file = path;
    e.reason = "cannot open the file";
    return std::unexpected(ConfigErrors{e});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return loadConfigString(ss.str(), path);
}

std::vector<std::string> restartOnlyChanges(const Config& a, const Config& b) {
  std::vector<std::string> out;
  auto check = [&](bool differ, const char* key) {
    if (differ) out.emplace_back(key);
  };
  check(a.control.api_socket != b.control.api_socket, "control.api_socket");
  check(a.control.api_group != b.control.api_group, "control.api_group");
  check(a.control.state_file != b.control.state_file, "control.state_file");
  check(a.control.metrics_listen != b.control.metrics_listen, "control.metrics_listen");
  check(a.control.hash_key != b.control.hash_key, "control.hash_key");
  check(!(a.control.probe_source_v4 == b.control.probe_source_v4), "control.probe_source");
  check(!(a.control.probe_source_v6 == b.control.probe_source_v6), "control.probe_source_v6");
  check(a.dns.servers != b.dns.servers, "dns.servers");
  check(a.dataplane.control_socket != b.dataplane.control_socket, "dataplane.control_socket");
  check(!(a.xdp == b.xdp), "xdp");
  return out;
}

}  // namespace sipsteer::control

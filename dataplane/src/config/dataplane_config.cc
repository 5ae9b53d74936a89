#include "config/dataplane_config.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <limits>
#include <map>
#include <set>

namespace sipsteer::dp {
namespace {

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  std::string where(const YAML::Node& node, const std::string& key) const {
    const YAML::Mark mark = node.Mark();
    const int line = mark.line >= 0 ? mark.line + 1 : 0;
    return file_ + ":" + std::to_string(line) + ": dataplane." + key + ": ";
  }

  // Rejects keys not in `known`: a typo must not silently become a default.
  bool checkKeys(const YAML::Node& map, const std::string& path, const std::set<std::string>& known) {
    if (!map.IsMap()) return fail(map, path, "expected a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (!known.count(key))
        return fail(kv.first, path.empty() ? key : path + "." + key, "unknown key");
    }
    return true;
  }

  template <typename T>
  bool number(const YAML::Node& map, const char* key, const std::string& path, T& out, uint64_t min,
              uint64_t max) {
    const YAML::Node node = map[key];
    if (!node) return true;
    const std::string name = path.empty() ? key : path + "." + key;
    uint64_t value = 0;
    try {
      value = node.as<uint64_t>();
    } catch (const YAML::Exception&) {
      return fail(node, name, "expected a non-negative integer");
    }
    if (value < min || value > max)
      return fail(node, name, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    out = static_cast<T>(value);
    return true;
  }

  bool text(const YAML::Node& map, const char* key, const std::string& path, std::string& out) {
    const YAML::Node node = map[key];
    if (!node) return true;
    if (!node.IsScalar() || node.Scalar().empty())
      return fail(node, path.empty() ? key : path + "." + key, "expected a non-empty string");
    out = node.Scalar();
    return true;
  }

  // "198.18.0.1/24", "fd00:5eed::1/64" or a bare address (prefix = full).
  bool address(const YAML::Node& map, const char* key, const std::string& path,
               std::optional<AddressConfig>& out, uint8_t family, bool with_prefix) {
    const YAML::Node node = map[key];
    if (!node) return true;
    const std::string name = path + "." + key;
    if (!node.IsScalar()) return fail(node, name, "expected an address");
    std::string s = node.Scalar();
    AddressConfig a;
    a.family = family;
    const int af = family == SIPSTEER_FAMILY_IPV4 ? AF_INET : AF_INET6;
    const int full = family == SIPSTEER_FAMILY_IPV4 ? 32 : 128;
    a.prefix = static_cast<uint8_t>(full);
    const size_t slash = s.find('/');
    if (slash != std::string::npos) {
      if (!with_prefix) return fail(node, name, "a gateway is an address, not a prefix");
      int prefix = -1;
      try {
        size_t used = 0;
        prefix = std::stoi(s.substr(slash + 1), &used);
        if (used != s.size() - slash - 1) prefix = -1;
      } catch (...) {
      }
      if (prefix < 0 || prefix > full) return fail(node, name, "bad prefix length");
      a.prefix = static_cast<uint8_t>(prefix);
      s.resize(slash);
    }
    if (inet_pton(af, s.c_str(), a.addr.bytes) != 1)
      return fail(node, name, std::string("not an IPv") + (family == SIPSTEER_FAMILY_IPV4 ? "4" : "6") +
                                   " address: '" + s + "'");
    out = a;
    return true;
  }

  bool fail(const YAML::Node& node, const std::string& key, const std::string& why) {
    if (error_.empty()) error_ = where(node, key) + why;
    return false;
  }

  std::string error_;

 private:
  std::string file_;
};

bool parsePort(Parser& p, const YAML::Node& node, size_t index, PortConfig& port) {
  const std::string path = "ports[" + std::to_string(index) + "]";
  if (!p.checkKeys(node, path, {"name", "device", "role", "ipv4", "ipv6", "gateway4", "gateway6", "neighbours"}))
    return false;
  port.line = node.Mark().line + 1;
  port.name = "port" + std::to_string(index);
  if (!p.text(node, "name", path, port.name) || !p.text(node, "device", path, port.device)) return false;
  if (port.device.empty()) return p.fail(node, path + ".device", "missing (PCI address or vdev string)");
  if (const YAML::Node role = node["role"]) {
    const std::string r = role.IsScalar() ? role.Scalar() : "";
    if (r == "client") port.role = PortRoleConfig::kClient;
    else if (r == "server") port.role = PortRoleConfig::kServer;
    else if (r == "both") port.role = PortRoleConfig::kBoth;
    else return p.fail(role, path + ".role", "expected client, server or both");
  }
  port.iface = deviceInterface(port.device);
  port.neighbours = sharesInterfaceWithKernel(port.device) ? NeighbourSource::kKernel : NeighbourSource::kOwn;
  if (const YAML::Node n = node["neighbours"]) {
    const std::string v = n.IsScalar() ? n.Scalar() : "";
    if (v == "kernel") port.neighbours = NeighbourSource::kKernel;
    else if (v == "own") port.neighbours = NeighbourSource::kOwn;
    else return p.fail(n, path + ".neighbours", "expected kernel or own");
    // The kernel's table is per interface: a PCI port (or a vdev without
    // iface=) has none the kernel resolves on.
    if (port.neighbours == NeighbourSource::kKernel && port.iface.empty())
      return p.fail(n, path + ".neighbours",
                    "kernel needs a device with iface= (a kernel interface), '" + port.device + "' has none");
  }
  return p.address(node, "ipv4", path, port.ipv4, SIPSTEER_FAMILY_IPV4, true) &&
         p.address(node, "ipv6", path, port.ipv6, SIPSTEER_FAMILY_IPV6, true) &&
         p.address(node, "gateway4", path, port.gateway4, SIPSTEER_FAMILY_IPV4, false) &&
         p.address(node, "gateway6", path, port.gateway6, SIPSTEER_FAMILY_IPV6, false);
}

}  // namespace

std::string deviceInterface(const std::string& device) {
  // vdev arguments: "name,key=value,key=value"; iface= never holds a comma.
  size_t at = device.find(',');
  while (at != std::string::npos) {
    const size_t end = device.find(',', at + 1);
    const std::string arg = device.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    if (arg.rfind("iface=", 0) == 0) return arg.substr(6);
    at = end;
  }
  return "";
}

bool sharesInterfaceWithKernel(const std::string& device) {
  if (device.rfind("net_af_xdp", 0) != 0 || deviceInterface(device).empty()) return false;
  size_t at = device.find(',');
  while (at != std::string::npos) {
    if (device.compare(at + 1, 9, "xdp_prog=") == 0) return true;
    at = device.find(',', at + 1);
  }
  return false;
}

std::expected<DataplaneConfig, std::string> parseDataplaneConfig(const YAML::Node& section,
                                                                 const std::string& file) {
  DataplaneConfig c;
  Parser p(file);
  if (!section || section.IsNull()) return c;
  constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
  const bool ok = [&] {
    if (!p.checkKeys(section, "",
                     {"eal_args", "ports", "workers", "rx_queue_size", "tx_queue_size", "burst", "mbufs",
                      "idle_polls", "idle_backoff_us", "affinity", "fragments", "control_socket",
                      "unanswered_window_ms", "max_sip_size", "local_down_hold_ms", "verify_checksums",
                      "verify_udp_checksum"}))
      return false;
    if (const YAML::Node eal = section["eal_args"]) {
      if (!eal.IsSequence()) return p.fail(eal, "eal_args", "expected a list of strings");
      for (const auto& a : eal) {
        if (!a.IsScalar()) return p.fail(a, "eal_args", "expected a list of strings");
        c.eal_args.push_back(a.Scalar());
      }
    }
    if (!p.number(section, "workers", "", c.workers, 1, 64) ||
        !p.number(section, "rx_queue_size", "", c.rx_queue_size, 64, 16384) ||
        !p.number(section, "tx_queue_size", "", c.tx_queue_size, 64, 16384) ||
        !p.number(section, "burst", "", c.burst, 1, 64) ||
        !p.number(section, "mbufs", "", c.mbufs, 1024, kU32) ||
        !p.number(section, "idle_polls", "", c.idle_polls, 1, kU32) ||
        !p.number(section, "idle_backoff_us", "", c.idle_backoff_us, 0, 100000) ||
        !p.text(section, "control_socket", "", c.control_socket) ||
        !p.number(section, "unanswered_window_ms", "", c.unanswered_window_ms, 10, 600000) ||
        !p.number(section, "max_sip_size", "", c.max_sip_size, 512, 65507) ||
        !p.number(section, "local_down_hold_ms", "", c.local_down_hold_ms, 0, 3600000))
      return false;
    for (const auto& [key, target] : {std::pair<const char*, bool*>{"verify_checksums", &c.verify_checksums},
                                      std::pair<const char*, bool*>{"verify_udp_checksum", &c.verify_udp_checksum}}) {
      if (const YAML::Node v = section[key]) {
        try {
          *target = v.as<bool>();
        } catch (const YAML::Exception&) {
          return p.fail(v, key, "expected true or false");
        }
      }
    }
    if (const YAML::Node a = section["affinity"]) {
      if (!p.checkKeys(a, "affinity", {"max_dialogs", "idle_timeout_s", "after_bye_s"}) ||
          !p.number(a, "max_dialogs", "affinity", c.affinity.max_dialogs, 1024, 1u << 26) ||
          !p.number(a, "idle_timeout_s", "affinity", c.affinity.idle_timeout_s, 1, 7 * 86400) ||
          !p.number(a, "after_bye_s", "affinity", c.affinity.after_bye_s, 1, 3600))
        return false;
      if (c.affinity.after_bye_s > c.affinity.idle_timeout_s)
        return p.fail(a, "affinity.after_bye_s", "must not exceed idle_timeout_s");
    }
    if (const YAML::Node f = section["fragments"]) {
      if (!p.checkKeys(f, "fragments", {"max_flows", "timeout_ms"}) ||
          !p.number(f, "max_flows", "fragments", c.fragments.max_flows, 16, 1u << 20) ||
          !p.number(f, "timeout_ms", "fragments", c.fragments.timeout_ms, 10, 60000))
        return false;
    }
    if (const YAML::Node ports = section["ports"]) {
      if (!ports.IsSequence() || ports.size() == 0) return p.fail(ports, "ports", "expected a non-empty list");
      if (ports.size() > 8) return p.fail(ports, "ports", "at most 8 ports");
      for (size_t i = 0; i < ports.size(); ++i) {
        PortConfig port;
        if (!parsePort(p, ports[i], i, port)) return false;
        c.ports.push_back(std::move(port));
      }
      int clients = 0, servers = 0;
      for (const auto& port : c.ports) {
        clients += port.role != PortRoleConfig::kServer;
        servers += port.role != PortRoleConfig::kClient;
      }
      // One client-facing and one server-facing port (the same one when
      // one-armed); more would need a routing decision the table cannot make.
      if (clients != 1 || servers != 1)
        return p.fail(ports, "ports",
                      "need exactly one port facing clients and one facing servers (role both = one-armed)");
    }
    return true;
  }();
  if (!ok) return std::unexpected(p.error_);
  return c;
}

std::expected<DataplaneConfig, std::string> loadDataplaneConfig(const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return std::unexpected(file + ": cannot open");
  } catch (const YAML::ParserException& e) {
    return std::unexpected(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return parseDataplaneConfig(root["dataplane"], file);
}

}  // namespace sipsteer::dp

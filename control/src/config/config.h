// The typed configuration tree of sipsteerd, with defaults. Loaded from one
// YAML file by loadConfig() (config_loader.h), validated whole, then passed by
// const reference. docs/config.md lists every key; keys marked "restart" are
// only read at start-up (see restartOnlyChanges()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/clock.h"
#include "util/net_address.h"

namespace sipsteer::control {

// A reply code range accepted as "alive", inclusive ("2xx" = 200..299).
struct CodeRange {
  uint16_t first = 200;
  uint16_t last = 299;
  friend bool operator==(const CodeRange&, const CodeRange&) = default;
};

struct HealthConfig {
  Nanos interval = 2s;          // between probes of one server
  Nanos timeout = 1s;           // a probe without reply by then failed
  double jitter = 0.2;          // +-fraction of interval, spreads probes
  uint32_t rise = 3;            // consecutive successes before up
  uint32_t fall = 2;            // consecutive failures before down
  std::vector<CodeRange> accepted_codes = {{200, 299}, {401, 401}, {403, 403}, {404, 404},
                                           {405, 405}, {407, 407}, {484, 484}};
  Nanos dirty_host_ttl = 10s;      // quarantine after a failure
  Nanos dirty_host_ttl_max = 300s; // cap of the doubling quarantine
  Nanos failback_hold = 10s;       // healthy this long after rise before up
  Nanos slow_start = 0s;           // weight ramp after up; 0 = off
  Nanos retry_after_max = 300s;    // clamp of a 503's Retry-After
  friend bool operator==(const HealthConfig&, const HealthConfig&) = default;
};

struct StaticServer {
  NetAddress address;
  uint16_t priority = 0;
  uint16_t weight = 1;
  int line = 0;  // where it was written, for error messages
};

struct PoolConfig {
  std::string name;
  std::vector<NetAddress> vips;
  uint8_t mode = 1;  // SIPSTEER_MODE_NAT / _DSR
  uint32_t ring_size = 65537;
  uint32_t retry_after_s = 30;  // Retry-After of synthesised 503s
  std::string domain;           // RFC 3263 resolution (NAPTR/SRV/A/AAAA)
  uint16_t domain_port = 5060;  // port when the domain has no SRV
  std::vector<StaticServer> servers;
  HealthConfig health;
  int line = 0;
};

struct IcmpConfig {
  double rate_per_second = 50;  // accepted ICMP signals per second, all servers
  uint32_t burst = 100;
  Nanos per_server_interval = 1s;  // at most one accepted signal per server per this
  friend bool operator==(const IcmpConfig&, const IcmpConfig&) = default;
};

struct DnsConfig {
  std::vector<NetAddress> servers;  // empty = /etc/resolv.conf
  Nanos ttl_min = 5s;
  Nanos ttl_max = 3600s;
  double refresh_ahead = 0.8;       // refresh at this fraction of the TTL
  Nanos retry_interval = 5s;        // after a failure, keeping the last answer
  Nanos query_timeout = 2s;
  bool ipv4 = true;
  bool ipv6 = true;
  friend bool operator==(const DnsConfig&, const DnsConfig&) = default;
};

struct ControlConfig {
  std::string api_socket = "/run/sipsteer/control.sock";  // restart
  std::string api_group;                                  // restart; "" = root only
  std::string state_file = "/var/lib/sipsteer/state.json"; // restart
  std::string metrics_listen = "127.0.0.1:9464";          // restart; "" = off
  std::string hash_key;                                   // restart; "" = from state file
  std::string log_level = "info";
  NetAddress probe_source_v4;  // restart; port 0 = any
  NetAddress probe_source_v6;  // restart
  Nanos startup_grace = 5s;    // publish at most this long after start
  Nanos counters_interval = 5s;
};

struct DataplaneLink {
  std::string control_socket = "/run/sipsteer/dataplane.sock";  // restart
};

// sipsteerd's use of the XDP programs (bpf/, docs/bpf.md). Every key is
// read at start-up only: programs are loaded and attached once.
enum class XdpMode : uint8_t {
  kOff,    // no BPF: tables go to the DPDK dataplane only (default)
  kFront,  // xdp_front for DPDK's net_af_xdp: sipsteerd pins and fills its maps
  kSteer,  // xdp_steer: pure-XDP steering, no DPDK dataplane
};
enum class XdpAttach : uint8_t { kAuto, kNative, kGeneric };

struct XdpConfig {
  XdpMode mode = XdpMode::kOff;
  std::vector<std::string> interfaces;  // steer: attach here; front: with front_attach
  XdpAttach attach = XdpAttach::kAuto;  // auto = native, generic with a warning
  std::string pin_root = "/sys/fs/bpf";           // bpffs; DPDK's libbpf looks here
  std::string object_dir = "/usr/lib/sipsteer/bpf";  // *.bpf.o for DPDK's xdp_prog=
  bool front_attach = false;            // front: attach it ourselves (DPDK without xdp_prog=)
  // Steer map sizes (the front keeps the object's sizes so DPDK reuses its maps).
  uint32_t table_bytes = 256 * 1024;
  uint32_t max_servers = 1024;
  uint32_t max_dialogs = 65536;
  uint32_t event_ring_bytes = 64 * 1024;
  uint32_t scan_bytes = 2048;
  bool no_callid_drop = false;
  bool unnat = true;
  bool fib_lookup = true;
  std::string tx_interface;  // steer: XDP_REDIRECT there instead of XDP_TX; "" = XDP_TX
  friend bool operator==(const XdpConfig&, const XdpConfig&) = default;
};

const char* xdpModeLabel(XdpMode mode);

struct Config {
  std::string file;
  ControlConfig control;
  IcmpConfig icmp;
  DnsConfig dns;
  DataplaneLink dataplane;
  XdpConfig xdp;
  std::vector<PoolConfig> pools;
};

// Keys whose change between `running` and `next` is not applied by a reload.
std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next);

}  // namespace sipsteer::control

#include "config/config_loader.h"

#include <gtest/gtest.h>

#include "config/yaml_reader.h"

namespace sipsteer::control {
namespace {

const char* kGood = R"(control:
  api_socket: /tmp/x.sock
  metrics_listen: 127.0.0.1:9999
health:
  interval: 500ms
  timeout: 200ms
  rise: 2
  fall: 3
  accepted_codes: [2xx, 404, 480-489]
pools:
  - name: core
    vips: ["198.18.0.1:5060", "[fd00:5eed::1]:5060"]
    servers:
      - address: 198.18.1.10:5060
        priority: 10
        weight: 50
      - 198.18.1.11
    health:
      fall: 5
  - name: edge
    vips: [198.18.0.2:5070]
    domain: sip.example.test
dataplane:
  control_socket: /tmp/dp.sock
)";

std::string errorsOf(const std::string& yaml) {
  auto c = loadConfigString(yaml, "t.yaml");
  EXPECT_FALSE(c.has_value());
  return c ? std::string() : formatErrors(c.error());
}

TEST(ConfigLoaderTest, GoodFileGivesTypedValuesAndDefaults) {
  auto c = loadConfigString(kGood, "t.yaml");
  ASSERT_TRUE(c.has_value()) << formatErrors(c.error());
  ASSERT_EQ(c->pools.size(), 2u);
  const PoolConfig& core = c->pools[0];
  EXPECT_EQ(core.name, "core");
  ASSERT_EQ(core.vips.size(), 2u);
  EXPECT_EQ(core.vips[1].toString(), "[fd00:5eed::1]:5060");
  ASSERT_EQ(core.servers.size(), 2u);
  EXPECT_EQ(core.servers[0].priority, 10);
  EXPECT_EQ(core.servers[0].weight, 50);
  EXPECT_EQ(core.servers[1].address.toString(), "198.18.1.11:5060");
  EXPECT_EQ(core.servers[1].weight, 1);
  EXPECT_EQ(core.health.interval, 500ms);  // from the global health: section
  EXPECT_EQ(core.health.fall, 5u);         // pool override
  EXPECT_EQ(c->pools[1].health.fall, 3u);
  ASSERT_EQ(core.health.accepted_codes.size(), 3u);
  EXPECT_EQ(core.health.accepted_codes[2], (CodeRange{480, 489}));
  EXPECT_EQ(c->pools[1].domain, "sip.example.test");
  EXPECT_EQ(c->dataplane.control_socket, "/tmp/dp.sock");
  EXPECT_EQ(c->control.state_file, "/var/lib/sipsteer/state.json");  // default
}

TEST(ConfigLoaderTest, UnknownKeyNamesFileLineAndKey) {
  std::string e = errorsOf("pools:\n  - name: a\n    vips: [198.18.0.1:5060]\n    servers: [198.18.1.1]\n    wieght: 3\n");
  EXPECT_NE(e.find("t.yaml:5:5: pools[0].wieght: unknown key"), std::string::npos) << e;
}

TEST(ConfigLoaderTest, WrongTypesAndRangesAreAllReported) {
  std::string e = errorsOf(
      "health:\n  rise: many\n  interval: 2\n  jitter: 0.9\npools:\n  - name: a\n    vips: [198.18.0.1:5060]\n"
      "    servers:\n      - address: 198.18.1.1:99999\n        weight: -1\n");
  EXPECT_NE(e.find("t.yaml:2:9: health.rise: 'many' is not a whole number"), std::string::npos) << e;
  EXPECT_NE(e.find("health.interval: '2' needs a unit"), std::string::npos) << e;
  EXPECT_NE(e.find("health.jitter: 0.9 is out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:9:18: pools[0].servers[0].address: port '99999'"), std::string::npos) << e;
  EXPECT_NE(e.find("pools[0].servers[0].weight: '-1' is not a whole number"), std::string::npos) << e;
}

TEST(ConfigLoaderTest, DuplicateServerAndVipConflictAreRefused) {
  std::string e = errorsOf(
      "pools:\n"
      "  - name: a\n    vips: [198.18.0.1:5060]\n    servers: [198.18.1.1:5060, 198.18.1.1]\n"
      "  - name: a\n    vips: [198.18.0.1]\n    servers: [198.18.0.1:5060]\n");
  EXPECT_NE(e.find("pools[0].servers[1]: server 198.18.1.1:5060 is listed twice"), std::string::npos) << e;
  EXPECT_NE(e.find("pools[1].name: pool name 'a' is used twice"), std::string::npos) << e;
  EXPECT_NE(e.find("pools[1].vips[0]: VIP 198.18.0.1:5060 is already served by pool 'a'"), std::string::npos) << e;
  EXPECT_NE(e.find("is also a VIP"), std::string::npos) << e;
}

TEST(ConfigLoaderTest, SemanticChecks) {
  std::string e = errorsOf(
      "health:\n  interval: 1s\n  timeout: 2s\n  accepted_codes: [5xx]\n"
      "pools:\n  - name: a\n    vips: [198.18.0.1:5060]\n    ring_size: 1000\n"
      "  - name: b\n    vips: [198.18.0.2:5060]\n");
  EXPECT_NE(e.find("health.timeout: timeout 2s exceeds interval 1s"), std::string::npos) << e;
  EXPECT_NE(e.find("503 cannot mean alive"), std::string::npos) << e;
  EXPECT_NE(e.find("pools[0].ring_size: 1000 is not prime"), std::string::npos) << e;
  EXPECT_NE(e.find("pools[1]: needs servers: or domain:"), std::string::npos) << e;
}

TEST(ConfigLoaderTest, SyntaxErrorHasLine) {
  std::string e = errorsOf("pools:\n  - name: [a\n");
  EXPECT_NE(e.find("t.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax"), std::string::npos) << e;
}

TEST(ConfigLoaderTest, NotAMappingAndMissingFile) {
  EXPECT_NE(errorsOf("- 1\n- 2\n").find("must be a mapping"), std::string::npos);
  auto c = loadConfigFile("/nonexistent/sipsteer.yaml");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error()[0].format(), "/nonexistent/sipsteer.yaml: cannot open the file");
}

TEST(ConfigLoaderTest, RestartOnlyKeysAreNamed) {
  auto a = loadConfigString(kGood, "t.yaml");
  ASSERT_TRUE(a);
  Config b = *a;
  b.control.api_socket = "/tmp/other.sock";
  b.pools[0].health.rise = 7;  // reloadable: not listed
  auto changes = restartOnlyChanges(*a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "control.api_socket");
}

#ifdef SIPSTEER_HAVE_DP_CONFIG
TEST(ConfigLoaderTest, DataplaneSectionIsCheckedByTheDataplaneParser) {
  std::string e = errorsOf(std::string(kGood) + "  workers: many\n");
  EXPECT_NE(e.find("t.yaml:25: dataplane.workers"), std::string::npos) << e;
}
#endif

TEST(ConfigLoaderTest, Durations) {
  EXPECT_EQ(parseDuration("250ms").value(), 250ms);
  EXPECT_EQ(parseDuration("2m").value(), 120s);
  EXPECT_FALSE(parseDuration("2").has_value());
  EXPECT_FALSE(parseDuration("2d").has_value());
  EXPECT_FALSE(parseDuration("ms").has_value());
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
  EXPECT_EQ(formatDuration(120s), "2m");
}

}  // namespace
}  // namespace sipsteer::control

namespace sipsteer::control {
namespace {

const char* kPools = "pools:\n  - name: a\n    vips: [198.18.0.1:5060]\n    servers: [198.18.1.1]\n";

TEST(XdpConfigTest, DefaultIsOffWithDocumentedDefaults) {
  auto c = loadConfigString(kPools, "t.yaml");
  ASSERT_TRUE(c.has_value()) << formatErrors(c.error());
  EXPECT_EQ(c->xdp.mode, XdpMode::kOff);
  EXPECT_EQ(c->xdp.attach, XdpAttach::kAuto);
  EXPECT_EQ(c->xdp.pin_root, "/sys/fs/bpf");
  EXPECT_EQ(c->xdp.object_dir, "/usr/lib/sipsteer/bpf");
  EXPECT_EQ(c->xdp.table_bytes, 256u * 1024);
  EXPECT_EQ(c->xdp.max_dialogs, 65536u);
  EXPECT_TRUE(c->xdp.interfaces.empty());
}

TEST(XdpConfigTest, SteerModeWithInterfacesAndSizes) {
  auto c = loadConfigString(std::string(kPools) +
                                "xdp:\n  mode: steer\n  interfaces: [eth1, eth2]\n  attach: generic\n"
                                "  pin_root: /sys/fs/bpf/lab\n  table_bytes: 65536\n  max_dialogs: 4096\n"
                                "  event_ring_bytes: 8192\n  scan_bytes: 1024\n  no_callid_drop: true\n"
                                "  unnat: false\n  tx_interface: eth2\n",
                            "t.yaml");
  ASSERT_TRUE(c.has_value()) << formatErrors(c.error());
  EXPECT_EQ(c->xdp.mode, XdpMode::kSteer);
  EXPECT_EQ(c->xdp.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
  EXPECT_EQ(c->xdp.attach, XdpAttach::kGeneric);
  EXPECT_EQ(c->xdp.pin_root, "/sys/fs/bpf/lab");
  EXPECT_EQ(c->xdp.table_bytes, 65536u);
  EXPECT_EQ(c->xdp.max_dialogs, 4096u);
  EXPECT_EQ(c->xdp.event_ring_bytes, 8192u);
  EXPECT_EQ(c->xdp.scan_bytes, 1024u);
  EXPECT_TRUE(c->xdp.no_callid_drop);
  EXPECT_FALSE(c->xdp.unnat);
  EXPECT_EQ(c->xdp.tx_interface, "eth2");
}

TEST(XdpConfigTest, MistakesNameFileLineAndKey) {
  std::string e = errorsOf(std::string(kPools) +
                           "xdp:\n  mode: turbo\n  attach: fast\n  interfaces: [eth1, eth1, \"a/b\"]\n"
                           "  event_ring_bytes: 5000\n  scan_bytes: 4096\n  pin_root: relative\n  colour: red\n");
  EXPECT_NE(e.find("t.yaml:6:9: xdp.mode: 'turbo' is not off, front or steer"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:7:11: xdp.attach: 'fast' is not auto, native or generic"), std::string::npos) << e;
  EXPECT_NE(e.find("xdp.interfaces[1]: interface 'eth1' is listed twice"), std::string::npos) << e;
  EXPECT_NE(e.find("xdp.interfaces[2]: must be an interface name"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:9:21: xdp.event_ring_bytes: 5000 is not a power of two"), std::string::npos) << e;
  EXPECT_NE(e.find("xdp.scan_bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("xdp.pin_root: must be an absolute path"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:12:3: xdp.colour: unknown key"), std::string::npos) << e;
}

TEST(XdpConfigTest, ModesNeedTheirInterfaces) {
  EXPECT_NE(errorsOf(std::string(kPools) + "xdp:\n  mode: steer\n")
                .find("xdp.interfaces: steer mode needs at least one interface"),
            std::string::npos);
  EXPECT_NE(errorsOf(std::string(kPools) + "xdp:\n  mode: front\n  interfaces: [eth1]\n")
                .find("DPDK attaches xdp_front itself"),
            std::string::npos);
  EXPECT_NE(errorsOf(std::string(kPools) + "xdp:\n  mode: front\n  front_attach: true\n")
                .find("front_attach needs the interface(s)"),
            std::string::npos);
  auto front = loadConfigString(std::string(kPools) + "xdp:\n  mode: front\n", "t.yaml");
  ASSERT_TRUE(front.has_value()) << formatErrors(front.error());
  EXPECT_EQ(front->xdp.mode, XdpMode::kFront);
}

TEST(XdpConfigTest, XdpKeysAreRestartOnly) {
  auto a = loadConfigString(kPools, "t.yaml");
  ASSERT_TRUE(a);
  Config b = *a;
  b.xdp.mode = XdpMode::kSteer;
  b.xdp.interfaces = {"eth1"};
  auto changes = restartOnlyChanges(*a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "xdp");
}

}  // namespace
}  // namespace sipsteer::control

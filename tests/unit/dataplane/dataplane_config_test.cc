#include "config/dataplane_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace sipsteer::dp {
namespace {

std::expected<DataplaneConfig, std::string> parse(const std::string& yaml) {
  const YAML::Node root = YAML::Load(yaml);
  return parseDataplaneConfig(root["dataplane"], "test.yaml");
}

TEST(DataplaneConfigTest, DefaultsWithoutSection) {
  const auto c = parse("pools: []\n");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->affinity.max_dialogs, 1u << 20);
  EXPECT_EQ(c->affinity.idle_timeout_s, 7200u);
  EXPECT_EQ(c->workers, 1u);
}

TEST(DataplaneConfigTest, TwoArmedFull) {
  const auto c = parse(R"(
dataplane:
  eal_args: [--no-huge, --no-pci, -m, "256", -l, "0-2"]
  workers: 2
  idle_backoff_us: 50
  affinity: {max_dialogs: 2000000, idle_timeout_s: 3600, after_bye_s: 16}
  fragments: {max_flows: 1024, timeout_ms: 500}
  control_socket: /tmp/dp.sock
  ports:
    - name: outside
      device: net_af_packet0,iface=veth-c
      role: client
      ipv4: 198.18.0.2/24
      gateway4: 198.18.0.1
    - name: inside
      device: net_af_packet1,iface=veth-s
      role: server
      ipv6: fd00:5eed::2/64
)");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->eal_args.size(), 6u);
  EXPECT_EQ(c->workers, 2u);
  EXPECT_EQ(c->affinity.max_dialogs, 2000000u);
  EXPECT_EQ(c->fragments.timeout_ms, 500u);
  ASSERT_EQ(c->ports.size(), 2u);
  EXPECT_EQ(c->ports[0].role, PortRoleConfig::kClient);
  ASSERT_TRUE(c->ports[0].ipv4.has_value());
  EXPECT_EQ(c->ports[0].ipv4->prefix, 24);
  ASSERT_TRUE(c->ports[0].gateway4.has_value());
  EXPECT_EQ(c->ports[1].ipv6->prefix, 64);
  EXPECT_EQ(c->ports[1].line, 15);
}

TEST(DataplaneConfigTest, ChecksumKnobs) {
  auto c = parse("pools: []\n");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_TRUE(c->verify_checksums);
  EXPECT_TRUE(c->verify_udp_checksum);
  c = parse("dataplane:\n  verify_udp_checksum: false\n");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_TRUE(c->verify_checksums);
  EXPECT_FALSE(c->verify_udp_checksum);
  c = parse("dataplane:\n  verify_checksums: false\n  verify_udp_checksum: true\n");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_FALSE(c->verify_checksums);
  EXPECT_TRUE(c->verify_udp_checksum);
  c = parse("dataplane:\n  workers: 1\n  verify_udp_checksum: sometimes\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), "test.yaml:3: dataplane.verify_udp_checksum: expected true or false");
  c = parse("dataplane:\n  verify_checksums: [1]\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), "test.yaml:2: dataplane.verify_checksums: expected true or false");
}

TEST(DataplaneConfigTest, ErrorsNameFileLineAndKey) {
  auto c = parse("dataplane:\n  workers: 2\n  affinity:\n    max_dialog: 5\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), "test.yaml:4: dataplane.affinity.max_dialog: unknown key");
  c = parse("dataplane:\n  ports:\n    - device: x\n      role: middle\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), "test.yaml:4: dataplane.ports[0].role: expected client, server or both");
  c = parse("dataplane:\n  ports:\n    - device: x\n      ipv4: 198.18.0.300/24\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().find("test.yaml:4: dataplane.ports[0].ipv4: not an IPv4 address"), std::string::npos);
  c = parse("dataplane:\n  burst: 0\n");
  EXPECT_EQ(c.error(), "test.yaml:2: dataplane.burst: must be in [1, 64]");
  c = parse("dataplane:\n  ports:\n    - {device: a, role: client}\n    - {device: b, role: client}\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().find("exactly one port facing clients"), std::string::npos);
  c = parse("dataplane:\n  affinity: {idle_timeout_s: 10, after_bye_s: 20}\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().find("after_bye_s"), std::string::npos);
}

TEST(DataplaneConfigTest, NeighbourSourceDefaultsFollowTheDevice) {
  const auto c = parse(R"(
dataplane:
  ports:
    - {name: front, role: client, device: "net_af_xdp0,iface=eth1,start_queue=0,xdp_prog=/x/xdp_front.bpf.o"}
    - {name: plain, role: server, device: "net_af_xdp1,iface=eth2,start_queue=0"}
)");
  ASSERT_TRUE(c.has_value()) << c.error();
  // Behind the front the kernel gets the ARP/ND answers: its table is the source.
  EXPECT_EQ(c->ports[0].neighbours, NeighbourSource::kKernel);
  EXPECT_EQ(c->ports[0].iface, "eth1");
  // An af_xdp port without the front owns its interface's traffic.
  EXPECT_EQ(c->ports[1].neighbours, NeighbourSource::kOwn);
  EXPECT_EQ(c->ports[1].iface, "eth2");
}

TEST(DataplaneConfigTest, NeighbourSourceExplicit) {
  const auto c = parse(R"(
dataplane:
  ports:
    - {name: front, role: client, neighbours: own,
       device: "net_af_xdp0,iface=eth1,xdp_prog=/x/xdp_front.bpf.o"}
    - {name: tap, role: server, neighbours: kernel, device: "net_af_packet0,iface=veth-s"}
)");
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_EQ(c->ports[0].neighbours, NeighbourSource::kOwn);
  EXPECT_EQ(c->ports[1].neighbours, NeighbourSource::kKernel);
  EXPECT_EQ(c->ports[1].iface, "veth-s");
}

TEST(DataplaneConfigTest, NeighbourSourceErrorsNameFileLineAndKey) {
  auto c = parse("dataplane:\n  ports:\n    - device: net_af_xdp0,iface=eth1\n      neighbours: arp\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), "test.yaml:4: dataplane.ports[0].neighbours: expected kernel or own");
  c = parse("dataplane:\n  ports:\n    - device: 0000:01:00.0\n      neighbours: kernel\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(),
            "test.yaml:4: dataplane.ports[0].neighbours: kernel needs a device with iface= (a kernel interface), "
            "'0000:01:00.0' has none");
}

TEST(DataplaneConfigTest, DeviceInterface) {
  EXPECT_EQ(deviceInterface("net_af_xdp0,iface=eth1,start_queue=0"), "eth1");
  EXPECT_EQ(deviceInterface("net_af_packet0,qpairs=2,iface=veth-x"), "veth-x");
  EXPECT_EQ(deviceInterface("0000:01:00.0"), "");
  EXPECT_EQ(deviceInterface("net_af_xdp0,xiface=eth1"), "");
  EXPECT_TRUE(sharesInterfaceWithKernel("net_af_xdp0,iface=eth1,xdp_prog=/a.o"));
  EXPECT_FALSE(sharesInterfaceWithKernel("net_af_xdp0,iface=eth1"));
  EXPECT_FALSE(sharesInterfaceWithKernel("net_af_packet0,iface=eth1,xdp_prog=/a.o"));
  EXPECT_FALSE(sharesInterfaceWithKernel("net_af_xdp0,xdp_prog=/a.o"));
}

}  // namespace
}  // namespace sipsteer::dp

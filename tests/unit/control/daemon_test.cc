// The daemon's bookkeeping without running its loop: DNS membership changes
// touch only what changed, reload refuses bad files and keeps the running
// config, operator changes go to the state file and survive a restart.
// Uses real (temporary) sockets; no dataplane, no probes are answered.
#include "daemon/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <map>

#include "api/handlers.h"
#include "publish/proto_codec.h"

namespace sipsteer::control {
namespace {

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest() : dir_("/tmp/sipsteer-daemon-test-" + std::to_string(::getpid())) {
    std::filesystem::create_directories(dir_);
    file_ = dir_ + "/c.yaml";
    write(kBase);
  }
  ~DaemonTest() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& pools) {
    std::ofstream(file_) << "control:\n  api_socket: " << dir_ << "/api.sock\n  state_file: " << dir_
                         << "/state.json\n  metrics_listen: \"\"\n  probe_source: 127.0.0.1\n"
                         << "dataplane:\n  control_socket: " << dir_ << "/none.sock\n" << pools;
  }
  std::unique_ptr<Daemon> start() {
    auto c = loadConfigFile(file_);
    EXPECT_TRUE(c) << (c ? "" : formatErrors(c.error()));
    auto d = std::make_unique<Daemon>(std::move(*c), clock_, random_);
    registerHandlers(*d);
    auto r = d->start();
    EXPECT_TRUE(r) << (r ? "" : r.error());
    return d;
  }
  static nlohmann::json find(const nlohmann::json& servers, const std::string& address) {
    for (const auto& s : servers) {
      if (s["address"] == address) return s;
    }
    return nullptr;
  }
  static constexpr const char* kBase =
      "pools:\n  - name: p\n    vips: [198.18.0.1:5060]\n    domain: example.test\n"
      "    servers: [198.18.1.1:5060]\n";
  std::string dir_, file_;
  SteadyClock clock_;
  core::SeededRandom random_{7};
};

DnsMember member(const char* a, uint16_t prio, uint16_t weight) {
  return {parseAddressPort(a).value(), prio, weight, "t.example.test"};
}

TEST_F(DaemonTest, DnsChangesTouchOnlyWhatChanged) {
  auto d = start();
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50), member("198.18.1.3:5060", 10, 50)});
  auto before = d->servers("");
  ASSERT_EQ(before.size(), 3u);
  auto id2 = find(before, "198.18.1.2:5060")["id"];
  auto id3 = find(before, "198.18.1.3:5060")["id"];
  // .2 reweighted, .3 gone, .4 new.
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 80), member("198.18.1.4:5060", 20, 5)});
  auto after = d->servers("");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(find(after, "198.18.1.2:5060")["id"], id2);
  EXPECT_EQ(find(after, "198.18.1.2:5060")["weight"], 80);
  EXPECT_TRUE(find(after, "198.18.1.3:5060").is_null());
  EXPECT_NE(find(after, "198.18.1.4:5060")["id"], id3);
  EXPECT_EQ(find(after, "198.18.1.1:5060")["source"], "static");
  // A DNS answer naming the static server does not override it.
  d->onDnsMembers("p", {member("198.18.1.1:5060", 99, 99)});
  EXPECT_EQ(find(d->servers(""), "198.18.1.1:5060")["priority"], 0);
  auto events = d->events(100);
  int added = 0, removed = 0, changed = 0;
  for (const auto& e : events) {
    added += e["type"] == "server_added";
    removed += e["type"] == "server_removed";
    changed += e["type"] == "server_changed";
  }
  EXPECT_EQ(added, 4);    // .1 (static), .2, .3, .4
  EXPECT_EQ(removed, 3);  // .3, then .2 and .4 with the last answer
  EXPECT_EQ(changed, 1);  // .2's weight
}

// A dataplane counters reply that pins `dialogs` dialogs to each server id.
std::vector<uint8_t> countersPinning(const std::map<uint32_t, uint64_t>& dialogs) {
  sipsteer_counters_header h{};
  h.drop_reason_count = SIPSTEER_DROP_REASON_COUNT;
  h.sip_error_count = SIPSTEER_SIP_ERROR_COUNT;
  h.server_count = static_cast<uint32_t>(dialogs.size());
  std::vector<uint8_t> blob(sizeof h + 8 * (h.drop_reason_count + h.sip_error_count));
  std::memcpy(blob.data(), &h, sizeof h);
  for (const auto& [id, n] : dialogs) {
    sipsteer_server_counters c{};
    c.server_id = id;
    c.values[SIPSTEER_SERVER_ACTIVE_DIALOGS] = n;
    auto bytes = asBytes(c);
    blob.insert(blob.end(), bytes.begin(), bytes.end());
  }
  return blob;
}

int countEvents(Daemon& d, const char* type) {
  int n = 0;
  for (const auto& e : d.events(100)) n += e["type"] == type;
  return n;
}

// A server that leaves DNS while calls are on it must keep receiving their
// in-dialog requests (ACK, BYE): removing it from the table at once would
// let the dataplane re-steer them to a server that knows nothing of the call.
TEST_F(DaemonTest, ServerLeavingDnsIsDrainedUntilItsDialogsEnd) {
  auto d = start();
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50), member("198.18.1.3:5060", 10, 50)});
  uint32_t id3 = find(d->servers(""), "198.18.1.3:5060")["id"];
  d->onCounters(countersPinning({{id3, 4}}));
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50)});
  auto leaving = find(d->servers(""), "198.18.1.3:5060");
  ASSERT_FALSE(leaving.is_null()) << "removed while the dataplane pins 4 dialogs to it";
  EXPECT_EQ(leaving["admin"], "draining");
  EXPECT_EQ(countEvents(*d, "server_retiring"), 1);
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50)});  // the same answer again: still waiting
  d->onCounters(countersPinning({{id3, 1}}));
  EXPECT_FALSE(find(d->servers(""), "198.18.1.3:5060").is_null());
  d->onCounters(countersPinning({{id3, 0}}));
  EXPECT_TRUE(find(d->servers(""), "198.18.1.3:5060").is_null());
  EXPECT_EQ(countEvents(*d, "server_removed"), 1);
}

TEST_F(DaemonTest, ServerBackInDnsBeforeItsDialogsEndIsNoLongerDrained) {
  auto d = start();
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50), member("198.18.1.3:5060", 10, 50)});
  uint32_t id3 = find(d->servers(""), "198.18.1.3:5060")["id"];
  d->onCounters(countersPinning({{id3, 2}}));
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50)});
  EXPECT_EQ(find(d->servers(""), "198.18.1.3:5060")["admin"], "draining");
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50), member("198.18.1.3:5060", 10, 50)});
  auto back = find(d->servers(""), "198.18.1.3:5060");
  EXPECT_EQ(back["admin"], "none");
  EXPECT_EQ(back["id"], id3);
  d->onCounters(countersPinning({{id3, 0}}));  // no longer retiring: it stays
  EXPECT_FALSE(find(d->servers(""), "198.18.1.3:5060").is_null());
  EXPECT_EQ(countEvents(*d, "server_returned"), 1);
}

TEST_F(DaemonTest, OperatorDisableOfALeavingServerIsKept) {
  auto d = start();
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50), member("198.18.1.3:5060", 10, 50)});
  uint32_t id3 = find(d->servers(""), "198.18.1.3:5060")["id"];
  d->setAdmin("198.18.1.3:5060", AdminState::kDisabled);
  d->onCounters(countersPinning({{id3, 2}}));
  d->onDnsMembers("p", {member("198.18.1.2:5060", 10, 50)});
  EXPECT_EQ(find(d->servers(""), "198.18.1.3:5060")["admin"], "disabled");
  d->onCounters(countersPinning({{id3, 0}}));
  EXPECT_TRUE(find(d->servers(""), "198.18.1.3:5060").is_null());
}

TEST_F(DaemonTest, BadReloadIsRefusedAndTheRunningConfigStays) {
  auto d = start();
  write("pools:\n  - name: p\n    vips: [198.18.0.1:5060]\n    servers: [198.18.1.1:5060]\n    wieght: 1\n");
  ApiReply r = d->reload("");
  EXPECT_EQ(r.code, ApiCode::kRefused);
  ASSERT_TRUE(r.data["errors"].is_array());
  EXPECT_NE(r.data["errors"][0].get<std::string>().find("c.yaml:12:5: pools[0].wieght: unknown key"), std::string::npos)
      << r.data.dump();
  EXPECT_EQ(d->servers("").size(), 1u);
  // A good reload adds a server and names restart-only changes.
  write("pools:\n  - name: p\n    vips: [198.18.0.1:5060]\n    servers: [198.18.1.1:5060, 198.18.1.9:5060]\n"
        "dns:\n  servers: [127.0.0.1]\n");
  r = d->reload("");
  EXPECT_EQ(r.code, ApiCode::kOk) << r.message;
  EXPECT_EQ(d->servers("").size(), 2u);
  EXPECT_EQ(r.data["restart_required"], nlohmann::json::array({"dns.servers"}));
}

TEST_F(DaemonTest, ReloadNamesXdpAsRestartOnlyAndKeepsTheRunningMode) {
  auto d = start();
  EXPECT_EQ(d->status()["xdp_mode"], "off");
  write(std::string(kBase) + "xdp:\n  mode: steer\n  interfaces: [eth9]\n");
  ApiReply r = d->reload("");
  EXPECT_EQ(r.code, ApiCode::kOk) << r.message;
  EXPECT_EQ(r.data["restart_required"], nlohmann::json::array({"xdp"}));
  // No program was loaded: status must not claim steer mode, and tables
  // still go to the dataplane.
  EXPECT_EQ(d->status()["xdp_mode"], "off");
  EXPECT_FALSE(d->status().contains("xdp"));
}

TEST_F(DaemonTest, OperatorChangesSurviveARestart) {
  uint32_t id = 0;
  {
    auto d = start();
    EXPECT_EQ(d->setAdmin("198.18.1.1:5060", AdminState::kDraining).code, ApiCode::kOk);
    EXPECT_EQ(d->setWeight("p/198.18.1.1:5060", 7).code, ApiCode::kOk);
    EXPECT_EQ(d->setAdmin("198.18.9.9:5060", AdminState::kDisabled).code, ApiCode::kNotFound);
    id = find(d->servers(""), "198.18.1.1:5060")["id"].get<uint32_t>();
  }
  auto d = start();
  auto s = find(d->servers(""), "198.18.1.1:5060");
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["admin"], "draining");
  EXPECT_EQ(s["weight"], 7);
}

}  // namespace
}  // namespace sipsteer::control

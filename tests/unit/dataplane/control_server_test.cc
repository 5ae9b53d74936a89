// The control socket end to end: a real protocol client (tests/support)
// against ControlServer + Engine.
#include "control/control_server.h"

#include <gtest/gtest.h>
#include <sipsteer/core/table_builder.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include <atomic>
#include <thread>

#include "runtime/engine.h"
#include "support/proto_client.h"

namespace sipsteer::dp {
namespace {

core::TableSpec spec(uint64_t generation) {
  core::TableSpec s;
  s.generation = generation;
  core::PoolSpec pool;
  pool.ring_size = 251;
  for (uint32_t i = 0; i < 3; ++i) {
    core::ServerSpec server;
    server.addr.v4 = htonl(0xc6120201u + i);  // 198.18.2.1..3
    server.server_id = 10 + i;
    pool.servers.push_back(server);
  }
  s.pools.push_back(pool);
  core::VipSpec vip;
  vip.addr.v4 = htonl(0xc612000au);
  s.vips.push_back(vip);
  return s;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int instance = 0;
    EngineOptions options;
    options.name = "ctl" + std::to_string(++instance);
    options.max_dialogs = 1024;
    std::string error;
    engine_ = Engine::create(options, error);
    ASSERT_NE(engine_, nullptr) << error;
    path_ = "/tmp/sipsteer-dp-test-" + std::to_string(::getpid()) + "-" + std::to_string(instance) + "/dp.sock";
    server_ = std::make_unique<ControlServer>(path_, *engine_);
    auto ok = server_->listen();
    ASSERT_TRUE(ok.has_value()) << ok.error();
  }
  void TearDown() override {
    server_.reset();
    engine_.reset();
    ::rmdir(path_.substr(0, path_.rfind('/')).c_str());
  }
  // Runs the server loop on this thread (an EAL lcore) while `client` runs.
  template <typename F>
  void withClient(F client) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      client();
      done = true;
    });
    for (int i = 0; i < 3000 && !done; ++i) server_->runOnce(5);
    t.join();
    ASSERT_TRUE(done.load());
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ControlServer> server_;
  std::string path_;
};

TEST_F(ControlServerTest, HelloTableCountersEventsAndReconnect) {
  withClient([&] {
    testing::ProtoClient c;
    std::string error;
    ASSERT_TRUE(c.connect(path_, error)) << error;
    auto hello = c.hello();
    ASSERT_TRUE(hello.has_value());
    EXPECT_EQ(hello->generation, 0u);
    EXPECT_EQ(hello->role, 2);
    auto ack = c.sendTable(*core::buildTable(spec(5)));
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, SIPSTEER_TABLE_ERR_OK);
    EXPECT_EQ(ack->generation, 5u);
    ack = c.sendTable(*core::buildTable(spec(5)));
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, SIPSTEER_TABLE_ERR_STALE);
    std::vector<uint8_t> bad(200, 0x42);
    ack = c.sendTable(bad);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, SIPSTEER_TABLE_ERR_BAD_MAGIC);
    auto blob = c.counters();
    ASSERT_TRUE(blob.has_value());
    auto view = testing::decodeCounters(*blob);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->header.generation, 5u);
    EXPECT_EQ(view->header.drop_reason_count, SIPSTEER_DROP_REASON_COUNT);
    ASSERT_EQ(view->servers.size(), 3u);
    EXPECT_EQ(view->servers[2].server_id, 12u);
    EXPECT_EQ(view->vips.size(), 1u);
    bool applied = false;
    for (int i = 0; i < 20 && !applied; ++i) {
      c.receiveType(0xffff, 20);
      for (const auto& e : c.events()) applied |= e.type == SIPSTEER_EVENT_TABLE_APPLIED && e.generation == 5;
    }
    EXPECT_TRUE(applied);
  });
  EXPECT_EQ(engine_->generation(), 5u);
  // The control plane goes away and comes back: the table stays (fail-static)
  // and the new connection learns which generation is in use.
  withClient([&] {
    testing::ProtoClient c;
    std::string error;
    ASSERT_TRUE(c.connect(path_, error)) << error;
    auto hello = c.hello();
    ASSERT_TRUE(hello.has_value());
    EXPECT_EQ(hello->generation, 5u);
    EXPECT_EQ(c.sendTable(*core::buildTable(spec(6)))->status, SIPSTEER_TABLE_ERR_OK);
  });
  EXPECT_EQ(engine_->generation(), 6u);
}

TEST_F(ControlServerTest, WrongMagicGetsErrorAndClose) {
  withClient([&] {
    testing::ProtoClient c;
    std::string error;
    ASSERT_TRUE(c.connect(path_, error));
    ASSERT_TRUE(c.receive(1000).has_value());  // the unsolicited HELLO
    sipsteer_msg_header h{};
    h.magic = 0x12345678;
    h.version = SIPSTEER_PROTO_VERSION;
    h.type = SIPSTEER_MSG_TABLE;
    std::vector<uint8_t> raw(sizeof h);
    std::memcpy(raw.data(), &h, sizeof h);
    ASSERT_TRUE(c.sendRaw(raw));
    auto m = c.receive(2000);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->header.type, SIPSTEER_MSG_ERROR);
    EXPECT_FALSE(c.receive(2000).has_value()) << "the dataplane closes after ERROR";
  });
  EXPECT_FALSE(server_->connected());
}

TEST_F(ControlServerTest, TruncatedTableBlobIsRefused) {
  withClient([&] {
    testing::ProtoClient c;
    std::string error;
    ASSERT_TRUE(c.connect(path_, error));
    auto blob = *core::buildTable(spec(3));
    blob.resize(blob.size() - 10);
    auto ack = c.sendTable(blob);
    ASSERT_TRUE(ack.has_value());
    EXPECT_NE(ack->status, 0u);
  });
  EXPECT_EQ(engine_->generation(), 0u);
}

}  // namespace
}  // namespace sipsteer::dp

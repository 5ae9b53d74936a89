// Events the dataplane reports while no control plane is connected wait in
// a bounded backlog and reach the control plane when it connects; the
// bounds (count, age) drop the oldest and count them.
#include "control/control_server.h"

#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "support/proto_client.h"

namespace sipsteer::dp {
namespace {

uint64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class EventSource : public ControlHandler {
 public:
  uint64_t generation() override { return 0; }
  sipsteer_msg_table_ack applyTable(std::span<const uint8_t>) override { return {}; }
  std::vector<uint8_t> counters() override { return {}; }
  void drainEvents(std::vector<sipsteer_event>& out) override {
    out.insert(out.end(), pending.begin(), pending.end());
    pending.clear();
  }
  void tick() override {}
  // An ICMP event for server `id`, `age_ns` old.
  void report(uint32_t id, uint64_t age_ns = 0) {
    sipsteer_event e{};
    e.type = SIPSTEER_EVENT_ICMP_UNREACHABLE;
    e.source = SIPSTEER_EVENT_SOURCE_DPDK;
    e.server_id = id;
    e.timestamp_ns = nowNs() - age_ns;
    pending.push_back(e);
  }
  std::vector<sipsteer_event> pending;
};

class ControlServerEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/sipsteer-dp-events-" + std::to_string(::getpid()) + "/dp.sock";
    server_ = std::make_unique<ControlServer>(path_, source_);
    auto ok = server_->listen();
    ASSERT_TRUE(ok.has_value()) << ok.error();
  }
  void TearDown() override {
    server_.reset();
    ::rmdir(path_.substr(0, path_.rfind('/')).c_str());
  }
  // Connects a control plane and collects the events it receives.
  std::vector<sipsteer_event> connectAndCollect(size_t expected) {
    std::vector<sipsteer_event> got;
    std::atomic<bool> done{false};
    std::thread t([&] {
      testing::ProtoClient c;
      std::string error;
      if (c.connect(path_, error) && c.hello()) {
        for (int i = 0; i < 50 && c.events().size() < expected; ++i) c.receiveType(SIPSTEER_MSG_ERROR, 20);
        got = c.events();
      }
      done = true;
    });
    for (int i = 0; i < 3000 && !done; ++i) server_->runOnce(5);
    t.join();
    return got;
  }
  EventSource source_;
  std::unique_ptr<ControlServer> server_;
  std::string path_;
};

TEST_F(ControlServerEventsTest, EventsWhileDisconnectedArriveOnConnect) {
  source_.report(1);
  source_.report(2);
  for (int i = 0; i < 3; ++i) server_->runOnce(0);
  EXPECT_EQ(server_->eventsWaiting(), 2u);
  auto got = connectAndCollect(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].server_id, 1u);
  EXPECT_EQ(got[1].server_id, 2u);
  EXPECT_EQ(server_->eventsWaiting(), 0u);
  EXPECT_EQ(server_->eventsDropped(), 0u);
}

TEST_F(ControlServerEventsTest, StaleEventsAreDroppedAndCounted) {
  source_.report(7, ControlServer::kMaxEventAgeNs + 1'000'000'000ull);
  source_.report(8);
  server_->runOnce(0);
  auto got = connectAndCollect(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].server_id, 8u);
  EXPECT_EQ(server_->eventsDropped(), 1u);
}

TEST_F(ControlServerEventsTest, BacklogKeepsTheNewestWithinItsBound) {
  const size_t extra = 10;
  for (size_t i = 0; i < ControlServer::kMaxBacklog + extra; ++i) source_.report(static_cast<uint32_t>(i));
  server_->runOnce(0);
  EXPECT_EQ(server_->eventsWaiting(), ControlServer::kMaxBacklog);
  EXPECT_EQ(server_->eventsDropped(), extra);
  auto got = connectAndCollect(ControlServer::kMaxBacklog);
  ASSERT_EQ(got.size(), ControlServer::kMaxBacklog);
  EXPECT_EQ(got.front().server_id, extra) << "the oldest were dropped";
  EXPECT_EQ(got.back().server_id, ControlServer::kMaxBacklog + extra - 1);
}

}  // namespace
}  // namespace sipsteer::dp

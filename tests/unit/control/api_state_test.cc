// The API's dispatch (version, unknown commands, permissions, bad args) and
// the state file round trip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "api/api_server.h"
#include "state/state_file.h"

namespace sipsteer::control {
namespace {

class ApiDispatchTest : public ::testing::Test {
 protected:
  ApiDispatchTest() {
    api.add("status", {"read", false, [](const nlohmann::json&, const ApiCaller&) {
                         return ApiReply::ok({{"fine", true}});
                       }});
    api.add("drain", {"change", true, [this](const nlohmann::json& a, const ApiCaller&) {
                        drained = a.at("server").get<std::string>();
                        return ApiReply::ok();
                      }});
  }
  EventLoop loop;
  ApiServer api{loop};
  std::string drained;
  ApiCaller root{0, 0, true, -1};
  ApiCaller user{1000, 1000, false, -1};
};

TEST_F(ApiDispatchTest, ReadsForAnyoneChangesOnlyForRootOrGroup) {
  EXPECT_EQ(api.dispatch(R"({"version":1,"command":"status"})", user).code, ApiCode::kOk);
  auto r = api.dispatch(R"({"version":1,"command":"drain","args":{"server":"x"}})", user);
  EXPECT_EQ(r.code, ApiCode::kPermission);
  EXPECT_TRUE(drained.empty());
  EXPECT_EQ(api.dispatch(R"({"version":1,"command":"drain","args":{"server":"x"}})", root).code, ApiCode::kOk);
  EXPECT_EQ(drained, "x");
}

TEST_F(ApiDispatchTest, BadRequestsGetUsageErrorsNotCrashes) {
  EXPECT_EQ(api.dispatch("not json", root).code, ApiCode::kUsage);
  EXPECT_EQ(api.dispatch("[1,2]", root).code, ApiCode::kUsage);
  EXPECT_EQ(api.dispatch(R"({"command":"status"})", root).code, ApiCode::kUsage);  // no version
  EXPECT_EQ(api.dispatch(R"({"version":2,"command":"status"})", root).code, ApiCode::kUsage);
  EXPECT_EQ(api.dispatch(R"({"version":1,"command":"explode"})", root).code, ApiCode::kUsage);
  EXPECT_EQ(api.dispatch(R"({"version":1,"command":"drain"})", root).code, ApiCode::kUsage);  // no server
  EXPECT_EQ(api.dispatch(R"({"version":1,"command":"drain","args":{"server":7}})", root).code, ApiCode::kUsage);
  auto r = api.dispatch(R"({"version":1,"command":"status"})", root).toJson();
  EXPECT_EQ(r["version"], 1);
  EXPECT_EQ(r["status"], "ok");
  EXPECT_EQ(r["data"]["fine"], true);
}

TEST(StateFileTest, RoundTripAndMissingFile) {
  std::string path = "/tmp/sipsteer-state-test-" + std::to_string(::getpid()) + ".json";
  ::unlink(path.c_str());
  auto empty = loadState(path);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->servers.empty());
  SavedState s;
  s.generation = 77;
  s.hash_key = "000102030405060708090a0b0c0d0e0f";
  SavedServer v;
  v.pool = "core";
  v.address = parseAddressPort("[fd00:5eed::5]:5070").value();
  v.id = 12;
  v.admin = AdminState::kDraining;
  v.weight_override = 0;
  v.healthy = true;
  s.servers.push_back(v);
  ASSERT_TRUE(saveState(path, s));
  auto back = loadState(path);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->generation, 77u);
  EXPECT_EQ(back->hash_key, s.hash_key);
  ASSERT_EQ(back->servers.size(), 1u);
  EXPECT_EQ(back->servers[0].address, v.address);
  EXPECT_EQ(back->servers[0].admin, AdminState::kDraining);
  EXPECT_EQ(back->servers[0].weight_override, std::optional<uint16_t>(0));
  EXPECT_TRUE(back->servers[0].healthy);
  std::ofstream(path) << "{ not json";
  EXPECT_FALSE(loadState(path));
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace sipsteer::control

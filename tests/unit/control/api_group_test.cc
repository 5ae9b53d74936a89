// control.api_group: the API socket is 0660 root:GROUP, and a caller whose
// group is GROUP may change state while any other non-root caller may only
// read. Needs root (chown, and a child that drops to nobody); skipped else.
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "util/clock.h"

namespace sipsteer::control {
namespace {

// In a child process: become uid `uid` with primary group `gid` and the
// supplementary groups `extra`, send one request line, and return the
// reply's status: 0 ok, 1 refused for permission, 2 anything else.
int requestAs(const std::string& path, uid_t uid, gid_t gid, std::vector<gid_t> extra, const std::string& line) {
  if (::setgroups(extra.size(), extra.data()) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) return 3;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return 4;
  const std::string out = line + "\n";
  if (::send(fd, out.data(), out.size(), 0) != static_cast<ssize_t>(out.size())) return 5;
  std::string reply;
  char buf[512];
  ssize_t n;
  while (reply.find('\n') == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, n);
  if (reply.find("\"status\":\"ok\"") != std::string::npos) return 0;
  if (reply.find("needs root or the API group") != std::string::npos) return 1;
  return 2;
}

class ApiGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    nobody_ = ::getpwnam("nobody");
    group_ = ::getgrnam("nogroup");
    if (!nobody_ || !group_) GTEST_SKIP() << "no nobody/nogroup on this system";
    dir_ = std::filesystem::temp_directory_path() / ("sipsteer-api-group-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::all);  // nobody must reach the socket
    path_ = (dir_ / "api.sock").string();
    api_.add("drain", {"change", true, [this](const nlohmann::json&, const ApiCaller&) {
                         ++changes_;
                         return ApiReply::ok();
                       }});
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Forks a caller and serves the socket until it exits; its exit status.
  int callAs(uid_t uid, gid_t gid, std::vector<gid_t> extra = {}) {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(requestAs(path_, uid, gid, extra, R"({"version":1,"command":"drain","args":{"server":"s"}})"));
    int status = -1;
    const Nanos until = clock_.now() + 10s;
    loop_.run(clock_, [&] { return clock_.now() + 50ms; }, [&] {
      if (::waitpid(child, &status, WNOHANG) == child || clock_.now() > until) loop_.stop();
    });
    if (!WIFEXITED(status)) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      return -1;
    }
    return WEXITSTATUS(status);
  }

  SteadyClock clock_;
  EventLoop loop_;
  ApiServer api_{loop_};
  passwd* nobody_ = nullptr;
  group* group_ = nullptr;
  std::filesystem::path dir_;
  std::string path_;
  int changes_ = 0;
};

TEST_F(ApiGroupTest, SocketIsRootGroupReadWriteOnly) {
  ASSERT_TRUE(api_.listen(path_, "nogroup").has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, group_->gr_gid);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ApiGroupTest, GroupMembersMayChangeOthersMayNot) {
  ASSERT_TRUE(api_.listen(path_, "nogroup").has_value());
  // The socket is 0660, so an outsider cannot even connect; open it up to
  // see that the server's own check refuses them too.
  ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);
  EXPECT_EQ(callAs(nobody_->pw_uid, group_->gr_gid), 0) << "a member of api_group may drain";
  EXPECT_EQ(changes_, 1);
  const gid_t other = group_->gr_gid == 1 ? 2 : 1;
  // nobody's database entry lists nogroup; what counts is the caller's own
  // groups, so a process of nobody that is not in nogroup is refused...
  EXPECT_EQ(callAs(nobody_->pw_uid, other), 1) << "outside api_group: permission refused";
  EXPECT_EQ(changes_, 1);
  // ...and one that holds it as a supplementary group may change state.
  EXPECT_EQ(callAs(nobody_->pw_uid, other, {group_->gr_gid}), 0) << "supplementary api_group";
  EXPECT_EQ(changes_, 2);
}

TEST_F(ApiGroupTest, UnknownGroupIsNamedInTheError) {
  auto r = api_.listen(path_, "no-such-group-sipsteer");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("'no-such-group-sipsteer' does not exist"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace sipsteer::control

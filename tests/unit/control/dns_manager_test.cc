// RFC 3263 resolution against a real DNS server: dnsmasq on a loopback
// address and a high port, started and stopped by the test (no network).
// Covers NAPTR -> SRV -> A/AAAA, TTLs read from the answer, serve-stale when
// the server dies, and a change of records. Waits are bounded; nothing is
// asserted about how long anything took.
#include "dns/dns_manager.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace sipsteer::control {
namespace {

class Dnsmasq {
 public:
  Dnsmasq(const std::string& address, uint16_t port, const std::string& records) {
    conf_ = "/tmp/sipsteer-dnsmasq-" + std::to_string(::getpid()) + ".conf";
    std::ofstream(conf_) << "no-resolv\nno-hosts\nbind-interfaces\nlocal-ttl=1\nlocal=/test/\n"
                         << "port=" << port << "\nlisten-address=" << address << "\n" << records;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("dnsmasq", "dnsmasq", "-k", "-C", conf_.c_str(), "--pid-file=", "--user=root", "--log-facility=-",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it bind
  }
  ~Dnsmasq() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      ::unlink(conf_.c_str());
    }
  }

 private:
  std::string conf_;
  pid_t pid_ = -1;
};

const char* kRecords =
    "naptr-record=example.test,10,50,\"s\",\"SIP+D2U\",\"\",\"_sip._udp.example.test\"\n"
    "naptr-record=example.test,10,60,\"s\",\"SIP+D2T\",\"\",\"_sip._tcp.example.test\"\n"
    "srv-host=_sip._udp.example.test,sip1.example.test,5060,10,60\n"
    "srv-host=_sip._udp.example.test,sip2.example.test,5070,20,10\n"
    "srv-host=_sip._tcp.example.test,tcp.example.test,5060,10,10\n"
    "host-record=sip1.example.test,198.18.7.21\n"
    "host-record=sip2.example.test,198.18.7.22,fd00:5eed::22\n"
    "host-record=tcp.example.test,198.18.7.99\n";

class DnsManagerTest : public ::testing::Test {
 protected:
  DnsManagerTest() {
    // Per-process address and port so parallel runs never collide.
    port_ = static_cast<uint16_t>(20000 + ::getpid() % 20000);
    address_ = "127.83." + std::to_string(::getpid() % 250 + 1) + ".1";
    config_.servers = {parseAddressPort(address_ + ":" + std::to_string(port_)).value()};
    config_.ttl_min = 1s;
    config_.retry_interval = 300ms;
    config_.query_timeout = 300ms;
  }
  std::unique_ptr<DnsManager> manager() {
    DnsManager::Callbacks cb;
    cb.on_members = [this](const std::string& pool, const std::vector<DnsMember>& m) {
      announcements.push_back({pool, m});
    };
    cb.on_failure = [this](const std::string&, const std::string& reason) { failures.push_back(reason); };
    auto m = std::make_unique<DnsManager>(config_, loop_, clock_, cb);
    EXPECT_TRUE(m->init());
    return m;
  }
  // Runs the loop until `done` or a wall-clock bound.
  template <typename F>
  bool runUntil(DnsManager& m, F done, Nanos bound = 8s) {
    Nanos until = clock_.now() + bound;
    loop_.run(clock_, [&] { return std::min(m.nextDeadline(), until); }, [&] {
      m.poll(clock_.now());
      if (done() || clock_.now() >= until) loop_.stop();
    });
    return done();
  }
  SteadyClock clock_;
  EventLoop loop_;
  DnsConfig config_;
  std::string address_;
  uint16_t port_;
  std::vector<std::pair<std::string, std::vector<DnsMember>>> announcements;
  std::vector<std::string> failures;
};

TEST_F(DnsManagerTest, NaptrSrvAddressChainWithTtlsServeStaleAndChanges) {
  auto dns = std::make_unique<Dnsmasq>(address_, port_, kRecords);
  auto m = manager();
  m->setPools({{"edge", {"example.test", 5060}}});
  ASSERT_TRUE(runUntil(*m, [&] { return !announcements.empty(); }));
  const auto members = announcements.back().second;
  ASSERT_EQ(members.size(), 3u);  // UDP only: the SIP+D2T target is not served
  EXPECT_EQ(members[0].address.toString(), "198.18.7.21:5060");
  EXPECT_EQ(members[0].priority, 10);
  EXPECT_EQ(members[0].weight, 60);
  EXPECT_EQ(members[1].address.toString(), "198.18.7.22:5070");
  EXPECT_EQ(members[1].priority, 20);
  EXPECT_EQ(members[2].address.toString(), "[fd00:5eed::22]:5070");
  EXPECT_EQ(members[2].target, "sip2.example.test");
  // TTLs come from the answers (dnsmasq serves them with local-ttl=1).
  auto status = m->status();
  bool saw_srv = false;
  for (const auto& s : status["record_sets"]) {
    if (s["type"] == "SRV") {
      saw_srv = true;
      EXPECT_EQ(s["ttl_s"], 1);
    }
  }
  EXPECT_TRUE(saw_srv);

  // The DNS server dies: refreshes fail, the last good answer stays.
  dns->stop();
  size_t before = announcements.size();
  auto anyStale = [&] {
    auto st = m->status();
    for (const auto& s : st["record_sets"]) {
      if (s["stale"].get<bool>()) return true;
    }
    return false;
  };
  ASSERT_TRUE(runUntil(*m, [&] { return failures.size() >= 2 && anyStale(); }));
  EXPECT_EQ(announcements.size(), before) << "DNS trouble must not change the members";

  // It returns with changed records: only the change is announced.
  dns = std::make_unique<Dnsmasq>(address_, port_,
                                  "naptr-record=example.test,10,50,\"s\",\"SIP+D2U\",\"\",\"_sip._udp.example.test\"\n"
                                  "srv-host=_sip._udp.example.test,sip1.example.test,5060,10,80\n"
                                  "host-record=sip1.example.test,198.18.7.21\n");
  ASSERT_TRUE(runUntil(*m, [&] { return announcements.size() > before; })) << m->status().dump(1);
  const auto now = announcements.back().second;
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].weight, 80);
}

TEST_F(DnsManagerTest, NoNaptrFallsBackToSrvAndNxdomainIsAnAnswer) {
  Dnsmasq dns(address_, port_,
              "srv-host=_sip._udp.plain.test,sip1.plain.test,5062,0,5\n"
              "host-record=sip1.plain.test,198.18.7.31\n");
  auto m = manager();
  m->setPools({{"plain", {"plain.test", 5060}}, {"none", {"missing.test", 5060}}});
  ASSERT_TRUE(runUntil(*m, [&] { return announcements.size() >= 2; }));
  for (const auto& [pool, members] : announcements) {
    if (pool == "plain") {
      ASSERT_EQ(members.size(), 1u);
      EXPECT_EQ(members[0].address.toString(), "198.18.7.31:5062");
    } else {
      EXPECT_TRUE(members.empty());  // NXDOMAIN everywhere: no servers, and no failure
    }
  }
  EXPECT_TRUE(failures.empty());
}

}  // namespace
}  // namespace sipsteer::control

// sipsteerd's core: owns the running config, the server registry, the health
// checker, the ICMP policy, DNS, the publishers, metrics, the API and the
// state file, and wires them on one event loop. Public methods are what the
// API handlers (api/handlers.cc) call; all run on the loop thread.
#pragma once

#include <sipsteer/core/callid_hash.h>
#include <sipsteer/core/random_source.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "config/config_loader.h"
#include "daemon/event_loop.h"
#include "dns/dns_types.h"
#include "health/health_checker.h"
#include "health/probe_socket.h"
#include "icmp/icmp_policy.h"
#include "metrics/metrics.h"
#include "publish/dataplane_client.h"
#include "publish/server_registry.h"
#include "state/state_file.h"
#include "xdp/xdp_link.h"

namespace sipsteer::control {

class DnsManager;

class Daemon final : public HealthListener, public DataplaneListener {
 public:
  Daemon(Config config, const Clock& clock, core::RandomSource& random);
  ~Daemon() override;

  // Opens sockets, restores the state file, starts metrics, API and DNS.
  std::expected<void, std::string> start();
  void run();
  void stop() { loop_.stop(); }

  // --- API surface -------------------------------------------------------
  nlohmann::json status() const;
  nlohmann::json servers(const std::string& pool_filter) const;
  nlohmann::json pools() const;
  nlohmann::json dns() const;
  nlohmann::json events(size_t last) const;
  std::expected<nlohmann::json, ApiReply> explain(const std::string& call_id, const std::string& pool) const;
  ApiReply setAdmin(const std::string& server, AdminState admin);
  ApiReply setWeight(const std::string& server, std::optional<uint16_t> weight);
  ApiReply reload(const std::string& path);
  ApiServer& api() { return *api_; }

  // --- listeners (public for the components that call them) -------------
  void onTransition(uint32_t id, const Transition& t, Nanos now) override;
  void onProbeDone(uint32_t id, ProbeOutcome outcome, std::optional<Nanos> rtt, uint16_t status) override;
  void onProbeSent(uint32_t id) override;
  void onReject(ProbeReject why) override;
  void onDataplaneHello(uint64_t generation, uint32_t pid) override;
  void onTableAck(uint64_t generation, uint32_t status, uint32_t apply_ns, Nanos latency) override;
  void onEvents(std::span<const sipsteer_event> events) override;
  void onCounters(std::span<const uint8_t> blob) override;
  void onDataplaneError(const std::string& message) override;
  void onDataplaneDisconnect(const std::string& why) override;
  void onDnsMembers(const std::string& pool, const std::vector<DnsMember>& members);
  void onDnsFailure(const std::string& pool, const std::string& reason);
  void onDnsRefreshed(const std::string& pool);

  // Builds and publishes the current table now (tests, benchmarks).
  std::expected<uint64_t, std::string> publishNow();
  const std::vector<uint8_t>& lastTable() const { return last_table_; }

 private:
  void onWake();
  std::expected<void, std::string> startXdp();
  void onXdpEvents();
  void readXdpCounters();
  std::expected<void, std::string> publishTo(TablePublisher& publisher, uint64_t generation, bool primary);
  void syncPools(bool initial);
  void syncPool(const PoolConfig& pool, const std::vector<DnsMember>& dns_members);
  void removeServer(uint32_t id, const std::string& why);
  // A server that left the pool (config or DNS) while the dataplane still
  // pins dialogs to it: drained (no new dialogs, its calls' ACK/BYE still
  // reach it) and removed once its last dialog is gone.
  void retireServer(uint32_t id, const std::string& why);
  void removeRetiredWithoutDialogs();
  void logEvent(nlohmann::json event);
  void saveStateSoon() { state_dirty_ = true; }
  void saveStateNow();
  void refreshCollectorNames();
  std::optional<IcmpServerView> icmpView(uint32_t id) const;
  nlohmann::json serverJson(const ServerRecord& r) const;
  std::optional<uint64_t> activeDialogs(uint32_t id) const;
  const PoolConfig* poolConfig(const std::string& name) const;

  Config config_;
  const Clock& clock_;
  core::RandomSource& random_;
  EventLoop loop_;
  ServerRegistry registry_;
  ProbeSocket probe_socket_;
  HealthChecker health_;
  IcmpPolicy icmp_;
  Metrics metrics_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<DataplaneClient> dataplane_;  // null in xdp steer mode (no DPDK)
  std::unique_ptr<XdpLink> xdp_;                // null unless xdp.mode is front or steer
  std::unique_ptr<DnsManager> dns_;
  std::map<std::string, std::vector<DnsMember>> dns_members_;  // last good answer per pool
  core::HashKey hash_key_;
  uint64_t generation_ = 0;
  uint64_t applied_generation_ = 0;
  std::vector<uint8_t> last_table_;
  bool table_dirty_ = true;
  bool startup_gate_open_ = false;
  bool state_dirty_ = false;
  Nanos started_{0};
  Nanos next_connect_{0};
  Nanos next_counters_{0};
  Nanos next_xdp_counters_{0};
  Nanos next_save_{0};
  std::optional<Nanos> last_publish_latency_;
  std::deque<nlohmann::json> events_;
  SavedState saved_;
  std::map<std::string, SavedServer> saved_by_key_;
  std::map<uint32_t, uint64_t> last_unanswered_;  // passive signal baseline
  std::map<uint32_t, AdminState> retiring_;       // retired server -> its admin state before
};

}  // namespace sipsteer::control

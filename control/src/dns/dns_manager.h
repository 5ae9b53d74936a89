// RFC 3263 resolution of each DNS-backed pool with c-ares, integrated in the
// event loop: NAPTR (only SIP+D2U is served: UDP) -> SRV (or _sip._udp.<domain>
// when there is no NAPTR) -> A/AAAA of every target.
//
// Policy (docs/control.md, "DNS policy"):
//  - every record set (name, type) is cached with its own TTL, read from the
//    answer itself (dns_answer.h; c-ares 1.18 drops SRV/NAPTR TTLs), clamped
//    to [ttl_min, ttl_max], and re-queried at refresh_ahead x TTL;
//  - a failed query (timeout, SERVFAIL, junk) keeps the last good record set
//    (serve-stale) and retries after retry_interval: DNS trouble never takes
//    servers out; NXDOMAIN/NODATA is an answer, and empties that record set;
//  - after each pass the pool's member list goes to the daemon, which adds,
//    removes and reweights only what changed.
#pragma once

#include <ares.h>

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/event_loop.h"
#include "dns/dns_answer.h"
#include "dns/dns_types.h"

namespace sipsteer::control {

class DnsManager {
 public:
  struct Callbacks {
    std::function<void(const std::string& pool, const std::vector<DnsMember>&)> on_members;
    std::function<void(const std::string& pool, const std::string& reason)> on_failure;
    std::function<void(const std::string& pool)> on_refreshed;
  };
  struct PoolDomain {
    std::string domain;
    uint16_t default_port = 5060;
  };

  DnsManager(const DnsConfig& config, EventLoop& loop, const Clock& clock, Callbacks callbacks);
  ~DnsManager();
  std::expected<void, std::string> init();
  void setConfig(const DnsConfig& config) { config_ = config; }
  void setPools(std::map<std::string, PoolDomain> pools);
  void poll(Nanos now);
  Nanos nextDeadline() const;
  nlohmann::json status() const;

 private:
  struct CacheEntry {
    DnsAnswer answer;        // last good answer
    bool have = false;
    Nanos expires{0};        // of the last good answer (stale after)
    Nanos refresh_at{0};     // when to ask again
    bool in_flight = false;
    std::string last_error;
    uint64_t failures = 0;
  };
  struct PoolState {
    PoolDomain domain;
    std::vector<DnsMember> last_members;
    bool announced = false;
  };
  using Key = std::pair<std::string, int>;  // name, qtype

  void query(const Key& key);
  void onAnswer(const Key& key, int status, const unsigned char* abuf, int alen);
  // Walks the cache for a pool: queries what is due or missing; when the
  // chain is complete, computes and announces the members.
  // `answered`: called because an answer arrived (counts as a refresh when
  // the chain completes), not from a timer pass.
  void resolvePool(const std::string& pool, PoolState& state, Nanos now, bool answered);
  CacheEntry* need(const Key& key, Nanos now, bool& waiting);
  static void socketCallback(void* data, ares_socket_t fd, int readable, int writable);

  DnsConfig config_;
  EventLoop& loop_;
  const Clock& clock_;
  Callbacks callbacks_;
  ares_channel channel_ = nullptr;
  std::map<Key, CacheEntry> cache_;
  std::map<std::string, PoolState> pools_;
  std::set<int> watched_;  // c-ares sockets registered with the loop
};

}  // namespace sipsteer::control

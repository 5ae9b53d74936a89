#include <sipsteer_bpf/front.h>

#include <sipsteer/core/table_view.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sipsteer_bpf/xdp_front.skel.h"

#ifndef SIPSTEER_BPF_OBJECT_DIR
#define SIPSTEER_BPF_OBJECT_DIR "/usr/lib/sipsteer/bpf"
#endif

namespace sipsteer::bpf {

Result<std::unique_ptr<FrontProgram>> FrontProgram::load(const FrontOptions& options) {
  if (auto ok = checkPinRoot(options.pin_root); !ok) return std::unexpected(ok.error());
  std::unique_ptr<FrontProgram> self(new FrontProgram());
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = options.pin_root.c_str());
  self->skel_ = sipsteer_front__open_opts(&open_opts);
  if (!self->skel_) return std::unexpected(makeError("open xdp_front", -errno));

  auto& maps = self->skel_->maps;
  int err = 0;
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(front_vips), options.max_vips);
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(front_servers), options.max_servers);
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(front_events), options.event_ring_bytes);
  err = err ? err : bpf_map__set_max_entries(maps.xsks_map, options.max_queues);
  if (err) return std::unexpected(makeError("xdp_front: sizing maps", err));
  self->skel_->rodata->cfg_icmp_to_xsk = options.icmp_to_xsk ? 1 : 0;
  self->skel_->rodata->cfg_nat_replies_to_xsk = options.nat_replies_to_xsk ? 1 : 0;

  if (err = sipsteer_front__load(self->skel_); err)
    return std::unexpected(makeError("load xdp_front (pin root " + options.pin_root + ")", err));

  auto events = EventRing::open(bpf_map__fd(maps.SIPSTEER_MAP(front_events)), "xdp_front");
  if (!events) return std::unexpected(events.error());
  self->events_ = std::move(*events);
  return self;
}

FrontProgram::~FrontProgram() {
  (void)attachment_.detach();
  events_.reset();
  if (skel_) sipsteer_front__destroy(skel_);
}

Result<void> FrontProgram::attach(const std::string& ifname, AttachMode mode) {
  auto attached = XdpAttachment::attach(programFd(), "xdp_front", ifname, mode);
  if (!attached) return std::unexpected(attached.error());
  attachment_ = std::move(*attached);
  return {};
}

Result<void> FrontProgram::detach() { return attachment_.detach(); }

static Result<void> update(int fd, const void* key, const void* value, const char* what) {
  if (int err = bpf_map_update_elem(fd, key, value, BPF_ANY); err)
    return std::unexpected(makeError(std::string("xdp_front: update ") + what, err));
  return {};
}

static Result<void> erase(int fd, const void* key, const char* what) {
  if (int err = bpf_map_delete_elem(fd, key); err && err != -ENOENT)
    return std::unexpected(makeError(std::string("xdp_front: delete ") + what, err));
  return {};
}

Result<void> FrontProgram::addVip(const sipsteer_bpf_endpoint& vip) {
  const sipsteer_bpf_vip_info info{};
  return update(vipsFd(), &vip, &info, "VIP");
}
Result<void> FrontProgram::removeVip(const sipsteer_bpf_endpoint& vip) {
  return erase(vipsFd(), &vip, "VIP");
}
Result<void> FrontProgram::addServer(const sipsteer_bpf_endpoint& server,
                                     const sipsteer_bpf_server_info& info) {
  return update(serversFd(), &server, &info, "server");
}
Result<void> FrontProgram::removeServer(const sipsteer_bpf_endpoint& server) {
  return erase(serversFd(), &server, "server");
}
Result<void> FrontProgram::setXsk(uint32_t queue, int xsk_fd) {
  return update(xsksFd(), &queue, &xsk_fd, "xsks_map");
}

namespace {
sipsteer_bpf_endpoint endpointOf(const union sipsteer_addr& addr, __be16 port, uint8_t family) {
  sipsteer_bpf_endpoint ep{};
  ep.addr = addr;
  ep.port = port;
  ep.family = family;
  return ep;
}

bool contains(const std::vector<sipsteer_bpf_endpoint>& set, const sipsteer_bpf_endpoint& ep) {
  return std::any_of(set.begin(), set.end(), [&](const sipsteer_bpf_endpoint& e) {
    return std::memcmp(&e, &ep, sizeof(ep)) == 0;
  });
}

// Deletes every key of `fd` not in `keep`.
Result<void> removeOthers(int fd, const std::vector<sipsteer_bpf_endpoint>& keep, const char* what) {
  std::vector<sipsteer_bpf_endpoint> stale;
  sipsteer_bpf_endpoint key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (!contains(keep, next)) stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const auto& k : stale)
    if (auto ok = erase(fd, &k, what); !ok) return ok;
  return {};
}
}  // namespace

Result<void> FrontProgram::syncFromTable(std::span<const uint8_t> blob) {
  core::TableView view;
  if (const auto status = core::TableView::validate(blob, view); status != SIPSTEER_TABLE_ERR_OK)
    return std::unexpected(BpfError{"xdp_front: table refused by validation (SIPSTEER_TABLE_ERR " +
                                        std::to_string(status) + ")", -EINVAL});
  std::vector<sipsteer_bpf_endpoint> vips, servers, nat_servers;
  for (const sipsteer_vip& vip : view.vips()) {
    for (__be16 port : {vip.port, static_cast<__be16>(0)}) {
      const auto ep = endpointOf(vip.addr, port, vip.family);
      if (contains(vips, ep)) continue;
      vips.push_back(ep);
      if (auto ok = addVip(ep); !ok) return ok;
    }
  }
  // A server of a nat pool answers clients from its own address: the entry
  // names the VIP (first nat VIP of the pool wins, as in xdp_steer) so the
  // front hands those replies to DPDK for un-NAT. dsr servers keep vip zero.
  std::vector<const sipsteer_vip*> nat_vip_of(view.servers().size(), nullptr);
  for (const sipsteer_vip& vip : view.vips()) {
    if (vip.mode != SIPSTEER_MODE_NAT) continue;
    const sipsteer_pool& pool = view.pools()[vip.pool];
    for (uint32_t i = 0; i < pool.server_count; ++i)
      if (!nat_vip_of[pool.server_first + i]) nat_vip_of[pool.server_first + i] = &vip;
  }
  for (size_t s = 0; s < view.servers().size(); ++s) {
    const sipsteer_server& server = view.servers()[s];
    const auto ep = endpointOf(server.addr, server.port, server.family);
    sipsteer_bpf_server_info info{};
    info.server_id = server.server_id;
    info.generation = view.header().generation;
    if (const sipsteer_vip* vip = nat_vip_of[s]) info.vip = endpointOf(vip->addr, vip->port, vip->family);
    // The same address:port in several pools: the first nat pool wins.
    const bool nat = info.vip.family != 0;
    if (contains(servers, ep) && (!nat || contains(nat_servers, ep))) continue;
    if (!contains(servers, ep)) servers.push_back(ep);
    if (nat) nat_servers.push_back(ep);
    if (auto ok = addServer(ep, info); !ok) return ok;
  }
  if (auto ok = removeOthers(vipsFd(), vips, "stale VIP"); !ok) return ok;
  return removeOthers(serversFd(), servers, "stale server");
}

Result<std::vector<uint64_t>> FrontProgram::counters() const {
  return readPerCpuCounters(countersFd(), SIPSTEER_XDP_COUNTER_COUNT);
}

void FrontProgram::unpin() {
  auto& maps = skel_->maps;
  for (bpf_map* map : {maps.SIPSTEER_MAP(front_vips), maps.SIPSTEER_MAP(front_servers),
                       maps.SIPSTEER_MAP(front_events), maps.SIPSTEER_MAP(front_counters)})
    (void)bpf_map__unpin(map, nullptr);
}

int FrontProgram::programFd() const noexcept { return bpf_program__fd(skel_->progs.sipsteer_xdp_front); }
int FrontProgram::vipsFd() const noexcept { return bpf_map__fd(skel_->maps.SIPSTEER_MAP(front_vips)); }
int FrontProgram::serversFd() const noexcept {
  return bpf_map__fd(skel_->maps.SIPSTEER_MAP(front_servers));
}
int FrontProgram::countersFd() const noexcept {
  return bpf_map__fd(skel_->maps.SIPSTEER_MAP(front_counters));
}
int FrontProgram::xsksFd() const noexcept { return bpf_map__fd(skel_->maps.xsks_map); }

std::string FrontProgram::objectPath() { return std::string(SIPSTEER_BPF_OBJECT_DIR) + "/xdp_front.bpf.o"; }

}  // namespace sipsteer::bpf

#include <sipsteer_bpf/steer.h>

#include <sipsteer/abi/counters.h>
#include <sipsteer/abi/table.h>
#include <sipsteer/core/table_view.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sipsteer_bpf/xdp_steer.skel.h"

namespace sipsteer::bpf {

namespace {
constexpr uint32_t kMaxTableBytes = 4u << 20;   // KMALLOC_MAX_SIZE on x86-64
constexpr uint32_t kScratchBytes = 2048;        // SIPSTEER_SCRATCH_SIZE

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool sameEndpoint(const sipsteer_bpf_endpoint& a, const sipsteer_bpf_endpoint& b) {
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}
}  // namespace

Result<std::unique_ptr<SteerProgram>> SteerProgram::load(const SteerOptions& options) {
  if (options.table_bytes < sizeof(sipsteer_table_header) || options.table_bytes > kMaxTableBytes)
    return std::unexpected(BpfError{"xdp_steer: table_bytes " + std::to_string(options.table_bytes) +
                                        " outside [72, 4 MiB]", -EINVAL});
  if (options.scan_bytes == 0 || options.scan_bytes > kScratchBytes)
    return std::unexpected(BpfError{"xdp_steer: scan_bytes " + std::to_string(options.scan_bytes) +
                                        " outside [1, 2048]", -EINVAL});
  if (auto ok = checkPinRoot(options.pin_root); !ok) return std::unexpected(ok.error());

  std::unique_ptr<SteerProgram> self(new SteerProgram());
  self->options_ = options;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = options.pin_root.c_str());
  self->skel_ = sipsteer_steer__open_opts(&open_opts);
  if (!self->skel_) return std::unexpected(makeError("open xdp_steer", -errno));

  auto& maps = self->skel_->maps;
  bpf_map* inner = bpf_map__inner_map(maps.SIPSTEER_MAP(steer_table));
  int err = inner ? 0 : -ENOENT;
  err = err ? err : bpf_map__set_value_size(inner, options.table_bytes);
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(steer_servers), options.max_servers);
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(steer_events), options.event_ring_bytes);
  err = err ? err : bpf_map__set_max_entries(maps.SIPSTEER_MAP(steer_affinity), options.max_dialogs);
  if (err) return std::unexpected(makeError("xdp_steer: sizing maps", err));
  auto* rodata = self->skel_->rodata;
  rodata->cfg_table_bytes = options.table_bytes;
  rodata->cfg_scan_bytes = options.scan_bytes;
  rodata->cfg_no_callid_drop = options.no_callid_drop ? 1 : 0;
  rodata->cfg_tx_ifindex = options.tx_ifindex;
  rodata->cfg_unnat = options.unnat ? 1 : 0;
  rodata->cfg_fib_lookup = options.fib_lookup ? 1 : 0;

  if (err = sipsteer_steer__load(self->skel_); err)
    return std::unexpected(makeError("load xdp_steer (pin root " + options.pin_root + ")", err));
  auto events = EventRing::open(bpf_map__fd(maps.SIPSTEER_MAP(steer_events)), "xdp_steer");
  if (!events) return std::unexpected(events.error());
  self->events_ = std::move(*events);
  return self;
}

SteerProgram::~SteerProgram() {
  (void)attachment_.detach();
  events_.reset();
  if (skel_) sipsteer_steer__destroy(skel_);
}

Result<void> SteerProgram::attach(const std::string& ifname, AttachMode mode) {
  auto attached = XdpAttachment::attach(programFd(), "xdp_steer", ifname, mode);
  if (!attached) return std::unexpected(attached.error());
  attachment_ = std::move(*attached);
  return {};
}

Result<void> SteerProgram::detach() { return attachment_.detach(); }

Result<uint64_t> SteerProgram::publish(std::span<const uint8_t> blob) {
  core::TableView view;
  if (const auto status = core::TableView::validate(blob, view); status != SIPSTEER_TABLE_ERR_OK)
    return std::unexpected(BpfError{"xdp_steer: table refused by validation (SIPSTEER_TABLE_ERR " +
                                        std::to_string(status) + ")", -EINVAL});
  const uint64_t generation = view.header().generation;
  if (generation <= generation_)
    return std::unexpected(BpfError{"xdp_steer: table generation " + std::to_string(generation) +
                                        " not newer than " + std::to_string(generation_), -EINVAL});
  if (blob.size() > options_.table_bytes)
    return std::unexpected(BpfError{"xdp_steer: table of " + std::to_string(blob.size()) +
                                        " bytes exceeds table_bytes " +
                                        std::to_string(options_.table_bytes), -E2BIG});

  // Servers of the new table must be known to un-NAT before packets reach them.
  if (auto ok = syncServers(blob, false); !ok) return std::unexpected(ok.error());

  Fd inner;
  inner.fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sipsteer_table", sizeof(uint32_t),
                            options_.table_bytes, 1, nullptr);
  if (inner.fd < 0) return std::unexpected(makeError("xdp_steer: creating table map", inner.fd));
  std::vector<uint8_t> value(options_.table_bytes, 0);
  std::copy(blob.begin(), blob.end(), value.begin());
  const uint32_t zero = 0;
  if (int err = bpf_map_update_elem(inner.fd, &zero, value.data(), BPF_ANY); err)
    return std::unexpected(makeError("xdp_steer: filling table map", err));
  // The switch: one update of the outer slot publishes the whole table. The
  // kernel drops the old inner map after an RCU grace period, so a program
  // still reading it finishes with the old table.
  const uint32_t slot = SIPSTEER_BPF_TABLE_SLOT;
  if (int err = bpf_map_update_elem(tableFd(), &slot, &inner.fd, BPF_ANY); err)
    return std::unexpected(makeError("xdp_steer: swapping table", err));
  generation_ = generation;
  if (auto ok = syncServers(blob, true); !ok) return std::unexpected(ok.error());
  return generation;
}

Result<void> SteerProgram::syncServers(std::span<const uint8_t> blob, bool remove_stale) {
  core::TableView view;
  (void)core::TableView::validate(blob, view);  // validated by the caller
  std::vector<std::pair<sipsteer_bpf_endpoint, sipsteer_bpf_server_info>> entries;
  for (const sipsteer_vip& vip : view.vips()) {
    if (vip.mode != SIPSTEER_MODE_NAT) continue;
    const sipsteer_pool& pool = view.pools()[vip.pool];
    for (uint32_t i = 0; i < pool.server_count; ++i) {
      const sipsteer_server& server = view.servers()[pool.server_first + i];
      sipsteer_bpf_endpoint key{};
      key.addr = server.addr;
      key.port = server.port;
      key.family = server.family;
      if (std::any_of(entries.begin(), entries.end(),
                      [&](const auto& e) { return sameEndpoint(e.first, key); }))
        continue;  // first VIP of the pool wins
      sipsteer_bpf_server_info info{};
      info.server_id = server.server_id;
      info.generation = view.header().generation;
      info.vip.addr = vip.addr;
      info.vip.port = vip.port;
      info.vip.family = vip.family;
      entries.emplace_back(key, info);
    }
  }
  const int fd = serversFd();
  if (!remove_stale) {
    for (const auto& [key, info] : entries)
      if (int err = bpf_map_update_elem(fd, &key, &info, BPF_ANY); err)
        return std::unexpected(makeError("xdp_steer: adding server to steer_servers", err));
    return {};
  }
  sipsteer_bpf_endpoint key{}, next{};
  const void* prev = nullptr;
  std::vector<sipsteer_bpf_endpoint> stale;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (std::none_of(entries.begin(), entries.end(),
                     [&](const auto& e) { return sameEndpoint(e.first, next); }))
      stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const auto& k : stale)
    if (int err = bpf_map_delete_elem(fd, &k); err && err != -ENOENT)
      return std::unexpected(makeError("xdp_steer: removing stale server", err));
  return {};
}

Result<std::vector<uint64_t>> SteerProgram::drops() const {
  return readPerCpuCounters(bpf_map__fd(skel_->maps.SIPSTEER_MAP(steer_drops)),
                            SIPSTEER_DROP_REASON_COUNT);
}

Result<std::vector<uint64_t>> SteerProgram::counters() const {
  return readPerCpuCounters(bpf_map__fd(skel_->maps.SIPSTEER_MAP(steer_counters)),
                            SIPSTEER_XDP_COUNTER_COUNT);
}

void SteerProgram::unpin() {
  auto& maps = skel_->maps;
  for (bpf_map* map : {maps.SIPSTEER_MAP(steer_table), maps.SIPSTEER_MAP(steer_servers),
                       maps.SIPSTEER_MAP(steer_drops), maps.SIPSTEER_MAP(steer_counters),
                       maps.SIPSTEER_MAP(steer_events), maps.SIPSTEER_MAP(steer_affinity)})
    (void)bpf_map__unpin(map, nullptr);
}

int SteerProgram::programFd() const noexcept { return bpf_program__fd(skel_->progs.sipsteer_xdp_steer); }
int SteerProgram::tableFd() const noexcept { return bpf_map__fd(skel_->maps.SIPSTEER_MAP(steer_table)); }
int SteerProgram::serversFd() const noexcept {
  return bpf_map__fd(skel_->maps.SIPSTEER_MAP(steer_servers));
}

}  // namespace sipsteer::bpf

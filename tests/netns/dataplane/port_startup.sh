#!/usr/bin/env bash
# Story: sipsteer-dp starts on every virtual PMD the docs name, one pool per
# port, under an 8 MiB RLIMIT_MEMLOCK:
#   - net_af_xdp one-armed without CAP_IPC_LOCK: the kernel charges the UMEM
#     (the port's pool, ~7.4 MiB) to RLIMIT_MEMLOCK, and it fits;
#   - net_af_xdp two-armed (root, CAP_IPC_LOCK: UMEM not charged);
#   - net_af_xdp two-armed without CAP_IPC_LOCK: two UMEMs cannot fit 8 MiB
#     (each needs 2048 fill-ring mbufs, >= 4 MiB); refused up front with a
#     message naming the pools and the fixes, not the PMD's EINVAL;
#   - net_af_packet two-armed, net_null and net_ring one-armed, as before.
# "Starts" = the control socket opens and SIGTERM ends it with status 0.
#
# Usage: port_startup.sh <sipsteer-dp>
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
dp_bin=$1
id=$$
ns=dpst$id
tmp=$(mktemp -d /tmp/sipsteer-startup.XXXXXX)
dp_pid=
cleanup() {
  set +e
  [ -n "$dp_pid" ] && kill -9 "$dp_pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp" /var/run/dpdk/dpst$id
}
trap cleanup EXIT INT TERM
log() { echo "[$(date +%T)] $*"; }
fail() { echo "FAIL: $*"; cat "$tmp/dp.log" 2>/dev/null; exit 1; }

ip netns add "$ns"
ip -n "$ns" link set lo up
for p in a b; do
  ip -n "$ns" link add ${p}0 type veth peer name ${p}1
  ip -n "$ns" link set ${p}0 up
  ip -n "$ns" link set ${p}1 up
done

config() {  # config <port line>...
  {
    echo "dataplane:"
    echo "  eal_args: [--no-huge, --no-pci, -m, \"128\", \"--lcores=0@0,1@1\", --no-shconf,"
    echo "             --file-prefix=dpst$id, --log-level=error, --no-telemetry]"
    echo "  affinity: {max_dialogs: 4096}"
    echo "  control_socket: $tmp/dp.sock"
    echo "  ports:"
    for p in "$@"; do echo "    - $p"; done
  } >"$tmp/dp.yaml"
}

# start <label> <capsh args...>: runs sipsteer-dp with an 8 MiB memlock limit;
# 0 when it opened its socket and stopped cleanly on SIGTERM.
start() {
  local label=$1
  shift
  rm -f "$tmp/dp.sock"
  prlimit --memlock=8388608:8388608 capsh "$@" -- -c \
    "exec ip netns exec $ns $dp_bin --config $tmp/dp.yaml" >"$tmp/dp.log" 2>&1 &
  dp_pid=$!
  for _ in $(seq 50); do
    [ -S "$tmp/dp.sock" ] && break
    kill -0 "$dp_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ ! -S "$tmp/dp.sock" ]; then
    wait "$dp_pid" 2>/dev/null || true
    dp_pid=
    log "$label: did not start: $(grep 'sipsteer-dp:' "$tmp/dp.log" | tail -n 1)"
    return 1
  fi
  log "$label: $(grep '^sipsteer-dp:' "$tmp/dp.log")"
  kill -TERM "$dp_pid"
  local rc=0
  wait "$dp_pid" || rc=$?
  dp_pid=
  [ $rc = 0 ] || { log "$label: exit status $rc after SIGTERM"; return 1; }
}

xdp0='{name: outside, device: "net_af_xdp0,iface=a0,busy_budget=0", role: client, ipv4: 198.18.1.254/24}'
xdp1='{name: inside, device: "net_af_xdp1,iface=b0,busy_budget=0", role: server, ipv4: 198.18.2.254/24}'
xdp_both='{name: lan, device: "net_af_xdp0,iface=a0,busy_budget=0", role: both, ipv4: 198.18.1.254/24}'

config "$xdp_both"
start "af_xdp one-armed, no CAP_IPC_LOCK (UMEM charged)" --drop=cap_ipc_lock ||
  fail "one-armed af_xdp must fit an 8 MiB memlock limit"

config "$xdp0" "$xdp1"
start "af_xdp two-armed, CAP_IPC_LOCK" || fail "two-armed af_xdp did not start"

if start "af_xdp two-armed, no CAP_IPC_LOCK" --drop=cap_ipc_lock; then
  fail "two af_xdp UMEMs cannot fit 8 MiB; sipsteer-dp should have refused"
fi
grep -q 'registers each port.s mbuf pool as UMEM, charged to RLIMIT_MEMLOCK' "$tmp/dp.log" ||
  fail "the refusal does not explain the UMEM budget"

config '{name: outside, device: "net_af_packet0,iface=a0", role: client}' \
  '{name: inside, device: "net_af_packet1,iface=b0", role: server}'
start "af_packet two-armed" || fail "af_packet did not start"

config '{name: sink, device: "net_null0", role: both}'
start "net_null one-armed" || fail "net_null did not start"

config '{name: ring, device: "net_ring0", role: both}'
start "net_ring one-armed" || fail "net_ring did not start"
log "PASS"

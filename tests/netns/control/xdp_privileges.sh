#!/usr/bin/env bash
# The sipsteerd drop-in for the XDP modes (docs/operations.md, "The units")
# grants exactly CAP_NET_BIND_SERVICE CAP_BPF CAP_NET_ADMIN CAP_PERFMON to a
# uid-0 sipsteerd. This checks that claim without systemd: sipsteerd runs in
# xdp steer mode on a veth of a namespace of our own, under setpriv with that
# bounding set (what CapabilityBoundingSet= does for uid 0), and
#  - with the drop-in's set it loads and attaches xdp_steer, publishes a
#    table, and detaches on SIGTERM;
#  - without CAP_BPF, CAP_PERFMON or CAP_NET_ADMIN it refuses to start, with
#    the loader's message naming what it lacks, and leaves nothing attached;
#  - (not a privilege, the other refusal at load time) a restart with other
#    map sizes than the pinned maps' refuses and says which pins to remove.
#   xdp_privileges.sh SIPSTEERD SIPSTEERCTL BPF_OBJECT_DIR
set -euo pipefail
D=$1; C=$2; OBJECTS=$3
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces, BPF)"; exit 0; }
for t in setpriv jq; do command -v $t >/dev/null || { echo "$t missing"; exit 1; }; done
id=$$
app=xpapp$id; peer=xppeer$id
work=$(mktemp -d /tmp/sipsteer-xdp-priv-XXXXXX)
daemon=
cleanup() {
  set +e
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null; sleep 0.3; kill -9 "$daemon" 2>/dev/null; fi
  for n in $app $peer; do ip netns del "$n" 2>/dev/null; done
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[$(date +%T.%3N)] xdp-privileges: $*"; }
fail() { echo "FAIL: $*"; echo "--- sipsteerd log (tail)"; tail -20 "$work/d.log" 2>/dev/null; exit 1; }

for n in $app $peer; do ip netns add $n; ip -n $n link set lo up; done
ip -n $app link add a0 type veth peer name p0 netns $peer
ip -n $app addr add 198.18.1.254/24 dev a0
ip -n $peer addr add 198.18.1.1/24 dev p0
ip -n $app link set a0 up
ip -n $peer link set p0 up

mkdir -p "$work/bpf"
cat >"$work/sipsteer.yaml" <<EOT
control:
  api_socket: $work/api.sock
  state_file: $work/state.json
  metrics_listen: 127.0.0.1:9464
  probe_source: 198.18.1.254
  hash_key: 000102030405060708090a0b0c0d0e0f
health:
  interval: 1s
  timeout: 500ms
pools:
  - name: core
    vips: [198.18.0.10:5060]
    mode: nat
    ring_size: 251
    servers: [198.18.1.1:5060]
xdp:
  mode: steer
  interfaces: [a0]
  attach: native
  pin_root: $work/bpf
  object_dir: $OBJECTS
  table_bytes: 65536        # memlock is small here
  max_servers: 64
  max_dialogs: 4096
  event_ring_bytes: 8192
EOT
"$D" --check-config "$work/sipsteer.yaml" >"$work/check.log" 2>&1 || fail "config refused: $(cat "$work/check.log")"

attached() { ip -n $app -d link show dev a0 | grep -q "prog/xdp"; }
# Starts sipsteerd as uid 0 with bounding set CAPS (comma list, no cap_
# prefix) in the appliance namespace, on a bpffs private to its mount
# namespace (mounted before the capabilities are dropped, as systemd does).
start_with() {
  local bounding
  bounding=-all$(printf ',+%s' ${1//,/ })
  ip netns exec $app sh -c "mount -t bpf bpf '$work/bpf' && exec setpriv --bounding-set $bounding \
    --inh-caps -all '$D' -c '$work/sipsteer.yaml'" >"$work/d.log" 2>&1 &
  daemon=$!
}

dropin=net_bind_service,bpf,net_admin,perfmon
log "sipsteerd with the drop-in's capabilities: $dropin"
start_with $dropin
for _ in $(seq 100); do
  attached && [ -S "$work/api.sock" ] && break
  kill -0 $daemon 2>/dev/null || fail "sipsteerd exited with the drop-in's capabilities"
  sleep 0.1
done
attached || fail "xdp_steer not attached to a0 after 10 s"
eff=$(capsh --decode="$(grep CapEff /proc/$daemon/status | cut -f2)" | sed 's/.*=//')
log "attached: $(ip -n $app -d link show dev a0 | grep -o 'prog/xdp id [0-9]*'); sipsteerd's effective capabilities: $eff"
[ "$eff" = "cap_net_bind_service,cap_net_admin,cap_perfmon,cap_bpf" ] || fail "effective capabilities are $eff"
for _ in $(seq 50); do
  gen=$(ip netns exec $app "$C" -s "$work/api.sock" --json status 2>/dev/null | jq -r '.dataplane_generation' 2>/dev/null || true)
  [ -n "$gen" ] && [ "$gen" != 0 ] && [ "$gen" != null ] && break
  sleep 0.1
done
[ -n "$gen" ] && [ "$gen" != 0 ] && [ "$gen" != null ] || fail "no table published into the BPF maps (generation '$gen')"
log "table generation $gen published into xdp_steer's maps"
kill -TERM $daemon
wait $daemon || fail "sipsteerd exited $? on SIGTERM"
daemon=
attached && fail "xdp_steer still attached after SIGTERM"
log "SIGTERM: exit 0, a0 has no XDP program"

for missing in bpf perfmon net_admin; do
  caps=$(echo "$dropin" | tr , '\n' | grep -vx "$missing" | paste -sd,)
  start_with "$caps"
  set +e
  timeout 20 tail --pid=$daemon -f /dev/null
  wait $daemon
  rc=$?
  set -e
  daemon=
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "without cap_$missing sipsteerd did not refuse (exit $rc)"
  attached && fail "without cap_$missing something is attached to a0"
  why=$(grep -m1 "cannot start" "$work/d.log" || true)
  echo "$why" | grep -q "lacks CAP_${missing^^}" || fail "without cap_$missing the refusal does not name it: $why"
  log "without cap_$missing: refused (exit $rc): $why"
done
# Pinned maps outlive sipsteerd (a restart keeps the last table); both runs
# share one bpffs, so they must run in one mount namespace.
sed 's/max_dialogs: 4096/max_dialogs: 8192/' "$work/sipsteer.yaml" >"$work/resized.yaml"
set +e
ip netns exec $app sh -c "mount -t bpf bpf '$work/bpf' || exit 90
  '$D' -c '$work/sipsteer.yaml' >'$work/first.log' 2>&1 & first=\$!
  for i in \$(seq 100); do [ -S '$work/api.sock' ] && break; sleep 0.1; done
  kill -TERM \$first; wait \$first || exit 91
  ls '$work/bpf' | grep -q '^sipsteer_' || exit 92
  timeout 20 '$D' -c '$work/resized.yaml' >'$work/d.log' 2>&1"
rc=$?
set -e
[ $rc -ne 90 ] && [ $rc -ne 91 ] || fail "the first run with pinned maps failed (exit $rc): $(tail -3 "$work/first.log")"
[ $rc -ne 92 ] || fail "sipsteerd pinned no maps under $work/bpf"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a restart with other map sizes than the pins did not refuse (exit $rc)"
why=$(grep -m1 "cannot start" "$work/d.log" || true)
echo "$why" | grep -q "remove the old pins: rm $work/bpf/sipsteer_" || fail "the refusal does not name the pins: $why"
log "restart with max_dialogs 4096 -> 8192 over the pins: refused (exit $rc): $why"
echo "PASS: the XDP drop-in's capability set is enough, each of CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN is needed, and stale pins are named"

#!/usr/bin/env bash
# sipsteerd in xdp front mode, in namespaces of our own: client ns
# (198.18.1.1) --veth-- appliance ns (sipsteerd with front_attach: true on a0
# 198.18.1.254; no sipsteer-dp, so no AF_XDP socket). The front's VIP map is
# filled from sipsteerd's table: UDP to the VIP is claimed for DPDK (counted
# no_xsk, as no socket waits on the queue, and passed), other UDP is passed
# as not ours; the counters reach /metrics; SIGTERM detaches.
#   xdp_front_scenario.sh SIPSTEERD XDP_PASS_OBJ BPF_OBJECT_DIR
set -euo pipefail
D=$1; PASS=$2; OBJDIR=$3
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces, BPF)"; exit 0; }
command -v curl >/dev/null || { echo "curl missing"; exit 1; }
id=$$
app=xfapp$id; cli=xfcli$id
work=$(mktemp -d /tmp/sipsteer-xfront-XXXXXX)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for n in $app $cli; do ip netns del "$n" 2>/dev/null; done
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[$(date +%T.%3N)] xdp-front: $*"; }
fail() { echo "FAIL: $*"; echo "--- sipsteerd log (tail)"; tail -30 "$work/d.log"; exit 1; }
A() { ip netns exec $app "$@"; }

for n in $app $cli; do ip netns add $n; ip -n $n link set lo up; done
ip -n $app link add a0 type veth peer name c1 netns $cli
ip -n $app addr add 198.18.1.254/24 dev a0
ip -n $app link set a0 up
ip -n $cli addr add 198.18.1.1/24 dev c1
ip -n $cli link set c1 up
ip -n $cli route add default via 198.18.1.254
ip -n $cli link set dev c1 xdpdrv obj "$PASS" sec xdp

mkdir -p "$work/bpf"
cat >"$work/sipsteer.yaml" <<EOT
control:
  api_socket: $work/api.sock
  state_file: $work/state.json
  metrics_listen: 198.18.1.254:9464
  startup_grace: 1s
  counters_interval: 200ms
pools:
  - name: core
    vips: [198.18.0.10:5060]
    servers: [198.18.2.1:5060]   # nobody there: the VIP is published all the same
dataplane:
  control_socket: $work/dp.sock  # no sipsteer-dp in this lab
xdp:
  mode: front
  front_attach: true
  interfaces: [a0]
  attach: native
  pin_root: $work/bpf
  object_dir: $OBJDIR           # the build tree's xdp_front.bpf.o (DPDK's xdp_prog=)
EOT
"$D" --check-config "$work/sipsteer.yaml" >"$work/check.log" 2>&1 || fail "config refused: $(cat "$work/check.log")"
ip netns exec $app sh -c "mount -t bpf bpf '$work/bpf' && exec '$D' -c '$work/sipsteer.yaml'" >"$work/d.log" 2>&1 &
daemon=$!
pids+=($daemon)
metric() {
  A curl -s --max-time 2 "http://198.18.1.254:9464/metrics" 2>/dev/null |
    awk -v n="$1" '(index($0, n "{") == 1 || index($0, n " ") == 1) { v += $NF } END { print v + 0 }'
}
for _ in $(seq 100); do grep -q "published table\|dataplane not connected (sent on connect)" "$work/d.log" && break; sleep 0.1; done
grep -q "dataplane not connected (sent on connect)" "$work/d.log" || fail "no table built within 10 s"
A ip link show dev a0 2>/dev/null | grep -q 'prog/xdp' || fail "xdp_front not attached to a0"
grep -q "is not readable" "$work/d.log" && fail "sipsteerd did not find $OBJDIR/xdp_front.bpf.o"
log "table built; $(grep -m1 'xdp front mode' "$work/d.log" | sed 's/.*xdp front mode: //')"

# 20 datagrams to the VIP, 20 to another port of the same host.
ip netns exec $cli bash -c 'for i in $(seq 20); do
  echo "OPTIONS sip:x@198.18.0.10 SIP/2.0" >/dev/udp/198.18.0.10/5060
  echo "not sip" >/dev/udp/198.18.0.10/5999; done' 2>/dev/null || true
sleep 0.6  # three counters intervals
no_xsk=$(metric sipsteer_xdp_no_xsk_total); passed=$(metric sipsteer_xdp_passed_total)
log "front counters from /metrics: no_xsk=$no_xsk (VIP datagrams claimed for DPDK) passed=$passed"
[ "$no_xsk" -ge 20 ] || fail "the front did not claim the VIP's datagrams: VIP map not filled from the table?"
[ "$passed" -ge 20 ] || fail "datagrams to another port were not passed as not ours"

kill -TERM $daemon
for _ in $(seq 50); do kill -0 $daemon 2>/dev/null || break; sleep 0.1; done
kill -0 $daemon 2>/dev/null && fail "sipsteerd did not stop on SIGTERM"
A ip link show dev a0 2>/dev/null | grep -q 'prog/xdp' && fail "xdp_front still attached after stop"
log "SIGTERM: xdp_front detached"
log "PASS"

#!/usr/bin/env bash
# Story: an operator runs the real appliance — sipsteerd probing three SIP
# servers and publishing tables to sipsteer-dp — and phones call the VIP.
#  1. sipsteerd finds all three servers up and publishes; 1200 calls spread
#     over the primary tier by weight 1:2 and the backup tier gets none.
#     (1200, not fewer: Call-IDs hash at random, so a share's standard
#     deviation is sqrt(p(1-p)/n) = 1.4 points here, and the 5-point
#     tolerance is 3.7 of them; at 300 calls it would fail ~7 % of runs.)
#  2. the weight-2 server's process dies mid-run at 30 calls/s: sipsteer-dp
#     steers away on the first ICMP, sipsteerd marks it down; no call that
#     starts after the kill fails. Detection times are printed.
#
#   client ns (sipp UAC 198.18.1.1) --veth-- appliance ns (sipsteer-dp on
#   net_af_packet, nat; sipsteerd with a management veth 198.18.3.1) --veth--
#   server ns (sipp UAS on 198.18.2.1 .2 .3; management side 198.18.3.2)
#
# Usage: e2e_failover.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail

dp_bin=$1 d_bin=$2 ctl_bin=$3
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v sipp >/dev/null || { echo "sipp missing"; exit 1; }

id=$$
cli=e2ecli$id app=e2eapp$id srv=e2esrv$id
tmp=$(mktemp -d /tmp/sipsteer-e2e.XXXXXX)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in $cli $app $srv; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "/var/run/dpdk/e2e$id"
  if [ "${keep_logs:-0}" = 1 ]; then echo "logs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM
log() { echo "[$(date +%T.%3N)] $*"; }
ms() { date +%s%3N; }
fail() {
  echo "FAIL: $*"
  keep_logs=1
  for f in "$tmp"/*.log; do echo "== $f"; tail -n 25 "$f"; done
  exit 1
}

# --- network -----------------------------------------------------------------
for ns in $cli $app $srv; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c0$id type veth peer name dpc$id
ip link add s0$id type veth peer name dps$id
ip link add m0$id type veth peer name mg$id
ip link set c0$id netns $cli name c0
ip link set dpc$id netns $app name dpc
ip link set s0$id netns $srv name s0
ip link set dps$id netns $app name dps
ip link set mg$id netns $app name mgmt
ip link set m0$id netns $srv name mgmt
for ifc in dpc dps; do
  ip netns exec $app sysctl -qw net.ipv6.conf.$ifc.disable_ipv6=1
  ip -n $app link set $ifc up
done
ip -n $app addr add 198.18.3.1/24 dev mgmt && ip -n $app link set mgmt up
ip -n $app route add 198.18.2.0/24 via 198.18.3.2
ip -n $srv addr add 198.18.3.2/24 dev mgmt && ip -n $srv link set mgmt up
ip -n $cli addr add 198.18.1.1/24 dev c0 && ip -n $cli link set c0 up
ip -n $cli route add 198.18.0.10/32 dev c0
for i in 1 2 3; do ip -n $srv addr add 198.18.2.$i/24 dev s0; done
ip -n $srv link set s0 up
ip -n $srv route add 198.18.1.0/24 via 198.18.2.254
ip netns exec $srv sysctl -qw net.ipv4.icmp_ratelimit=0
ip netns exec $cli ethtool -K c0 tx off >/dev/null
ip netns exec $srv ethtool -K s0 tx off >/dev/null

# --- one config file for both processes ----------------------------------------
cat > "$tmp/sipsteer.yaml" <<YAML
control:
  api_socket: $tmp/api.sock
  state_file: $tmp/state.json
  metrics_listen: 198.18.3.1:9464
  probe_source: 198.18.3.1
  startup_grace: 3s
  counters_interval: 200ms
health:
  interval: 500ms
  timeout: 300ms
  rise: 2
  fall: 2
  dirty_host_ttl: 2s
  failback_hold: 1s
pools:
  - name: core
    vips: ["198.18.0.10:5060"]
    mode: nat
    retry_after: 5s
    servers:
      - {address: "198.18.2.1:5060", priority: 10, weight: 1}
      - {address: "198.18.2.2:5060", priority: 10, weight: 2}
      - {address: "198.18.2.3:5060", priority: 20, weight: 1}
dataplane:
  eal_args: [--no-huge, --no-pci, -m, "256", "--lcores=0@0,1@1", --no-shconf,
             --file-prefix=e2e$id, --log-level=error, --no-telemetry]
  workers: 1
  idle_polls: 32
  idle_backoff_us: 200
  affinity: {max_dialogs: 65536, idle_timeout_s: 7200, after_bye_s: 32}
  control_socket: $tmp/dp.sock
  ports:
    - {name: outside, device: "net_af_packet0,iface=dpc", role: client, ipv4: 198.18.1.254/24}
    - {name: inside, device: "net_af_packet1,iface=dps", role: server, ipv4: 198.18.2.254/24}
YAML
"$d_bin" --check-config "$tmp/sipsteer.yaml" >"$tmp/check.log" 2>&1 || fail "config refused: $(cat "$tmp/check.log")"

# --- servers, dataplane, control plane -----------------------------------------------
uas_pid=()
for i in 1 2 3; do
  ip netns exec $srv sipp -sf "$(dirname "$0")/uas_calls_and_options.xml" -i 198.18.2.$i -p 5060 -mp $((6000 + 10 * i)) -nostdin \
    >"$tmp/uas$i.log" 2>&1 &
  uas_pid[$i]=$!
  pids+=($!)
done
ip netns exec $app "$dp_bin" --config "$tmp/sipsteer.yaml" >"$tmp/dp.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/dp.sock" ] && break; sleep 0.2; done
[ -S "$tmp/dp.sock" ] || fail "sipsteer-dp did not open its control socket"
ip netns exec $app "$d_bin" -c "$tmp/sipsteer.yaml" >"$tmp/sipsteerd.log" 2>&1 &
pids+=($!)
ctl() { ip netns exec $app "$ctl_bin" -s "$tmp/api.sock" "$@"; }
state_of() {
  ctl --json servers --pool core 2>/dev/null | python3 -c "
import json,sys
for s in json.load(sys.stdin):
    if s['address']=='$1': print(s['state']); break" 2>/dev/null || true
}
metric() {  # metric NAME SERVER_ADDRESS -> value summed over matching lines
  ip netns exec $app curl -s --max-time 2 "http://198.18.3.1:9464/metrics" 2>/dev/null |
    awk -v n="$1" -v s="$2" 'index($0, n "{") == 1 && index($0, "server=\"" s "\"") { v += $NF } END { print v + 0 }'
}

start=$(ms)
for _ in $(seq 100); do
  [ "$(state_of 198.18.2.1:5060)" = up ] && [ "$(state_of 198.18.2.2:5060)" = up ] &&
    [ "$(state_of 198.18.2.3:5060)" = up ] && break
  sleep 0.1
done
for s in 1 2 3; do [ "$(state_of 198.18.2.$s:5060)" = up ] || fail "server $s not up after 10 s"; done
ctl --json status >"$tmp/status.json" || fail "sipsteerctl status failed"
python3 -c "import json,sys; s=json.load(open('$tmp/status.json')); sys.exit(0 if s.get('dataplane_connected') else 1)" ||
  fail "sipsteerd is not connected to the dataplane: $(cat "$tmp/status.json")"
log "all servers up and published after $(( $(ms) - start )) ms"
sleep 2.5  # the dataplane ARPs for the servers once a second

uac() {  # uac NAME CALLS RATE PAUSE_MS -> writes NAME.csv
  set +e
  timeout 120 ip netns exec $cli sipp -sn uac 198.18.0.10:5060 -i 198.18.1.1 -p 5060 -mp 7000 \
    -m "$2" -r "$3" -d "$4" -recv_timeout 8000 -nostdin -trace_stat -stf "$tmp/$1.csv" >"$tmp/$1.log" 2>&1
  set -e
}
uac_result() {  # successful failed
  local cols
  cols=($(head -n 1 "$1" | tr ';' '\n' | grep -nxE 'SuccessfulCall\(C\)|FailedCall\(C\)' | cut -d: -f1))
  tail -n 1 "$1" | awk -F';' -v a="${cols[0]}" -v b="${cols[1]}" '{print $a, $b}'
}

# --- 1: distribution by weight, backup unused ----------------------------------------
calls=1200
log "phase 1: $calls calls at 150/s through the VIP"
uac spread $calls 150 0
read -r ok failed < <(uac_result "$tmp/spread.csv")
sleep 0.5  # one counters interval
n1=$(metric sipsteer_server_new_dialogs_total 198.18.2.1:5060)
n2=$(metric sipsteer_server_new_dialogs_total 198.18.2.2:5060)
n3=$(metric sipsteer_server_new_dialogs_total 198.18.2.3:5060)
log "calls successful=$ok failed=$failed; new dialogs s1=$n1 s2=$n2 (weights 1:2) backup s3=$n3"
[ "$ok" = "$calls" ] && [ "$failed" = 0 ] || fail "phase 1: $failed calls failed"
total=$((n1 + n2))
[ "$total" -ge "$calls" ] || fail "exporter shows $total dialogs for $calls calls"
share2=$(awk -v a="$n2" -v t="$total" 'BEGIN { printf "%.1f", 100 * a / t }')
log "weight-2 server share ${share2}% (weights say 66.7%)"
awk -v s="$share2" 'BEGIN { exit !(s >= 61.7 && s <= 71.7) }' || fail "share ${share2}% is not within 5 points of 66.7%"
[ "$n3" = 0 ] || fail "backup tier took $n3 dialogs while the primary tier was up"

# --- 2: the weight-2 server dies mid-run ------------------------------------------------
log "phase 2: 240 calls at 30/s, server 2 killed after ~3 s"
(uac during 240 30 0) &
during=$!
sleep 3
kill -9 "${uas_pid[2]}"
killed=$(ms)
log "server 2 (198.18.2.2) killed"
down_ms=""
for _ in $(seq 200); do
  st=$(state_of 198.18.2.2:5060)
  if [ -n "$st" ] && [ "$st" != up ]; then down_ms=$(( $(ms) - killed )); break; fi
  sleep 0.02
done
[ -n "$down_ms" ] || fail "sipsteerd never took server 2 out"
log "sipsteerd shows server 2 '$st' ${down_ms} ms after the kill (CLI polling, 20 ms grain)"
wait $during || true
read -r ok2 failed2 < <(uac_result "$tmp/during.csv")
icmp=$(metric sipsteer_server_icmp_unreachable_total 198.18.2.2:5060)
log "calls across the kill: successful=$ok2 failed=$failed2; validated ICMP from server 2: $icmp"
[ "$failed2" = 0 ] || fail "$failed2 calls failed across the kill"
log "PASS"

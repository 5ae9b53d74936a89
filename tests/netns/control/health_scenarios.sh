#!/usr/bin/env bash
# Control-plane scenarios, each a user story, in one network namespace of our
# own (198.18.10.x on the namespace's loopback; nothing leaves it):
#   three SIP servers (sipp, answering OPTIONS), dnsmasq (NAPTR/SRV/A for a
#   DNS-backed pool), sipsteerd, and a FAKE dataplane (sipsteer-fake-dp: a
#   real proto.h peer that records tables; it forwards no packets).
# Stories: a server process dies -> out within fall x interval (ICMP);
# a server hangs (blackhole: no reply, no ICMP) -> out within fall x interval
# + timeout; 503 + Retry-After -> out for that long; recovery after rise and
# hold; drain --wait; bad reload refused; restart keeps drain and re-syncs;
# /metrics shows it all. Prints measured times; exits non-zero on failure.
#   health_scenarios.sh SIPSTEERD SIPSTEERCTL FAKE_DP SCENARIO_DIR
set -euo pipefail
D=$1; C=$2; FDP=$3; S=$4
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespace)"; exit 0; }
ns=ctl$$
work=$(mktemp -d /tmp/sipsteer-ctl-XXXXXX)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- sipsteerd log (tail)"; tail -40 "$work/d.log"; exit 1; }
N() { ip netns exec "$ns" "$@"; }
ms() { date +%s%3N; }

ip netns add "$ns"
N ip link set lo up
for a in 1 11 12 13 53; do N ip addr add 198.18.10.$a/32 dev lo; done

start_sipp() {  # NAME ADDRESS SCENARIO
  # -bg forks, prints "PID=[n]" and exits 99 by design.
  local out pid
  out=$(N sipp -sf "$S/$3" -i "$2" -p 5060 -nostdin -bg </dev/null 2>&1 || true)
  pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' <<<"$out")
  [ -n "$pid" ] || fail "sipp $1 did not start: $out"
  eval "sipp_$1=$pid"
  pids+=("$pid")
}
start_sipp a 198.18.10.11 options_uas.xml
start_sipp b 198.18.10.12 options_uas.xml
start_sipp c 198.18.10.13 options_uas.xml

cat >"$work/dns.conf" <<EOT
no-resolv
no-hosts
bind-interfaces
listen-address=198.18.10.53
port=53
local=/lab.test/
local-ttl=5
naptr-record=lab.test,10,50,"s","SIP+D2U","","_sip._udp.lab.test"
srv-host=_sip._udp.lab.test,sip-a.lab.test,5060,10,60
srv-host=_sip._udp.lab.test,sip-b.lab.test,5060,10,40
srv-host=_sip._udp.lab.test,sip-c.lab.test,5060,20,10
host-record=sip-a.lab.test,198.18.10.11
host-record=sip-b.lab.test,198.18.10.12
host-record=sip-c.lab.test,198.18.10.13
EOT
ip netns exec "$ns" dnsmasq -k -C "$work/dns.conf" --pid-file= --user=root --log-facility="$work/dns.log" &
pids+=($!)
echo "0" >"$work/dialogs"
ip netns exec "$ns" "$FDP" "$work/dp.sock" "$work/dialogs" >"$work/dp.log" 2>&1 &
pids+=($!)

cat >"$work/sipsteer.yaml" <<EOT
control:
  api_socket: $work/api.sock
  state_file: $work/state.json
  metrics_listen: 198.18.10.1:9464
  probe_source: 198.18.10.1
  startup_grace: 3s
  counters_interval: 200ms
health:
  interval: 500ms
  timeout: 300ms
  rise: 2
  fall: 2
  dirty_host_ttl: 1s
  failback_hold: 1s
dns:
  servers: [198.18.10.53]
  ttl_min: 1s
pools:
  - name: static
    vips: [198.18.10.100:5060]
    servers:
      - {address: 198.18.10.11:5060, priority: 10, weight: 10}
      - {address: 198.18.10.12:5060, priority: 10, weight: 10}
      - {address: 198.18.10.13:5060, priority: 20, weight: 10}
  - name: dns
    vips: [198.18.10.101:5060]
    domain: lab.test
dataplane:
  control_socket: $work/dp.sock
EOT
"$D" --check-config "$work/sipsteer.yaml" >/dev/null || fail "good config refused"
start_daemon() {
  # Not through N(): $! must be the daemon itself (ip netns exec execs it).
  ip netns exec "$ns" "$D" -c "$work/sipsteer.yaml" >>"$work/d.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
}
start_daemon
ctl() { N "$C" -s "$work/api.sock" "$@"; }
state() {  # POOL ADDRESS -> state
  ctl --json servers --pool "$1" 2>/dev/null | python3 -c "
import json,sys
for s in json.load(sys.stdin):
    if s['address']=='$2': print(s['state']); break" 2>/dev/null || true
}
wait_state() {  # POOL ADDRESS STATE BOUND_MS -> prints elapsed ms
  local start=$(ms) now
  while :; do
    [ "$(state "$1" "$2")" = "$3" ] && { echo $(( $(ms) - start )); return 0; }
    now=$(ms)
    (( now - start > $4 )) && return 1
    sleep 0.02
  done
}
wait_not_up() {
  local start=$(ms) st
  while :; do
    st=$(state "$1" "$2")
    [ -n "$st" ] && [ "$st" != up ] && { echo $(( $(ms) - start )); return 0; }
    (( $(ms) - start > $3 )) && return 1
    sleep 0.02
  done
}

# When sipsteerd logged that SERVER (pool/addr) left UP, in epoch ms: the
# daemon's own clock, not our polling through the CLI.
logged_out_ms() {
  local line
  line=$(grep -m1 "server $1 up -> " "$work/d.log" | sed -n 's/^\[\([^]]*\)\].*/\1/p')
  [ -n "$line" ] && date -d "$line" +%s%3N
}

echo "== start-up: six servers (three static, three from DNS) come up"
for a in 11 12 13; do
  wait_state static 198.18.10.$a:5060 up 8000 >/dev/null || fail "static 198.18.10.$a not up"
  wait_state dns 198.18.10.$a:5060 up 8000 >/dev/null || fail "dns 198.18.10.$a not up"
done
sleep 0.5
gen=$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane_generation"])')
[ "$gen" -gt 0 ] || fail "the fake dataplane got no table"
echo "   ok: table generation $gen applied by the fake dataplane"
ctl status

echo "== a server process dies: ICMP port unreachable on its probes"
t0=$(ms); kill "$sipp_a"
wait_not_up static 198.18.10.11:5060 1500 >/dev/null || fail "dead server still up after 1.5 s"
t=$(( $(logged_out_ms static/198.18.10.11:5060) - t0 ))
echo "   detection after process death: ${t} ms (kill -> logged transition; bound: next probe <= interval x 1.2 = 600 ms, then fall probes answered by ICMP)"

echo "== a server hangs (blackhole: socket open, no reply, no ICMP)"
t0=$(ms); kill -STOP "$sipp_b"
wait_not_up static 198.18.10.12:5060 2500 >/dev/null || fail "hung server still up after 2.5 s"
t=$(( $(logged_out_ms static/198.18.10.12:5060) - t0 ))
echo "   detection of a blackholed server: ${t} ms (SIGSTOP -> logged transition; bound fall x interval x (1 + jitter) + timeout = 1500 ms)"
(( t <= 1600 )) || fail "blackhole detection $t ms is over the bound"
ctl servers --pool static

echo "== the tier-20 server takes new dialogs while tier 10 is out"
ctl --json explain "call-1@client" --pool static | grep -q '198.18.10.13:5060' || fail "explain does not pick the tier-20 server"
ctl explain "call-1@client" --pool static

echo "== 503 with Retry-After 6: out for that long"
start_sipp a2 198.18.10.11 options_503.xml
wait_state static 198.18.10.11:5060 dirty 3000 >/dev/null || fail "503 + Retry-After did not quarantine the server"
tdirty=$(ms)
ctl --json server static/198.18.10.11:5060 | grep -q '"last_status": 503' || fail "no 503 seen"
ctl --json server static/198.18.10.11:5060 | grep -q '"dirty_for_s": [56]\.' || fail "quarantine is not ~6 s"
kill "$sipp_a2"; sleep 0.2
start_sipp a3 198.18.10.11 options_uas.xml
wait_state static 198.18.10.11:5060 up 12000 >/dev/null || fail "server did not return after Retry-After"
t=$(( $(ms) - tdirty ))
echo "   out for ${t} ms after the 503 (Retry-After 6 s, then rise 2 x 500 ms + hold 1 s)"
(( t >= 6000 )) || fail "came back before Retry-After + rise + hold ($t ms)"

echo "== the hung server recovers: back after quarantine, rise and hold"
kill -CONT "$sipp_b"
t=$(wait_state static 198.18.10.12:5060 up 8000) || fail "recovered server not back"
echo "   hung server back ${t} ms after it resumed"

echo "== drain --wait returns when the dataplane reports no active dialogs"
ip netns exec "$ns" "$C" -s "$work/api.sock" events --follow -n 0 >"$work/events.txt" 2>&1 &
follower=$!
pids+=("$follower")
id=$(ctl --json server static/198.18.10.13:5060 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "$id 5" >"$work/dialogs"
sleep 0.5
set +e
ctl drain static/198.18.10.13:5060 --wait --deadline 1 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 6 ] || fail "drain --wait with 5 dialogs should time out with exit 6, got $rc"
[ "$(state static 198.18.10.13:5060)" = draining ] || fail "not draining"
( sleep 1; echo "$id 0" >"$work/dialogs" ) &
start=$(ms)
ctl drain static/198.18.10.13:5060 --wait --deadline 10 || fail "drain --wait did not return 0"
echo "   drain --wait returned $(( $(ms) - start )) ms after it was asked (dialogs reached 0 after ~1 s)"
sleep 0.2
grep -q "transition .*reason=admin_drain .*198.18.10.13:5060" "$work/events.txt" || fail "events --follow did not stream the drain"
kill "$follower" 2>/dev/null || true
echo "   ok: events --follow streamed: $(grep -m1 admin_drain "$work/events.txt")"

echo "== permissions: a non-root caller may read but not change"
if id nobody >/dev/null 2>&1; then
  chmod 0755 "$work"; chmod 0666 "$work/api.sock"
  set +e
  N setpriv --reuid=nobody --regid=nogroup --clear-groups "$C" -s "$work/api.sock" status >/dev/null 2>&1; r1=$?
  N setpriv --reuid=nobody --regid=nogroup --clear-groups "$C" -s "$work/api.sock" disable 198.18.10.11:5060 >/dev/null 2>&1; r2=$?
  set -e
  [ $r1 -eq 0 ] && [ $r2 -eq 5 ] || fail "permission check: status rc $r1 (want 0), disable rc $r2 (want 5)"
  echo "   ok: status allowed, disable refused with exit 5"
fi

echo "== a bad reload is refused with file:line:key; the running config stays"
cp "$work/sipsteer.yaml" "$work/good.yaml"
sed -i 's/  rise: 2/  rise: lots/' "$work/sipsteer.yaml"
set +e
out=$(ctl reload 2>&1); rc=$?
chk=$("$D" --check-config "$work/sipsteer.yaml" 2>&1); rc2=$?
set -e
[ $rc -eq 7 ] || fail "bad reload exit $rc, want 7"
[ $rc2 -eq 1 ] || fail "--check-config of a bad file exit $rc2, want 1"
echo "$out" | grep -q "sipsteer.yaml:[0-9]*:[0-9]*: health.rise: 'lots' is not a whole number" || fail "reload error lacks file:line:key: $out"
echo "   $(echo "$out" | tail -1)"
cp "$work/good.yaml" "$work/sipsteer.yaml"
ctl reload >/dev/null || fail "good reload refused"

echo "== /metrics shows it all"
N curl -sf http://198.18.10.1:9464/metrics >"$work/metrics" || fail "scrape failed"
for m in 'sipsteer_server_transitions_total{pool="static",reason="probe_icmp",server="198.18.10.11:5060"}' \
         'sipsteer_server_transitions_total{pool="static",reason="probe_timeout",server="198.18.10.12:5060"}' \
         'sipsteer_server_transitions_total{pool="static",reason="retry_after",server="198.18.10.11:5060"}' \
         'sipsteer_server_transitions_total{pool="static",reason="admin_drain",server="198.18.10.13:5060"}' \
         'sipsteer_probe_rtt_seconds_count{pool="static",server="198.18.10.13:5060"}' \
         'sipsteer_probes_failed_total{pool="static",reason="icmp",server="198.18.10.11:5060"}' \
         'sipsteer_dns_refreshes_total{pool="dns"}' \
         'sipsteer_table_publish_latency_seconds_count' \
         'sipsteer_config_reloads_total{result="refused"}' \
         'sipsteer_server_active_dialogs{pool="static",server="198.18.10.13:5060"}' \
         'sipsteer_dataplane_drops_total{reason="no_server"}'; do
  grep -qF "$m" "$work/metrics" || fail "metric missing: $m"
done
echo "   ok: transitions by reason, RTT histogram, failures, DNS, publish latency, reloads, dataplane counters"
grep -E '^sipsteer_(server_state\{pool="static".*state="(up|draining)"\} 1|table_publish_latency_seconds_(sum|count)|probe_rtt_seconds_(sum|count)\{pool="static",server="198.18.10.13)' "$work/metrics" | head -8

echo "== restart of sipsteerd: drain kept (state file), the dataplane re-synced"
before=$(grep -c "table .* applied" "$work/dp.log")
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true
start_daemon
wait_state static 198.18.10.13:5060 draining 6000 >/dev/null || fail "drain lost across restart"
sleep 1
after=$(grep -c "table .* applied" "$work/dp.log")
(( after > before )) || fail "no new table after restart"
echo "   ok: still draining after restart; dataplane got $((after - before)) new table(s)"
echo "PASS"

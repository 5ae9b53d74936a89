#!/usr/bin/env bash
# sipsteerd in xdp steer mode (no DPDK), end to end in namespaces of our own:
#   client ns (sipp UAC 198.18.1.1) --veth-- appliance ns (sipsteerd; xdp_steer
#   native on a0 198.18.1.254 and a1 198.18.2.254) --veth-- server ns (three
#   sipp UAS on 198.18.2.1 .2 .3 answering calls and OPTIONS).
# The far ends carry a pass-through XDP program: a veth delivers frames that
# XDP_TX/redirect into it only when its peer runs XDP (NAPI).
# Stories: sipsteerd probes the servers and publishes the table into BPF
# maps; calls to the VIP 198.18.0.10 spread over all three servers (NAT and
# un-NAT done by XDP); one server is killed: the ICMP errors XDP sees reach
# the ICMP policy, sipsteerd republishes, and new Call-IDs avoid the dead
# server (every call of the next batch succeeds on the other two); SIGTERM
# detaches the programs. Prints the measured figures.
#   xdp_steer_scenario.sh SIPSTEERD SIPSTEERCTL XDP_PASS_OBJ SCENARIO_DIR LAB_DIR (deploy/lab: the UAS scenario)
set -euo pipefail
D=$1; C=$2; PASS=$3; S=$4; UAS_DIR=$5
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces, BPF)"; exit 0; }
for t in sipp jq curl; do command -v $t >/dev/null || { echo "$t missing"; exit 1; }; done
[ -f "$UAS_DIR/uas_calls_and_options.xml" ] || { echo "FAIL: no UAS scenario in $UAS_DIR"; exit 1; }
id=$$
app=xsapp$id; cli=xscli$id; srv=xssrv$id
work=$(mktemp -d /tmp/sipsteer-xdp-XXXXXX)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for n in $app $cli $srv; do ip netns del "$n" 2>/dev/null; done
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[$(date +%T.%3N)] xdp-steer: $*"; }  # tests/run.sh prints these lines
fail() { echo "FAIL: $*"; echo "--- sipsteerd log (tail)"; tail -40 "$work/d.log"; exit 1; }
ms() { date +%s%3N; }
A() { ip netns exec $app "$@"; }

# --- lab -----------------------------------------------------------------------------
for n in $app $cli $srv; do ip netns add $n; ip -n $n link set lo up; done
ip -n $app link add a0 type veth peer name c1 netns $cli
ip -n $app link add a1 type veth peer name s1 netns $srv
ip -n $app addr add 198.18.1.254/24 dev a0
ip -n $app addr add 198.18.2.254/24 dev a1
ip -n $app link set a0 up
ip -n $app link set a1 up
A sysctl -qw net.ipv4.ip_forward=1   # bpf_fib_lookup answers only where forwarding is on
ip -n $cli addr add 198.18.1.1/24 dev c1
for i in 1 2 3; do ip -n $srv addr add 198.18.2.$i/24 dev s1; done
for pair in "$cli c1 198.18.1.254" "$srv s1 198.18.2.254"; do
  set -- $pair
  ip -n $1 link set $2 up
  ip -n $1 route add default via $3
  # Veth leaves UDP checksums to offload (CHECKSUM_PARTIAL), which XDP never
  # completes; a real NIC's peer sends them whole.
  ip netns exec $1 ethtool -K $2 tx off >/dev/null
  ip -n $1 link set dev $2 xdpdrv obj "$PASS" sec xdp
done
A ping -c1 -W2 198.18.1.1 >/dev/null || fail "client unreachable from the appliance"

# --- servers and sipsteerd -------------------------------------------------------------
uas_pid=()
for i in 1 2 3; do
  ip netns exec $srv sipp -sf "$UAS_DIR/uas_calls_and_options.xml" -i 198.18.2.$i -p 5060 -mp $((6000 + 10 * i)) \
    -nostdin -trace_msg -message_file "$work/uas$i.msg" >"$work/uas$i.log" 2>&1 &
  uas_pid[$i]=$!
  pids+=($!)
done
mkdir -p "$work/bpf"
cat >"$work/sipsteer.yaml" <<EOT
control:
  api_socket: $work/api.sock
  state_file: $work/state.json
  metrics_listen: 198.18.1.254:9464
  probe_source: 198.18.2.254
  hash_key: 000102030405060708090a0b0c0d0e0f
  startup_grace: 3s
  counters_interval: 200ms
health:
  interval: 1s
  timeout: 500ms
  rise: 1
  fall: 2
  dirty_host_ttl: 2s
  failback_hold: 0s
pools:
  - name: core
    vips: [198.18.0.10:5060]
    mode: nat
    ring_size: 251
    servers: [198.18.2.1:5060, 198.18.2.2:5060, 198.18.2.3:5060]
xdp:
  mode: steer
  interfaces: [a0, a1]
  attach: native
  pin_root: $work/bpf
  table_bytes: 65536        # memlock is small here
  max_servers: 64
  max_dialogs: 4096
  event_ring_bytes: 8192
EOT
"$D" --check-config "$work/sipsteer.yaml" >"$work/check.log" 2>&1 || fail "config refused: $(cat "$work/check.log")"
# A bpffs private to sipsteerd's mount namespace (ip netns exec makes one).
ip netns exec $app sh -c "mount -t bpf bpf '$work/bpf' && exec '$D' -c '$work/sipsteer.yaml'" >"$work/d.log" 2>&1 &
daemon=$!
pids+=($daemon)

ctl() { A "$C" -s "$work/api.sock" "$@"; }
# jq, not python: the loops poll every 20 ms and python starts in ~0.5 s here.
state_of() { ctl --json servers --pool core 2>/dev/null | jq -r --arg a "$1" '.[] | select(.address == $a) | .state' 2>/dev/null || true; }
status_field() { ctl --json status 2>/dev/null | jq -r --arg k "$1" '.[$k]' 2>/dev/null || true; }
metric() {  # NAME [LABEL_FILTER] -> value summed over matching series
  A curl -s --max-time 2 "http://198.18.1.254:9464/metrics" 2>/dev/null |
    awk -v n="$1" -v f="${2:-}" '(index($0, n "{") == 1 || index($0, n " ") == 1) && index($0, f) { v += $NF } END { print v + 0 }'
}
callids() {  # distinct UAC Call-IDs a server has seen
  grep -ah '^Call-ID: .*@198.18.1.1' "$work/uas$1.msg" 2>/dev/null | sort -u | wc -l
}
uac() {  # NAME CALLS RATE -> NAME.csv
  set +e
  timeout 120 ip netns exec $cli sipp -sn uac 198.18.0.10:5060 -i 198.18.1.1 -p 5060 -mp 7000 \
    -m "$2" -r "$3" -d 0 -recv_timeout 8000 -nostdin -trace_stat -stf "$work/$1.csv" >"$work/$1.log" 2>&1
  set -e
}
uac_result() {  # -> "successful failed"
  local cols
  cols=($(head -n 1 "$1" | tr ';' '\n' | grep -nxE 'SuccessfulCall\(C\)|FailedCall\(C\)' | cut -d: -f1))
  tail -n 1 "$1" | awk -F';' -v a="${cols[0]}" -v b="${cols[1]}" '{print $a, $b}'
}

start=$(ms)
for _ in $(seq 100); do
  [ "$(state_of 198.18.2.1:5060)" = up ] && [ "$(state_of 198.18.2.2:5060)" = up ] &&
    [ "$(state_of 198.18.2.3:5060)" = up ] && break
  kill -0 $daemon 2>/dev/null || fail "sipsteerd exited"
  sleep 0.1
done
for s in 1 2 3; do [ "$(state_of 198.18.2.$s:5060)" = up ] || fail "server $s not up after 10 s"; done
for _ in $(seq 50); do [ "$(status_field dataplane_generation)" != 0 ] && break; sleep 0.1; done
gen1=$(status_field dataplane_generation)
[ "$gen1" != 0 ] || fail "no table applied to xdp_steer"
A ip link show dev a0 2>/dev/null | grep -q 'prog/xdp' || fail "xdp_steer not attached to a0"
log "servers up, table $gen1 in the BPF maps after $(( $(ms) - start )) ms ($(status_field xdp))"

# --- 1: calls spread over the three servers, steered by XDP ---------------------------
calls=150
uac spread $calls 50
read -r ok failed < <(uac_result "$work/spread.csv")
n1=$(callids 1); n2=$(callids 2); n3=$(callids 3)
sleep 0.5  # one counters interval
nat=$(metric sipsteer_xdp_steered_nat_total); unnat=$(metric sipsteer_xdp_unnated_total)
drops=$(metric sipsteer_xdp_drops_total)
log "phase 1: calls successful=$ok failed=$failed; Call-IDs per server $n1/$n2/$n3; xdp steered_nat=$nat unnated=$unnat drops=$drops"
[ "$ok" = $calls ] && [ "$failed" = 0 ] || fail "phase 1: $failed calls failed"
[ $((n1 + n2 + n3)) = $calls ] || fail "servers saw $((n1 + n2 + n3)) Call-IDs for $calls calls"
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && [ "$n3" -gt 0 ] || fail "a server got no call: $n1/$n2/$n3"
[ "$nat" -ge $((3 * calls)) ] || fail "sipsteer_xdp_steered_nat_total $nat < INVITE+ACK+BYE of $calls calls"
# Each call draws two responses through un-NAT: 200 to INVITE, 200 to BYE
# (the lab UAS sends no 180; see deploy/lab/uas_calls_and_options.xml).
[ "$unnat" -ge $((2 * calls)) ] || fail "sipsteer_xdp_unnated_total $unnat < 2 responses (200 INVITE, 200 BYE) x $calls calls"

# --- 2: server 2 dies ---------------------------------------------------------------
cid=""
for k in $(seq 1 200); do
  if ctl --json explain "dead-$k" --pool core 2>/dev/null | grep -q '198.18.2.2:5060'; then cid="dead-$k"; break; fi
done
[ -n "$cid" ] || fail "no Call-ID of 200 maps to server 2"
kill -9 "${uas_pid[2]}"
killed=$(ms)
wait "${uas_pid[2]}" 2>/dev/null || true  # reaped here: no "Killed" noise from bash
# Requests for a dialog of server 2 while the table still names it: its
# kernel answers port unreachable, which passes the appliance's XDP.
ip netns exec $cli /usr/bin/python3 - "$cid" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.1", 5070))
for n in range(40):
    msg = ("OPTIONS sip:svc@198.18.0.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.1.1:5070;branch=z9hG4bK-x%d\r\n"
           "From: <sip:t@198.18.1.1>;tag=1\r\nTo: <sip:svc@198.18.0.10>\r\nCall-ID: %s\r\n"
           "CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (n, sys.argv[1], n + 1)
    s.sendto(msg.encode(), ("198.18.0.10", 5060))
    time.sleep(0.05)
PY
sender=$!
pids+=($sender)
out_ms=""
for _ in $(seq 400); do
  st=$(state_of 198.18.2.2:5060)
  if [ -n "$st" ] && [ "$st" != up ]; then out_ms=$(( $(ms) - killed )); break; fi
  sleep 0.02
done
[ -n "$out_ms" ] || fail "sipsteerd never took server 2 out"
gen2=""
for _ in $(seq 100); do
  g=$(status_field dataplane_generation)
  [ "$g" != "$gen1" ] && { gen2=$g; break; }
  sleep 0.02
done
[ -n "$gen2" ] || fail "no new table in xdp_steer after server 2 went out"
repub_ms=$(( $(ms) - killed ))
wait $sender 2>/dev/null || true
sleep 0.5
xdp_icmp=$(metric sipsteer_icmp_signals_total 'source="xdp"')
xdp_acc=$(metric sipsteer_icmp_signals_total 'source="xdp",verdict="accepted"')
events=$(metric sipsteer_xdp_icmp_events_total)
reason=$(ctl --json events -n 50 2>/dev/null |
  jq -r '[.[] | select(.type == "transition" and .from == "up" and (.server | contains("198.18.2.2")))][0].reason' 2>/dev/null || true)
log "phase 2: server 2 killed; '$st' after ${out_ms} ms (reason $reason), table $gen1 -> $gen2 applied by ${repub_ms} ms (CLI polling, 20 ms grain)"
log "phase 2: ICMP events from xdp_steer=$events; judged by the ICMP policy: $xdp_icmp (accepted $xdp_acc)"
# Both the client's requests and sipsteerd's own probes draw port
# unreachable from the dead server; either crosses a1, where xdp_steer turns
# it into an event (the probe socket also sees its own, as source probe_socket).
[ "$events" -gt 0 ] || fail "xdp_steer wrote no ICMP event for the dead server's port unreachable"
[ "$xdp_icmp" -gt 0 ] || fail "XDP ICMP events did not reach the ICMP policy"
ctl --json explain "$cid" --pool core | grep -q '198.18.2.2:5060' && fail "explain still sends $cid to the dead server"

# --- 3: new Call-IDs avoid the dead server -----------------------------------------------
b1=$(callids 1); b3=$(callids 3)
uac after $calls 50
read -r ok3 failed3 < <(uac_result "$work/after.csv")
a1=$(( $(callids 1) - b1 )); a3=$(( $(callids 3) - b3 ))
log "phase 3: calls successful=$ok3 failed=$failed3; new Call-IDs on server 1=$a1 server 3=$a3"
[ "$ok3" = $calls ] && [ "$failed3" = 0 ] || fail "phase 3: $failed3 calls failed after the republish"
[ $((a1 + a3)) = $calls ] || fail "the live servers saw $((a1 + a3)) new Call-IDs for $calls calls"

# --- 4: clean stop ---------------------------------------------------------------------
kill -TERM $daemon
for _ in $(seq 50); do kill -0 $daemon 2>/dev/null || break; sleep 0.1; done
kill -0 $daemon 2>/dev/null && fail "sipsteerd did not stop on SIGTERM"
for dev in a0 a1; do
  A ip link show dev $dev 2>/dev/null | grep -q 'prog/xdp' && fail "xdp_steer still attached to $dev after stop"
done
grep -q "xdp: detached" "$work/d.log" || fail "no detach logged"
log "phase 4: SIGTERM: xdp_steer detached from a0 and a1"
log "PASS"

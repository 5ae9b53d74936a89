# shellcheck shell=bash
# The sipsteer virtual lab, shared by ./deploy/demo.sh and the appliance
# scenarios in tests/netns/appliance/. Source it, set the binaries, call:
#
#   lab_init PREFIX           namespaces PREFIX-cli, PREFIX-app, PREFIX-srv; work dir; trap
#   lab_up                    lab_network .. lab_wait_all_up below, in order (dnsmasq for a DNS pool)
#   lab_network               veths and addresses (below)
#   lab_start_servers         three sipp SIP servers  -> lab_uas_pid[1..3]
#   lab_start_dns             dnsmasq with NAPTR/SRV/A for lab.test (lab_dns_records)
#   lab_write_config          $lab_dir/sipsteer.yaml from the lab_* knobs below
#   lab_start_dataplane / lab_start_control / lab_wait_all_up
#   lab_ctl ARGS...           sipsteerctl against the lab's API socket
#   lab_status_field FIELD    a field of sipsteerctl status, "" if sipsteerd does not answer
#   lab_server_field ADDR F   a field of a server in the pool, "" if unknown
#   lab_state ADDR            state of a server in the pool, "" if unknown
#   lab_wait_state ADDR STATE MS / lab_wait_not_up ADDR MS   -> prints elapsed ms
#   lab_metric NAME [SERVER]  sum of an exporter series (optionally one server's)
#   lab_uac NAME CALLS RATE [PAUSE_MS] [sipp args...]   -> $lab_dir/NAME.csv
#   lab_uac_result NAME       "successful failed" from that csv
#   lab_stat NAME COLUMN      last per-second value of a sipp statistics column in NAME.csv
#   lab_fail MSG / lab_fail_with_drops MSG   fail with the logs (and the drop counters)
#
#   PREFIX-cli  sipp UAC 198.18.1.1 --veth-- PREFIX-app: sipsteer-dp (net_af_packet,
#               VIP 198.18.0.10:5060; ports dpc 198.18.1.254, dps 198.18.2.254),
#               sipsteerd (management veth 198.18.3.1, metrics :9464) --veth--
#   PREFIX-srv  sipp UAS 198.18.2.1 .2 .3 (:5060), dnsmasq on 198.18.3.2:53
#
# Binaries: LAB_DP, LAB_D, LAB_CTL (paths; lab_story_args "$@" sets them). Everything the lab starts is
# tracked by PID and stopped on exit; the namespaces are deleted.

lab_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Knobs a scenario may change before lab_write_config.
lab_pool_source=static        # static | dns
lab_mode=nat
lab_retry_after=5s
lab_interval=500ms lab_timeout=300ms lab_rise=2 lab_fall=2
lab_dirty_ttl=2s lab_failback_hold=1s
lab_weights=(0 1 2 1)          # server i's weight (index 0 unused)
lab_priorities=(0 10 10 20)    # server i's priority: 1 and 2 primary, 3 backup
lab_uas_stats=0                # 1: servers write sipp per-second statistics to uasI.csv

# lab_story_args SIPSTEER_DP SIPSTEERD SIPSTEERCTL: a story's binaries; skips (77) unless root, fails without sipp.
lab_story_args() {
  LAB_DP=$1 LAB_D=$2 LAB_CTL=$3
  [ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
  command -v sipp >/dev/null || { echo "sipp missing"; exit 1; }
}

lab_log() { echo "[$(date +%T.%3N)] $*"; }
lab_ms() { date +%s%3N; }
lab_fail() {
  echo "FAIL: $*"
  lab_keep_logs=1
  local f
  for f in "$lab_dir"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 25 "$f"; }; done
  exit 1
}
# lab_fail, after the dataplane's non-zero drop counters, which tell lost calls from late ones.
lab_fail_with_drops() {
  lab_metrics | grep -E "^sipsteer_dataplane_drops_total|^sipsteer_server_unanswered" | grep -v " 0$" || true
  lab_fail "$@"
}

lab_init() {
  lab_prefix=$1
  lab_cli=$1-cli lab_app=$1-app lab_srv=$1-srv
  lab_id=$$
  lab_dir=$(mktemp -d "/tmp/sipsteer-$1.XXXXXX")
  lab_pids=()
  lab_uas_pid=()
  lab_keep_logs=${KEEP_LOGS:-0}
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM
}

lab_cleanup() {
  set +e
  local p ns
  for p in "${lab_pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${lab_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in $lab_cli $lab_app $lab_srv; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "/var/run/dpdk/lab$lab_id"
  if [ "$lab_keep_logs" = 1 ]; then echo "logs kept in $lab_dir"; else rm -rf "$lab_dir"; fi
}

lab_track() { lab_pids+=("$@"); }

lab_network() {
  local ns i id=$lab_id
  for ns in $lab_cli $lab_app $lab_srv; do
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip link add c0l$id type veth peer name dpcl$id
  ip link add s0l$id type veth peer name dpsl$id
  ip link add m0l$id type veth peer name mgl$id
  ip link set c0l$id netns "$lab_cli" name c0
  ip link set dpcl$id netns "$lab_app" name dpc
  ip link set s0l$id netns "$lab_srv" name s0
  ip link set dpsl$id netns "$lab_app" name dps
  ip link set mgl$id netns "$lab_app" name mgmt
  ip link set m0l$id netns "$lab_srv" name mgmt
  # The dataplane owns dpc/dps: the kernel must not answer or route on them.
  for i in dpc dps; do
    ip netns exec "$lab_app" sysctl -qw net.ipv6.conf.$i.disable_ipv6=1
    ip -n "$lab_app" link set $i up
  done
  ip -n "$lab_app" addr add 198.18.3.1/24 dev mgmt
  ip -n "$lab_app" link set mgmt up
  ip -n "$lab_app" route add 198.18.2.0/24 via 198.18.3.2
  ip -n "$lab_srv" addr add 198.18.3.2/24 dev mgmt
  ip -n "$lab_srv" link set mgmt up
  ip -n "$lab_cli" addr add 198.18.1.1/24 dev c0
  ip -n "$lab_cli" link set c0 up
  ip -n "$lab_cli" route add 198.18.0.10/32 dev c0
  for i in 1 2 3; do ip -n "$lab_srv" addr add 198.18.2.$i/24 dev s0; done
  ip -n "$lab_srv" link set s0 up
  ip -n "$lab_srv" route add 198.18.1.0/24 via 198.18.2.254
  # A dead server's port-unreachable must not be rate-limited away: it is
  # the signal that moves calls in milliseconds.
  ip netns exec "$lab_srv" sysctl -qw net.ipv4.icmp_ratelimit=0
  # veth hands over packets with partial checksums; sipp and the
  # dataplane need them whole.
  ip netns exec "$lab_cli" ethtool -K c0 tx off >/dev/null
  ip netns exec "$lab_srv" ethtool -K s0 tx off >/dev/null
}

# lab_start_server I [SCENARIO_XML]: sipp UAS on 198.18.2.I:5060.
lab_start_server() {
  local i=$1 sf=${2:-$lab_here/uas_calls_and_options.xml} stats=()
  if [ "$lab_uas_stats" = 1 ]; then stats=(-trace_stat -fd 1 -stf "$lab_dir/uas$i.csv"); fi
  ip netns exec "$lab_srv" sipp -sf "$sf" -i 198.18.2.$i -p 5060 -mp $((6000 + 10 * i)) -nostdin "${stats[@]}" \
    >>"$lab_dir/uas$i.log" 2>&1 &
  lab_uas_pid[$i]=$!
  lab_track $!
}
lab_start_servers() { local i; for i in 1 2 3; do lab_start_server $i; done; }

# NAPTR -> SRV -> A for lab.test: the servers listed in lab_dns_servers,
# with their priorities and weights. A scenario changes the list (then
# lab_restart_dns) to add or remove SRV targets.
lab_dns_servers=(1 2 3)
lab_dns_records() {
  local i
  echo 'naptr-record=lab.test,10,50,"s","SIP+D2U","","_sip._udp.lab.test"'
  for i in "${lab_dns_servers[@]}"; do
    echo "srv-host=_sip._udp.lab.test,sip$i.lab.test,5060,${lab_priorities[$i]},${lab_weights[$i]}"
    echo "host-record=sip$i.lab.test,198.18.2.$i"
  done
}
lab_start_dns() {
  {
    echo "no-resolv"; echo "no-hosts"; echo "bind-interfaces"
    echo "listen-address=198.18.3.2"; echo "port=53"
    echo "local=/lab.test/"; echo "local-ttl=${lab_dns_ttl:-5}"
    lab_dns_records
  } >"$lab_dir/dns.conf"
  ip netns exec "$lab_srv" dnsmasq -k -C "$lab_dir/dns.conf" --pid-file= --user=root \
    --log-facility="$lab_dir/dns.log" &
  lab_dns_pid=$!
  lab_track $!
}
# Records changed: dnsmasq reads srv-host only at start, so restart it.
# sipsteerd serves the last good answer meanwhile.
lab_restart_dns() {
  kill "$lab_dns_pid" 2>/dev/null; wait "$lab_dns_pid" 2>/dev/null
  lab_start_dns
}

lab_pool_yaml() {
  local i
  echo "  - name: core"
  echo "    vips: [\"198.18.0.10:5060\"]"
  echo "    mode: $lab_mode"
  echo "    retry_after: $lab_retry_after"
  if [ "$lab_pool_source" = dns ]; then
    echo "    domain: lab.test"
  else
    echo "    servers:"
    for i in 1 2 3; do
      echo "      - {address: \"198.18.2.$i:5060\", priority: ${lab_priorities[$i]}, weight: ${lab_weights[$i]}}"
    done
  fi
}

lab_write_config() {
  lab_config=$lab_dir/sipsteer.yaml
  cat >"$lab_config" <<YAML
# Written by deploy/lab/lab.sh for the lab in namespaces $lab_prefix-*.
control:
  api_socket: $lab_dir/api.sock
  state_file: $lab_dir/state.json
  metrics_listen: 198.18.3.1:9464
  probe_source: 198.18.3.1
  startup_grace: 3s
  counters_interval: 200ms
health:
  interval: $lab_interval
  timeout: $lab_timeout
  rise: $lab_rise
  fall: $lab_fall
  dirty_host_ttl: $lab_dirty_ttl
  failback_hold: $lab_failback_hold
dns:
  servers: [198.18.3.2]
  ttl_min: 1s
pools:
$(lab_pool_yaml)
dataplane:
  eal_args: [--no-huge, --no-pci, -m, "256", "--lcores=0@0,1@1", --no-shconf,
             --file-prefix=lab$lab_id, --log-level=error, --no-telemetry]
  workers: 1
  idle_polls: 32
  idle_backoff_us: 200
  affinity: {max_dialogs: 65536, idle_timeout_s: 7200, after_bye_s: 32}
  control_socket: $lab_dir/dp.sock
  ports:
    - {name: outside, device: "net_af_packet0,iface=dpc", role: client, ipv4: 198.18.1.254/24}
    - {name: inside, device: "net_af_packet1,iface=dps", role: server, ipv4: 198.18.2.254/24}
YAML
  "$LAB_D" --check-config "$lab_config" >"$lab_dir/check.log" 2>&1 ||
    lab_fail "config refused: $(cat "$lab_dir/check.log")"
}

lab_start_dataplane() {
  ip netns exec "$lab_app" "$LAB_DP" --config "$lab_config" >>"$lab_dir/dp.log" 2>&1 &
  lab_dp_pid=$!
  lab_track $!
  local _
  for _ in $(seq 50); do [ -S "$lab_dir/dp.sock" ] && return 0; sleep 0.2; done
  lab_fail "sipsteer-dp did not open its control socket"
}

lab_start_control() {
  # Not through a function: $! must be the daemon itself (ip netns exec execs it).
  ip netns exec "$lab_app" "$LAB_D" -c "$lab_config" >>"$lab_dir/sipsteerd.log" 2>&1 &
  lab_d_pid=$!
  lab_track $!
  lab_d_started=$(lab_ms)
}

lab_ctl() { "$LAB_CTL" -s "$lab_dir/api.sock" "$@"; }

lab_status_field() {  # FIELD -> value from sipsteerctl --json status, "" if it does not answer
  lab_ctl --json status 2>/dev/null | python3 -c "
import json,sys
v=json.load(sys.stdin).get('$1')
print(str(v).lower() if isinstance(v,bool) else v)" 2>/dev/null || true
}
lab_server_field() {  # ADDRESS FIELD -> value from sipsteerctl --json servers of pool core
  lab_ctl --json servers --pool core 2>/dev/null | python3 -c "
import json,sys
for s in json.load(sys.stdin):
    if s['address']=='$1': print(s.get('$2','')); break" 2>/dev/null || true
}
lab_state() { lab_server_field "$1" state; }  # ADDRESS -> up, down, draining, ...
lab_wait_state() {
  local start now
  start=$(lab_ms)
  while :; do
    [ "$(lab_state "$1")" = "$2" ] && { echo $(( $(lab_ms) - start )); return 0; }
    now=$(lab_ms)
    (( now - start > $3 )) && return 1
    sleep 0.02
  done
}
lab_wait_not_up() {
  local start st
  start=$(lab_ms)
  while :; do
    st=$(lab_state "$1")
    [ -n "$st" ] && [ "$st" != up ] && { echo $(( $(lab_ms) - start )); return 0; }
    (( $(lab_ms) - start > $2 )) && return 1
    sleep 0.02
  done
}

# Waits until sipsteerd sees every server up and has published to the
# dataplane, then lets the dataplane resolve the servers' MACs.
lab_wait_all_up() {
  local i _ ok
  for _ in $(seq 150); do
    ok=1
    for i in 1 2 3; do [ "$(lab_state 198.18.2.$i:5060)" = up ] || ok=0; done
    [ $ok = 1 ] && break
    sleep 0.1
  done
  for i in 1 2 3; do [ "$(lab_state 198.18.2.$i:5060)" = up ] || lab_fail "server $i not up after 15 s"; done
  lab_ctl --json status >"$lab_dir/status.json" || lab_fail "sipsteerctl status failed"
  python3 -c "import json,sys; s=json.load(open('$lab_dir/status.json')); sys.exit(0 if s.get('dataplane_connected') else 1)" ||
    lab_fail "sipsteerd is not connected to the dataplane: $(cat "$lab_dir/status.json")"
  sleep 2.5  # the dataplane ARPs for the servers once a second
}

# The lab from lab_init to every server up and published; dnsmasq when the
# pool comes from DNS. Time since sipsteerd started: lab_ms - lab_d_started.
lab_up() {
  lab_network
  lab_start_servers
  if [ "$lab_pool_source" = dns ]; then lab_start_dns; fi
  lab_write_config
  lab_start_dataplane
  lab_start_control
  lab_wait_all_up
}

lab_metrics() { ip netns exec "$lab_app" curl -s --max-time 2 "http://198.18.3.1:9464/metrics" 2>/dev/null; }
lab_metric() {  # NAME [SERVER_ADDRESS] -> value summed over matching series
  lab_metrics | awk -v n="$1" -v s="${2:-}" '
    (index($0, n "{") == 1 || index($0, n " ") == 1) && (s == "" || index($0, "server=\"" s "\"")) { v += $NF }
    END { printf "%d\n", v + 0 }'
}

lab_uac() {  # NAME CALLS RATE [PAUSE_MS] [extra sipp args...] -> NAME.csv, NAME.log
  local name=$1 calls=$2 rate=$3 pause=${4:-0}
  shift 4 2>/dev/null || shift $#
  set +e
  timeout 300 ip netns exec "$lab_cli" sipp -sn uac 198.18.0.10:5060 -i 198.18.1.1 -p 5060 -mp 7000 \
    -m "$calls" -r "$rate" -d "$pause" -recv_timeout 8000 -nostdin -trace_stat -fd 1 \
    -stf "$lab_dir/$name.csv" "$@" >"$lab_dir/$name.log" 2>&1
  set -e
}
lab_uac_result() {  # NAME -> "successful failed"
  local f=$lab_dir/$1.csv cols
  [ -f "$f" ] || { echo "0 0"; return; }
  cols=($(head -n 1 "$f" | tr ';' '\n' | grep -nxE 'SuccessfulCall\(C\)|FailedCall\(C\)' | cut -d: -f1))
  tail -n 1 "$f" | awk -F';' -v a="${cols[0]}" -v b="${cols[1]}" '{print $a, $b}'
}
lab_stat() {  # NAME COLUMN -> last per-second value in sipp's statistics NAME.csv, 0 before its first row
  local f=$lab_dir/$1.csv col
  [ -s "$f" ] || { echo 0; return; }
  col=$(head -n 1 "$f" | tr ';' '\n' | grep -nx "$2" | cut -d: -f1)
  tail -n 1 "$f" | awk -F';' -v c="$col" '{print $c + 0}'
}

# --- stories1 (issue #6 scenarios) ---------------------------------------------
# lab_set_after_bye S: how long the dataplane keeps a dialog's affinity entry
# after its BYE (after_bye_s; lab_write_config writes 32). The entries count
# as the server's active dialogs, so a drain --wait story lowers it to see
# drain finish in seconds. Call after lab_write_config.
lab_set_after_bye() {
  sed -i "s/after_bye_s: [0-9]*/after_bye_s: $1/" "$lab_config"
  "$LAB_D" --check-config "$lab_config" >"$lab_dir/check.log" 2>&1 ||
    lab_fail "config refused: $(cat "$lab_dir/check.log")"
}

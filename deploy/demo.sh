#!/usr/bin/env bash
# sipsteer in a virtual lab: the README's first command.
#
# Installs the Debian packages (deploy/install-deps.sh), builds the three
# programs, starts a lab in network namespaces on this machine (phones, the
# sipsteer appliance, three SIP servers, a DNS server), sends calls through
# it, kills one SIP server in the middle, brings it back, and shows what
# happens once a second. Ends with a summary and a verdict; exits non-zero
# if a call failed. The lab is deploy/lab/lab.sh.
#
#   ./deploy/demo.sh                   install, build, run (about 75 s)
#   ./deploy/demo.sh --keep            same, then leave the lab up to explore
#   ./deploy/demo.sh --down            take down a lab left by --keep
#
# Environment: LAB_DP, LAB_D, LAB_CTL (paths of sipsteer-dp, sipsteerd,
# sipsteerctl; setting all three skips the build), SIPSTEER_DEMO_PREFIX
# (namespace prefix, default sipsteer-demo), SIPSTEER_BUILD_JOBS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${SIPSTEER_DEMO_PREFIX:-sipsteer-demo}
state_file=/run/$prefix.state

usage() {
  cat <<EOF
Usage: ./deploy/demo.sh [--duration SECONDS] [--keep] [--no-install] [--no-build]
       ./deploy/demo.sh --down

Runs sipsteer, a SIP load balancer, in a virtual lab on this machine
(Linux network namespaces; nothing leaves the machine), sends calls through
it, kills one SIP server in the middle and brings it back.

  --duration SECONDS  length of the call load, 20..600 (default 75)
  --keep              leave the lab running afterwards, to explore it
  --down              stop a lab left running by --keep
  --no-install        skip deploy/install-deps.sh (Debian packages)
  --no-build          use the programs already built in build/release
  -h, --help          this text

Must run as root (it creates network namespaces). Environment: LAB_DP,
LAB_D, LAB_CTL = paths of sipsteer-dp, sipsteerd, sipsteerctl (all three
set: no build); SIPSTEER_DEMO_PREFIX = namespace prefix (default
sipsteer-demo); SIPSTEER_BUILD_JOBS = parallel build jobs (default: CPUs).
EOF
}

duration=75 keep=0 down=0 install=1 build=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) [ $# -ge 2 ] || { echo "demo.sh: --duration needs a number of seconds" >&2; exit 2; }
                duration=$2; shift ;;
    --duration=*) duration=${1#*=} ;;
    --keep) keep=1 ;;
    --down) down=1 ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $duration =~ ^[0-9]+$ ]] && [ "$duration" -ge 20 ] && [ "$duration" -le 600 ] ||
  { echo "demo.sh: --duration must be a whole number of seconds from 20 to 600" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: please run as root: the lab creates network namespaces" >&2; exit 1; }

# --- the state file: what a lab left running consists of -------------------------------
# Shell assignments: demo_pids, demo_netns, demo_dir, demo_dpdk, demo_started.

# PIDs are only killed while they still run one of the lab's programs, so a
# recycled PID is never hit.
lab_program_running() {
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  case $comm in sipp|dnsmasq|sipsteer-dp|sipsteerd|dpdk-*|rte-*|eal-*) return 0 ;; esac
  return 1
}
demo_is_up() {  # true if the state file names a live process or namespace
  [ -f "$state_file" ] || return 1
  local demo_pids="" demo_netns="" p ns
  # shellcheck disable=SC1090  # the state file this script wrote
  . "$state_file"
  for p in $demo_pids; do lab_program_running "$p" && return 0; done
  for ns in $demo_netns; do [ -e "/run/netns/$ns" ] && return 0; done
  return 1
}

take_down() {
  local demo_pids="" demo_netns="" demo_dir="" demo_dpdk="" demo_started="" p ns alive=()
  if [ -f "$state_file" ]; then
    # shellcheck disable=SC1090
    . "$state_file"
  else
    demo_netns="$prefix-cli $prefix-app $prefix-srv"
  fi
  # The recorded PIDs, and whatever else still runs inside the lab's
  # namespaces (a demo killed before it could record everything).
  for ns in $demo_netns; do
    [ -e "/run/netns/$ns" ] && demo_pids="$demo_pids $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
  done
  for p in $(tr ' ' '\n' <<<"$demo_pids" | sort -un); do
    lab_program_running "$p" && { alive+=("$p"); kill "$p" 2>/dev/null || true; }
  done
  sleep 0.5
  for p in "${alive[@]}"; do lab_program_running "$p" && kill -9 "$p" 2>/dev/null || true; done
  local gone=0
  for ns in $demo_netns; do [ -e "/run/netns/$ns" ] && { ip netns del "$ns"; gone=$((gone + 1)); }; done
  [ -n "$demo_dpdk" ] && rm -rf "$demo_dpdk"
  [ -n "$demo_dir" ] && [ -d "$demo_dir" ] && rm -rf "$demo_dir"
  rm -f "$state_file"
  echo "demo lab down: stopped ${#alive[@]} processes, deleted $gone namespaces${demo_started:+ (lab started $demo_started)}"
}

if [ $down = 1 ]; then take_down; exit 0; fi

if demo_is_up || [ -e "/run/netns/$prefix-app" ]; then
  echo "A demo lab is already running (namespaces $prefix-*)."
  echo "Explore it (the commands were printed when it started), or take it down first:"
  echo "  ./deploy/demo.sh --down"
  exit 1
fi
rm -f "$state_file"

# --- 1. dependencies and programs ---------------------------------------------------------
say() { echo "$*"; }
if [ $install = 1 ]; then
  say "== 1/4 Debian packages (deploy/install-deps.sh)"
  "$root/deploy/install-deps.sh"
fi
command -v sipp >/dev/null && command -v dnsmasq >/dev/null ||
  { echo "demo.sh: sipp or dnsmasq missing; run without --no-install" >&2; exit 1; }

bin=$root/build/release
if [ -n "${LAB_DP:-}" ] && [ -n "${LAB_D:-}" ] && [ -n "${LAB_CTL:-}" ]; then
  build=0
else
  LAB_DP=$bin/dataplane/sipsteer-dp LAB_D=$bin/control/sipsteerd LAB_CTL=$bin/control/sipsteerctl
fi
if [ $build = 1 ]; then
  say "== 2/4 building sipsteer-dp, sipsteerd, sipsteerctl in build/release (nothing to do if up to date)"
  mkdir -p "$root/build"
  if [ ! -f "$bin/build.ninja" ]; then
    cmake -S "$root" -B "$bin" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$root/build/release.configure.log" 2>&1 ||
      { cat "$root/build/release.configure.log"; echo "demo.sh: cmake failed" >&2; exit 1; }
  fi
  cmake --build "$bin" -j "${SIPSTEER_BUILD_JOBS:-$(nproc)}" --target sipsteer-dp sipsteerd sipsteerctl ||
    { echo "demo.sh: build failed" >&2; exit 1; }
fi
for b in "$LAB_DP" "$LAB_D" "$LAB_CTL"; do
  [ -x "$b" ] || { echo "demo.sh: $b is missing; build it (run without --no-build)" >&2; exit 1; }
done
ctl_shown=$LAB_CTL
case $ctl_shown in "$root"/*) ctl_shown=${ctl_shown#"$root"/} ;; esac

# --- 2. the lab ----------------------------------------------------------------------------
# shellcheck source=deploy/lab/lab.sh disable=SC2034  # the lab_* knobs are read by lab.sh
. "$root/deploy/lab/lab.sh"
lab_pool_source=dns          # the pool is whatever DNS says for lab.test
lab_weights=(0 1 2 1)        # sip1 weight 1, sip2 weight 2 (primary tier), sip3 backup
lab_priorities=(0 10 10 20)  # lower priority number = preferred tier
victim=2                     # the server the demo kills

demo_save_state() {
  {
    echo "demo_pids='${lab_pids[*]}'"
    echo "demo_netns='$lab_cli $lab_app $lab_srv'"
    echo "demo_dir='$lab_dir'"
    echo "demo_dpdk='/var/run/dpdk/lab$lab_id'"
    echo "demo_started='${demo_started:=$(date '+%F %T')}'"
  } >"$state_file"
}
demo_cleanup() {
  [ -n "${uac_pid:-}" ] && lab_track "$uac_pid"
  lab_cleanup
  rm -f "$state_file"
}

say "== 3/4 starting the lab"
lab_init "$prefix"
trap demo_cleanup EXIT
demo_save_state
lab_network
lab_start_servers
lab_start_dns
lab_write_config
lab_start_dataplane
lab_start_control
demo_save_state
lab_wait_all_up
api=$lab_dir/api.sock

echo
echo 'What is running: three network namespaces (private network stacks on this'
echo 'machine, see "ip netns list") joined by virtual cables (veth pairs).'
echo
printf ' %-24s%-39s%s\n' "$lab_cli" "$lab_app" "$lab_srv"
cat <<EOF
 +-----------------+     +--------------------------------+     +-----------------------------+
 | phones: sipp    |     | sipsteer-dp   the balancer:    |     | SIP servers (sipp):         |
 | 198.18.1.1      |---->|  calls go to 198.18.0.10:5060  |---->|  sip1 198.18.2.1  weight 1  |
 +-----------------+     |                                |     |  sip2 198.18.2.2  weight 2  |
                         | sipsteerd     its controller:  |     |  sip3 198.18.2.3  backup    |
                         |  asks each server "alive?"     |     |                             |
                         |  (SIP OPTIONS) twice a second, |---->| DNS server (dnsmasq)        |
                         |  reads DNS, serves metrics on  |     |  198.18.3.2, zone lab.test  |
                         |  198.18.3.1:9464               |     +-----------------------------+
                         +--------------------------------+

The pool of servers comes from DNS (NAPTR -> SRV -> A records for lab.test):
sip1 and sip2 share the first tier, sip2 taking twice as many new calls;
sip3 is a backup that gets calls only when no first-tier server is alive.

Look inside while it runs (another terminal, as root):
  $ctl_shown -s $api status
  $ctl_shown -s $api servers
  ip netns exec $lab_app curl -s http://198.18.3.1:9464/metrics | grep ^sipsteer_server
(The control socket is a file, so sipsteerctl works from any namespace.)

EOF

# --- 3. calls, a kill, a restore ------------------------------------------------------------
rate=20                        # new calls per second
hold_ms=3000                   # each call talks this long before hanging up
load_s=$((duration - 5))       # the last calls end ~hold later
calls=$((rate * load_s))
kill_at=$((load_s * 3 / 10))
restore_at=$((load_s * 6 / 10))
victim_addr=198.18.2.$victim:5060

ip netns exec "$lab_cli" sipp -sn uac 198.18.0.10:5060 -i 198.18.1.1 -p 5060 -mp 7000 \
  -m "$calls" -r "$rate" -d "$hold_ms" -recv_timeout 8000 -nostdin -trace_stat -fd 1 \
  -stf "$lab_dir/load.csv" -trace_err -error_file "$lab_dir/load_errors.log" >"$lab_dir/load.log" 2>&1 &
uac_pid=$!
lab_track "$uac_pid"
demo_save_state
t0=$(lab_ms)

say "== 4/4 calls: $calls in all, $rate new calls a second, each call lasting $((hold_ms / 1000)) s."
say "   sip$victim is killed ${kill_at} s in and restarted ${restore_at} s in. Every second: calls finished"
say "   so far (from sipp), new calls each server took (sipsteer's metrics) and each server's"
say "   state as sipsteerd sees it (sipsteerctl): up = in use; down / dirty = out of use (dirty:"
say "   failed recently, kept out for a while). Lines with >> say what just happened."
say

metrics_now() {  # -> "n1 n2 n3": new calls each server took so far
  lab_metrics | awk '
    index($0, "sipsteer_server_new_dialogs_total{") == 1 {
      for (i = 1; i <= 3; i++) if (index($0, "server=\"198.18.2." i ":5060\"")) n[i] += $NF }
    END { printf "%d %d %d\n", n[1], n[2], n[3] }'
}
states_now() {  # -> "s1 s2 s3"
  lab_ctl --json servers --pool core 2>/dev/null | python3 -c '
import json, sys
st = {s["address"]: s["state"] for s in json.load(sys.stdin)}
print(" ".join(st.get("198.18.2.%d:5060" % i, "?") for i in (1, 2, 3)))' 2>/dev/null || echo "? ? ?"
}
calls_now() { local r; r=$(lab_uac_result load); echo "${r:-0 0}"; }
secs() { awk -v a="$1" -v b="$t0" 'BEGIN { printf "%.1f", (a - b) / 1000 }'; }
event() { printf '   >> %5ss  %s\n' "$(secs "$1")" "$2"; }
row() { printf '%5s |%9s %7s |%7s  %-9s%7s  %-9s%7s  %-9s\n' "$@"; }

# sipsteerd logs every state change with its reason, stamped by its own
# clock: "[2026-11-21 16:48:05.501] [info] server core/198.18.2.2:5060
# up -> down (icmp_suspect)". Those lines become the >> lines, in plain
# words, and give the detection and recovery times.
log_seen=0
down_ms="" down_reason="" up_ms=""
follow_transitions() {
  local lines line ts addr from to why name i=0
  mapfile -t lines < <(grep -E '\] server core/198\.18\.2\.[0-9]+:5060 [a-z]+ -> [a-z]+ \(' "$lab_dir/sipsteerd.log" || true)
  for line in "${lines[@]}"; do
    i=$((i + 1))
    [ $i -gt $log_seen ] || continue
    ts=$(date -d "$(sed -n 's/^\[\([^]]*\)\].*/\1/p' <<<"$line")" +%s%3N 2>/dev/null) || ts=$(lab_ms)
    read -r addr from to why < <(sed -nE 's/.*server core\/([0-9.]+:5060) ([a-z]+) -> ([a-z]+) \(([a-z_]+)\).*/\1 \2 \3 \4/p' <<<"$line")
    name=sip${addr%:5060}; name=sip${name##*.}
    case $why in
      icmp_suspect) event "$ts" "$name out of use: its host answered \"port unreachable\" (nothing listens there now)" ;;
      icmp_confirmed) event "$ts" "$name also failed a health check: marked dirty, kept out for at least ${lab_dirty_ttl}" ;;
      probe_icmp) event "$ts" "$name out of use: its health check got \"port unreachable\" back ($to)" ;;
      probe_bad_code) event "$ts" "$name out of use: it answered its health checks with an error ($to)" ;;
      retry_after) event "$ts" "$name answered 503 with Retry-After: kept out that long ($to)" ;;
      icmp_unconfirmed) event "$ts" "$name passed its next health check after all: in use again ($to)" ;;
      probe_timeout) event "$ts" "$name did not answer ${lab_fall} health checks in a row: out of use ($to)" ;;
      dirty_expired) event "$ts" "$name: the ${lab_dirty_ttl} quarantine is over; still checked, still out ($to)" ;;
      failback_hold_done|probe_ok) event "$ts" "$name answered ${lab_rise} health checks and stayed healthy ${lab_failback_hold}: in use again ($to)" ;;
      *) event "$ts" "$name: $from -> $to ($why)" ;;
    esac
    if [ "$addr" = "$victim_addr" ] && [ -n "${killed_ms:-}" ] && [ "$ts" -ge "$killed_ms" ]; then
      if [ -z "$down_ms" ] && [ "$from" = up ]; then
        down_ms=$((ts - killed_ms)) down_reason=$why
        event "$ts" "=> detected $down_ms ms after the kill; new calls go to sip1 only"
      fi
      if [ -z "$up_ms" ] && [ -n "${restored_ms:-}" ] && [ "$to" = up ] && [ "$ts" -ge "$restored_ms" ]; then
        up_ms=$((ts - restored_ms))
        event "$ts" "=> back in use $up_ms ms after the restart"
      fi
    fi
  done
  log_seen=$i
}

# The start-up lines are history: skip them.
log_seen=$(grep -cE '\] server core/198\.18\.2\.[0-9]+:5060 [a-z]+ -> [a-z]+ \(' "$lab_dir/sipsteerd.log" || true)
echo "      |     calls so far |  sip1 (weight 1)   sip2 (weight 2)   sip3 (backup)"
row time ok failed calls state calls state calls state
killed_ms="" restored_ms="" pre_kill="" at_restore=""
phase=before
next_row=$t0
while kill -0 "$uac_pid" 2>/dev/null; do
  now=$(lab_ms)
  el=$(( (now - t0) / 1000 ))
  if [ $phase = before ] && [ "$el" -ge "$kill_at" ]; then
    pre_kill=$(metrics_now)
    killed_ms=$(lab_ms)  # before the kill: sipsteerd may react before we look at the clock again
    kill -9 "${lab_uas_pid[$victim]}"
    wait "${lab_uas_pid[$victim]}" 2>/dev/null || true  # no "Killed" line from bash
    event "$killed_ms" "killed server sip$victim (198.18.2.$victim) with SIGKILL: gone at once, as in a crash"
    phase=killed
  elif [ $phase = killed ] && [ "$el" -ge "$restore_at" ]; then
    restored_ms=$(lab_ms)
    lab_start_server "$victim"
    demo_save_state
    at_restore=$(metrics_now)
    event "$restored_ms" "restarted server sip$victim; in use again after ${lab_rise} good health checks + ${lab_failback_hold} calm"
    phase=restored
  fi
  if [ "$now" -ge "$next_row" ]; then
    read -r ok failed < <(calls_now)
    read -r n1 n2 n3 < <(metrics_now)
    read -r s1 s2 s3 < <(states_now)
    follow_transitions  # so the row comes after the events that explain it
    row "${el}s" "$ok" "$failed" "$n1" "$s1" "$n2" "$s2" "$n3" "$s3"
    next_row=$((t0 + (el + 1) * 1000))  # a slow second skips a row, never bunches them
  else
    follow_transitions
  fi
  sleep 0.1
done
wait "$uac_pid" || true
sleep 0.5  # one metrics interval, so the counters include the last calls
read -r ok failed < <(calls_now)
read -r n1 n2 n3 < <(metrics_now)
read -r s1 s2 s3 < <(states_now)
row "$(( ($(lab_ms) - t0) / 1000 ))s" "$ok" "$failed" "$n1" "$s1" "$n2" "$s2" "$n3" "$s3"

# --- summary ----------------------------------------------------------------------------
read -r p1 p2 p3 <<<"${pre_kill:-0 0 0}"
read -r _ r2 _ <<<"${at_restore:-0 0 0}"
moved=$(lab_metric sipsteer_server_resteered_dialogs_total "$victim_addr")
pct() { awk -v a="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f%%", 100 * a / t; else print "-" }'; }
verdict=0 why=""
if [ "$failed" != 0 ] || [ "$ok" != "$calls" ]; then
  verdict=1 why="$failed calls failed, $((calls - ok - failed)) did not finish"
elif [ -z "$down_ms" ] || [ -z "$up_ms" ]; then
  verdict=1 why="sipsteerd did not take sip$victim out and bring it back"
elif [ "$n3" != 0 ]; then
  verdict=1 why="the backup server took calls while a first-tier server was alive"
fi
echo
echo "Summary"
echo "  calls            $calls made, $ok successful, $failed failed"
echo "  before the kill  sip1 took $p1 ($(pct "$p1" $((p1 + p2)))), sip2 took $p2 ($(pct "$p2" $((p1 + p2))))"
echo "                   of new calls; weights 1:2 say 33% / 67% (give or take chance)"
echo "  whole run        sip1 $n1, sip2 $n2, backup sip3 $n3 (sip1 took sip2's share while it was away)"
case $down_reason in
  icmp_suspect) how='its host answered "port unreachable"' ;;
  probe_icmp) how='its health check got "port unreachable" back' ;;
  probe_timeout) how="it missed $lab_fall health checks" ;;
  *) how=$down_reason ;;
esac
echo "  detection        sip$victim out of use ${down_ms:-never} ms after it was killed${how:+ ($how)}"
echo "  recovery         sip$victim back in use ${up_ms:-never} ms after it was restarted"
echo "  calls in progress on sip$victim when it died: $moved had their later messages (the hang-up)"
echo "                   sent to sip1 instead. The lab's sipp servers accept a hang-up for a"
echo "                   call they do not know; a real server needs shared call state for that."
if [ $verdict = 0 ]; then
  echo "  verdict          PASS: a server died under load, sipsteer moved the calls, none failed"
else
  echo "  verdict          FAIL: $why"
  # Which way calls failed, from sipp's counters (FailedTimeoutOnRecv, ...).
  kinds=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^Failed.*\(C\)$/) c[i] = $i; next }
    END { for (i in c) if ($i + 0 > 0) printf " %s=%d", c[i], $i }' "$lab_dir/load.csv")
  [ -n "$kinds" ] && echo "                   sipp says:$kinds"
  echo "                   load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs: a busy machine"
  echo "                   delays the lab's programs and calls can time out"
  lab_keep_logs=1  # lab_cleanup says where
fi
if [ -n "${SIPSTEER_DEMO_RESULTS:-}" ]; then  # for tests/netns/appliance/demo.sh
  echo "calls=$calls ok=$ok failed=$failed n1=$n1 n2=$n2 n3=$n3 pre1=$p1 pre2=$p2 pre3=$p3 at_restore2=$r2" \
    "down_ms=$down_ms up_ms=$up_ms moved=$moved verdict=$verdict" >"$SIPSTEER_DEMO_RESULTS"
fi

if [ $keep = 1 ]; then
  demo_save_state
  trap - EXIT INT TERM
  cat <<EOF

The lab stays up (--keep). Try, as root:
  $ctl_shown -s $api servers
  $ctl_shown -s $api events
  $ctl_shown -s $api explain some-call-id
  $ctl_shown -s $api drain $victim_addr --wait
  $ctl_shown -s $api enable $victim_addr
  ip netns exec $lab_app curl -s http://198.18.3.1:9464/metrics | grep ^sipsteer_server
  ip netns exec $lab_cli sipp -sn uac 198.18.0.10:5060 -i 198.18.1.1 -p 5060 -m 100 -r 10 -nostdin
  ip netns exec $lab_srv dig @198.18.3.2 +short SRV _sip._udp.lab.test
Logs and config: $lab_dir
Take it down:    ./deploy/demo.sh --down
EOF
fi
exit $verdict

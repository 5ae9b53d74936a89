#!/usr/bin/env bash
# Story: both servers of the primary tier (priority 10: 198.18.2.1, .2) die.
# The operator was promised: calls move to the backup tier (priority 20:
# 198.18.2.3) without failing, and when the primaries come back traffic
# returns to them only after they proved healthy for `rise` probes plus
# failback_hold, once, without flapping.
#
#  1. both primary sipp servers are killed; sipsteerd takes them out.
#  2. 150 calls at 50/s after detection: none fails, all are new dialogs on
#     the backup, none on a primary.
#  3. with calls running at 40/s the primaries are restarted (after their
#     dirty quarantine ended, state "down"). The time from the restart to
#     the first new dialog on a primary must lie in
#       [ (rise-1) * interval * (1-jitter) + hold,  rise * interval * (1+jitter) + hold + 600 ms ]
#     (the first good probe may come right after the restart or one jittered
#     interval later; 600 ms: table publish, one counters interval of the
#     exporter, the script's 50 ms polling). hold = 3 s here, so it shows.
#     None of these calls fails; once the primaries are up the backup gets
#     no new dialog.
#  4. no flapping: per primary, sipsteer_server_transitions_total shows
#     exactly the path up -> out (one of icmp_suspect / probe_icmp /
#     probe_timeout) [-> icmp_confirmed] -> dirty_expired -> failback_hold_done,
#     nothing else (no icmp_unconfirmed, no probe_ok, one failback).
# The lab (namespaces, addresses, config) is deploy/lab/lab.sh.
#
# Usage: primary_tier_down_failback.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"

lab_failback_hold=3s
jitter=0.2  # sipsteerd's default probe jitter (control/src/config/config.h)
p1=198.18.2.1:5060 p2=198.18.2.2:5060 b3=198.18.2.3:5060

lab_init "fb$$"
lab_up
lab_log "all servers up and published (primaries s1, s2 priority ${lab_priorities[1]}; backup s3 priority ${lab_priorities[3]})"

new() { lab_metric sipsteer_server_new_dialogs_total "$1"; }
transitions() {  # SERVER -> "reason=count ..." (sorted)
  lab_metrics | awk -v s="$1" 'index($0, "sipsteer_server_transitions_total{") == 1 && index($0, "server=\"" s "\"") {
      match($0, /reason="[^"]*"/); r = substr($0, RSTART + 8, RLENGTH - 9); v[r] += $NF }
    END { for (r in v) printf "%s=%d\n", r, v[r] }' | sort | tr '\n' ' '
}
count() {  # "reason=n ..." REASON -> n
  echo "$1" | tr ' ' '\n' | awk -F= -v want="$2" '$1 == want { print $2; f = 1 } END { if (!f) print 0 }'; }

# --- 1: the primary tier dies ------------------------------------------------------
killed=$(lab_ms)
for i in 1 2; do kill -9 "${lab_uas_pid[$i]}"; wait "${lab_uas_pid[$i]}" 2>/dev/null || true; done
lab_log "primary sipp servers s1 and s2 killed"
for a in $p1 $p2; do lab_wait_not_up $a 10000 >/dev/null || lab_fail "$a still up 10 s after its kill"; done
lab_log "sipsteerd has both primaries out $(( $(lab_ms) - killed )) ms after the kills: s1=$(lab_state $p1) s2=$(lab_state $p2)"
sleep 0.3  # the table without them reaches the dataplane

# --- 2: calls go to the backup tier ---------------------------------------------------
n1=$(new $p1) n2=$(new $p2) n3=$(new $b3)
lab_log "phase 2: 150 calls at 50/s with the primary tier out"
lab_uac backup 150 50 0
read -r ok failed < <(lab_uac_result backup)
sleep 0.5  # one counters interval
d1=$(( $(new $p1) - n1 )) d2=$(( $(new $p2) - n2 )) d3=$(( $(new $b3) - n3 ))
lab_log "calls successful=$ok failed=$failed; new dialogs: backup s3 +$d3, primaries s1 +$d1 s2 +$d2"
[ "$ok" = 150 ] && [ "$failed" = 0 ] || lab_fail "$failed of 150 calls failed with the primary tier out"
[ "$d3" -ge 150 ] || lab_fail "backup s3 got $d3 new dialogs for 150 calls"
[ $((d1 + d2)) = 0 ] || lab_fail "dead primaries got $((d1 + d2)) new dialogs"

# --- 3: the primaries return ------------------------------------------------------------
for a in $p1 $p2; do lab_wait_state $a down 10000 >/dev/null || lab_fail "$a is '$(lab_state $a)', not down after its quarantine"; done
lab_log "both primaries 'down' (dirty quarantine over), probing"
to_ms() { case $1 in *ms) echo "${1%ms}" ;; *s) echo $(( ${1%s} * 1000 )) ;; esac; }
interval_ms=$(to_ms "$lab_interval") hold_ms=$(to_ms "$lab_failback_hold")
read -r lo hi nominal < <(awk -v r="$lab_rise" -v i="$interval_ms" -v j="$jitter" -v h="$hold_ms" \
  'BEGIN { printf "%d %d %d\n", (r - 1) * i * (1 - j) + h, r * i * (1 + j) + h + 600, r * i + h }')
lab_log "phase 3: 600 calls at 40/s; primaries restarted after ~2 s" \
  "(rise ${lab_rise} x interval ${lab_interval} + hold ${lab_failback_hold} = ${nominal} ms; accepted ${lo}..${hi} ms)"
(cd "$lab_dir" && lab_uac failback 600 40 0 -trace_err) &
uac=$!
sleep 2
base=$(( $(new $p1) + $(new $p2) ))
lab_start_server 1
lab_start_server 2
restored=$(lab_ms)
lab_log "s1 and s2 restarted"
first_ms=""
while (( $(lab_ms) - restored < 15000 )); do
  if (( $(new $p1) + $(new $p2) > base )); then first_ms=$(( $(lab_ms) - restored )); break; fi
  sleep 0.05
done
[ -n "$first_ms" ] || lab_fail "no new dialog on a primary 15 s after the restart"
lab_log "first new dialog on a primary ${first_ms} ms after the restart (states s1=$(lab_state $p1) s2=$(lab_state $p2))"
for a in $p1 $p2; do lab_wait_state $a up 5000 >/dev/null || lab_fail "$a not up"; done
sleep 0.7  # both primaries published; one counters interval
n3=$(new $b3)
wait $uac || true
read -r ok failed < <(lab_uac_result failback)
sleep 0.5
late3=$(( $(new $b3) - n3 ))
lab_log "calls successful=$ok failed=$failed; backup s3 new dialogs after the primaries were up: $late3"
drops=$(lab_metrics | awk '/^sipsteer_dataplane_drops_total\{/ && $NF > 0 { match($0, /reason="[^"]*"/); printf "%s=%d ", substr($0, RSTART + 8, RLENGTH - 9), $NF }')
lab_log "new dialogs in all: s1=$(new $p1) s2=$(new $p2) s3=$(new $b3); dataplane drops: ${drops:-none}"

# --- 4: no flapping ----------------------------------------------------------------------
bad=""
for a in $p1 $p2; do
  t=$(transitions $a)
  out=$(( $(count "$t" icmp_suspect) + $(count "$t" probe_icmp) + $(count "$t" probe_timeout) ))
  expected=$(( 1 + 1 + $(count "$t" icmp_suspect) + 1 + 1 ))  # initial, out, [confirmed], dirty_expired, hold_done
  total=$(echo "$t" | tr ' ' '\n' | awk -F= '{ v += $2 } END { print v + 0 }')
  lab_log "transitions $a: $t(total $total, expected $expected)"
  [ "$out" = 1 ] || bad+=" $a left up $out times;"
  [ "$(count "$t" icmp_confirmed)" = "$(count "$t" icmp_suspect)" ] || bad+=" $a icmp_suspect not confirmed;"
  [ "$(count "$t" dirty_expired)" = 1 ] || bad+=" $a dirty_expired $(count "$t" dirty_expired) times;"
  [ "$(count "$t" failback_hold_done)" = 1 ] || bad+=" $a failed back $(count "$t" failback_hold_done) times;"
  [ "$total" = "$expected" ] || bad+=" $a has $total transitions, want $expected;"
done
[ "$ok" = 600 ] && [ "$failed" = 0 ] || lab_fail "$failed of 600 calls failed across the failback"
(( first_ms >= lo && first_ms <= hi )) ||
  lab_fail "traffic returned ${first_ms} ms after the restart, the knobs say ${lo}..${hi} ms"
[ "$late3" = 0 ] || lab_fail "backup still got $late3 new dialogs with the primaries up"
[ -z "$bad" ] || lab_fail "flapping or unexpected transitions:$bad"
lab_log "PASS"

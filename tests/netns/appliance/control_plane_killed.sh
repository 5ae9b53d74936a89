#!/usr/bin/env bash
# Story: the control plane crashes during business hours. An operator has
# tuned the pool at run time (server 1's weight overridden to 4, backup server
# 3 drained for maintenance). Phones call the VIP at 30 calls/s; sipsteerd is
# killed with SIGKILL (no goodbye to the dataplane) and restarted 5 s later.
# The promise:
#  - fail-static: sipsteer-dp keeps forwarding with its last table, so not one
#    call fails while the control plane is gone, nor after;
#  - re-sync: the restarted sipsteerd reconnects to the dataplane, learns the
#    generation it runs (its hello), and publishes a newer generation, which
#    the dataplane applies (sipsteerctl status: dataplane_connected,
#    dataplane_generation > the one before the kill);
#  - runtime state survives through the state file: the weight override and
#    the drain are still in force after the restart.
# Printed: calls started during the outage, failed calls, time from restart
# to re-sync (status shows connected + a newer applied generation).
#
# Usage: control_plane_killed.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"

lab_init "cpk$$"
lab_up

# --- runtime state an operator set --------------------------------------------------
lab_ctl weight 198.18.2.1:5060 4 >/dev/null || lab_fail_with_drops "sipsteerctl weight refused"
lab_ctl drain 198.18.2.3:5060 >/dev/null || lab_fail_with_drops "sipsteerctl drain refused"
lab_wait_state 198.18.2.3:5060 draining 3000 >/dev/null || lab_fail_with_drops "server 3 not draining after drain"
sleep 0.5   # let the state file and the table catch up
w1=$(lab_server_field 198.18.2.1:5060 weight)
gen_before=$(lab_status_field dataplane_generation)
lab_log "operator set: server 1 weight override -> $w1, server 3 drained; dataplane runs generation $gen_before"
[ "$w1" = 4 ] || lab_fail_with_drops "weight override not shown (weight=$w1)"
grep -q 198.18.2.1 "$lab_dir/state.json" || lab_fail_with_drops "state file has no servers: $(cat "$lab_dir/state.json")"

# --- load, kill, outage, restart ----------------------------------------------------
calls=600 rate=30 outage_s=5
lab_log "load: $calls calls at $rate/s (~$((calls / rate)) s) through the VIP"
(lab_uac load $calls $rate 0) &
load=$!
sleep 4
created_at_kill=$(lab_stat load TotalCallCreated)
dp_log_lines=$(wc -l <"$lab_dir/dp.log")
kill -9 "$lab_d_pid"
wait "$lab_d_pid" 2>/dev/null || true
killed=$(lab_ms)
lab_log "sipsteerd (pid $lab_d_pid) killed with SIGKILL; $created_at_kill calls started so far"
sleep 1
kill -0 "$lab_dp_pid" 2>/dev/null || lab_fail_with_drops "sipsteer-dp died with the control plane"
[ -z "$(lab_status_field dataplane_connected)" ] || lab_fail_with_drops "the API still answers after the kill"
sleep $((outage_s - 1))
created_at_restart=$(lab_stat load TotalCallCreated)
read -r ok_mid failed_mid < <(lab_uac_result load)
outage_calls=$((created_at_restart - created_at_kill))
lab_log "outage: ${outage_s} s without a control plane, $outage_calls calls started (sipp stats, 1 s grain), failed so far: $failed_mid"

lab_start_control
restarted=$(lab_ms)
resync_ms=""
while (( $(lab_ms) - restarted < 20000 )); do
  conn=$(lab_status_field dataplane_connected)
  gen=$(lab_status_field dataplane_generation)
  if [ "$conn" = true ] && [ -n "$gen" ] && [ "$gen" != None ] && (( gen > gen_before )); then
    resync_ms=$(( $(lab_ms) - restarted )); break
  fi
  sleep 0.05
done
[ -n "$resync_ms" ] || lab_fail_with_drops "no re-sync within 20 s of the restart: connected=$conn dataplane_generation=$gen (before the kill: $gen_before)"
lab_log "sipsteerd restarted: re-synced in ${resync_ms} ms (connected, dataplane applied generation $gen > $gen_before); status polled every 50 ms"
# The hello must come from the same sipsteer-dp process (it never restarted)
# and carry the generation it kept forwarding with.
grep -q "dataplane pid $lab_dp_pid has table generation $gen_before" "$lab_dir/sipsteerd.log" ||
  lab_fail_with_drops "sipsteerd did not log the hello of dataplane pid $lab_dp_pid with generation $gen_before"
lab_log "sipsteerd log: $(grep -m1 "has table generation $gen_before" "$lab_dir/sipsteerd.log" | sed 's/^\[[^]]*\] *//')"
dp_new=$(tail -n +"$((dp_log_lines + 1))" "$lab_dir/dp.log")
[ -z "$dp_new" ] || lab_fail_with_drops "the dataplane logged across the control-plane restart: $dp_new"
lab_log "dataplane log: nothing new across the kill and restart (same process, no errors)"

# --- runtime state after the restart ------------------------------------------------
w1_after=$(lab_server_field 198.18.2.1:5060 weight)
s3_after=$(lab_state 198.18.2.3:5060)
lab_log "after the restart: server 1 weight $w1_after (override 4), server 3 '$s3_after' (drained)"
[ "$w1_after" = 4 ] || lab_fail_with_drops "weight override lost across the restart (weight=$w1_after)"
[ "$s3_after" = draining ] || lab_fail_with_drops "drain lost across the restart (server 3 is '$s3_after')"
for i in 1 2; do
  [ "$(lab_state 198.18.2.$i:5060)" = up ] || lab_wait_state 198.18.2.$i:5060 up 5000 >/dev/null ||
    lab_fail_with_drops "server $i not up after the restart"
done

n1_before=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.1:5060)
n2_before=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.2:5060)
wait $load || true
sleep 0.5   # one counters interval
read -r ok failed < <(lab_uac_result load)
n1=$(( $(lab_metric sipsteer_server_new_dialogs_total 198.18.2.1:5060) - n1_before ))
n2=$(( $(lab_metric sipsteer_server_new_dialogs_total 198.18.2.2:5060) - n2_before ))
n3=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.3:5060)
lab_log "all calls: successful=$ok failed=$failed (outage: $outage_calls started, $failed_mid failed by restart time)"
lab_log "after re-sync: new dialogs s1=$n1 s2=$n2 (weights 4:2), drained s3=$n3"
[ "$ok" = "$calls" ] && [ "$failed" = 0 ] || lab_fail_with_drops "$failed calls failed, $ok of $calls successful"
(( outage_calls >= rate * (outage_s - 1) )) || lab_fail_with_drops "only $outage_calls calls started during the outage: the load did not cover it"
[ "$n3" = 0 ] || lab_fail_with_drops "the drained server took $n3 new dialogs"
(( n1 > n2 )) || lab_fail_with_drops "weight override 4:2 not in force after the restart (s1=$n1 s2=$n2)"
lab_log "PASS"

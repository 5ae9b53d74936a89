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
# The lab (namespaces, addresses, config) is deploy/lab/lab.sh.
#
# Usage: e2e_failover.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"

lab_init "e2e$$"
lab_up
lab_log "all servers up and published, ready after $(( $(lab_ms) - lab_d_started )) ms"

# --- 1: distribution by weight, backup unused ----------------------------------------
calls=1200
lab_log "phase 1: $calls calls at 150/s through the VIP"
lab_uac spread $calls 150 0
read -r ok failed < <(lab_uac_result spread)
sleep 0.5  # one counters interval
n1=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.1:5060)
n2=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.2:5060)
n3=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.3:5060)
lab_log "calls successful=$ok failed=$failed; new dialogs s1=$n1 s2=$n2 (weights 1:2) backup s3=$n3"
[ "$ok" = "$calls" ] && [ "$failed" = 0 ] || lab_fail "phase 1: $failed calls failed"
total=$((n1 + n2))
[ "$total" -ge "$calls" ] || lab_fail "exporter shows $total dialogs for $calls calls"
share2=$(awk -v a="$n2" -v t="$total" 'BEGIN { printf "%.1f", 100 * a / t }')
lab_log "weight-2 server share ${share2}% (weights say 66.7%)"
awk -v s="$share2" 'BEGIN { exit !(s >= 61.7 && s <= 71.7) }' || lab_fail "share ${share2}% is not within 5 points of 66.7%"
[ "$n3" = 0 ] || lab_fail "backup tier took $n3 dialogs while the primary tier was up"
# The affinity table as Prometheus sees it: every SIP message of a call is
# looked up (INVITE, ACK, BYE and the server's responses); only a new
# dialog finds no flow hint.
lookups=$(lab_metric sipsteer_dataplane_affinity_lookups_total)
misses=$(lab_metric sipsteer_dataplane_affinity_hint_misses_total)
capacity=$(lab_metric sipsteer_dataplane_affinity_capacity)
lab_log "affinity table: $lookups lookups, $misses not answered by a flow hint, capacity $capacity dialogs"
[ "$lookups" -ge $((3 * calls)) ] || lab_fail "only $lookups affinity lookups for $calls calls"
[ "$misses" -ge "$total" ] && [ "$misses" -le $((total + total / 20)) ] ||
  lab_fail "$misses hint misses for $total new dialogs: in-dialog messages should find their hint"
[ "$capacity" = 65536 ] || lab_fail "affinity capacity $capacity, the lab configures 65536"
affinity_line=$(lab_ctl status | grep '^affinity' || true)
lab_log "sipsteerctl status: $affinity_line"
[[ $affinity_line == *" of 65536 dialogs"*"lookups not answered by a flow hint (new dialogs, lost hints)" ]] ||
  lab_fail "sipsteerctl status has no affinity line: '$affinity_line'"

# --- 2: the weight-2 server dies mid-run ------------------------------------------------
lab_log "phase 2: 240 calls at 30/s, server 2 killed after ~3 s"
(lab_uac during 240 30 0) &
during=$!
sleep 3
kill -9 "${lab_uas_pid[2]}"
killed=$(lab_ms)
lab_log "server 2 (198.18.2.2) killed"
down_ms=""
for _ in $(seq 200); do
  st=$(lab_state 198.18.2.2:5060)
  if [ -n "$st" ] && [ "$st" != up ]; then down_ms=$(( $(lab_ms) - killed )); break; fi
  sleep 0.02
done
[ -n "$down_ms" ] || lab_fail "sipsteerd never took server 2 out"
lab_log "sipsteerd shows server 2 '$st' ${down_ms} ms after the kill (CLI polling, 20 ms grain)"
wait $during || true
read -r ok2 failed2 < <(lab_uac_result during)
icmp=$(lab_metric sipsteer_server_icmp_unreachable_total 198.18.2.2:5060)
lab_log "calls across the kill: successful=$ok2 failed=$failed2; validated ICMP from server 2: $icmp"
[ "$failed2" = 0 ] || lab_fail "$failed2 calls failed across the kill"
lab_log "PASS"

#!/usr/bin/env bash
# Story: the pool comes from DNS (NAPTR -> SRV -> A for lab.test, TTL 1 s) and
# the operator changes the records while 3-second calls run at 15 calls/s:
#  a) a new SRV target appears (server 4, 198.18.2.4): sipsteerd adds it,
#     probes it up, and it receives new dialogs;
#  b) server 1's SRV target is removed: it gets no new dialogs, but the
#     calls already on it finish (their ACK/BYE still reach it): sipsteerd
#     keeps it drained while the dataplane pins dialogs to it, then removes
#     it (before that fix it left the table at once and its calls' BYEs were
#     re-steered to servers that knew nothing of them);
#  c) the SRV weights change (server 2: 1 -> 3, server 4 stays 1): the
#     shares of new dialogs follow (50 % -> 75 % for server 2).
# Not one call fails across all of it. Printed: the time from each DNS
# change (dnsmasq restarted with the new records) to sipsteerd's view
# changing (sipsteerctl dns / servers, polled every 100 ms), and the shares.
#
# Usage: dns_changes_under_load.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"
command -v dnsmasq >/dev/null || { echo "dnsmasq missing"; exit 1; }

lab_pool_source=dns
lab_dns_ttl=1
lab_weights=(0 1 1 1 1)           # servers 1, 2 (and later 4) share the primary tier 1:1
lab_priorities=(0 10 10 20 10)    # server 3 is the backup tier
lab_dns_servers=(1 2 3)
# Servers with per-second statistics, so the story can tell when server 1
# stops receiving new calls (sipp counts each new Call-ID, INVITE or OPTIONS).
lab_uas_stats=1
lab_init "dns$$"
lab_up

view() {  # -> "address/weight/state" of every server sipsteerd has, sorted
  lab_ctl --json servers --pool core 2>/dev/null | python3 -c '
import json,sys
print(" ".join(sorted(s["address"]+"/"+str(s["weight"])+"/"+s.get("state","?") for s in json.load(sys.stdin))))' 2>/dev/null || true
}
dns_members() {  # -> "address/weight" of the pool's last DNS answer, sorted
  lab_ctl --json dns 2>/dev/null | python3 -c '
import json,sys
for p in json.load(sys.stdin)["pools"]:
    print(" ".join(sorted(m["address"]+"/"+str(m["weight"]) for m in p["members"])))' 2>/dev/null || true
}
wait_until() {  # BOUND_MS COMMAND... -> prints ms until COMMAND succeeds
  local bound=$1 start
  shift
  start=$(lab_ms)
  until "$@"; do
    (( $(lab_ms) - start > bound )) && return 1
    sleep 0.1
  done
  echo $(( $(lab_ms) - start ))
}
in_view() { [[ " $(view) " == *" $1"* ]]; }
in_dns() { [[ " $(dns_members) " == *" $1"* ]]; }
nd() { lab_metric sipsteer_server_new_dialogs_total "$1"; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a + b) ? 100 * a / (a + b) : 0 }'; }

lab_log "DNS view: $(dns_members); sipsteerd: $(view)"

# Long calls the whole way through: 750 calls of 3 s at 15/s (50 s, ~45 in
# progress). 15/s, not more: on a loaded 2-core box the lab's sipp UAS aborts
# a call when a late answer makes the caller retransmit its INVITE.
calls=750
(lab_uac load $calls 15 3000) &
load=$!
# The exporter's per-server dialogs every 2 s: read it when a check fails.
(for _ in $(seq 60); do
  echo "$(date +%T) $(lab_metrics | grep -E '^sipsteer_server_(new|active)_dialogs' | sed 's/sipsteer_server_//; s/pool="core",//' | tr '\n' ' ')"
  sleep 2
done >"$lab_dir/monitor.log" 2>&1) &
lab_track $!
sleep 4

# --- a) a new SRV target appears ----------------------------------------------------
ip -n "$lab_srv" addr add 198.18.2.4/24 dev s0
lab_start_server 4
lab_dns_servers=(1 2 3 4)
lab_restart_dns
lab_log "a) DNS: SRV target sip4.lab.test (198.18.2.4, priority 10, weight 1) added"
seen=$(wait_until 10000 in_view 198.18.2.4:5060) || lab_fail_with_drops "sipsteerd did not add server 4 within 10 s: $(dns_members)"
up=$(wait_until 10000 in_view 198.18.2.4:5060/1/up) || lab_fail_with_drops "server 4 not up within 10 s of being added: $(view)"
in_dns 198.18.2.4:5060 || lab_fail_with_drops "sipsteerctl dns does not list server 4: $(dns_members)"
lab_log "a) sipsteerd lists server 4 ${seen} ms after the DNS change, up $((seen + up)) ms after it: $(view)"
nd4_up=$(nd 198.18.2.4:5060)
sleep 3
nd4=$(( $(nd 198.18.2.4:5060) - nd4_up ))
lab_log "a) server 4 took $nd4 new dialogs in the 3 s after it came up (1/3 of 15/s expected: ~15)"
(( nd4 >= 4 )) || lab_fail_with_drops "server 4 took only $nd4 new dialogs in 3 s"

# --- b) server 1's SRV target is removed ----------------------------------------------
active1=$(lab_stat uas1 CurrentCall)
lab_dns_servers=(2 3 4)
lab_restart_dns
lab_log "b) DNS: SRV target sip1.lab.test removed; server 1 has $active1 calls in progress (its sipp, 1 s grain)"
# Out of rotation: removed, or (with calls still pinned to it) draining.
out_of_rotation() { [ "$(lab_state "$1")" != up ]; }
gone=$(wait_until 10000 out_of_rotation 198.18.2.1:5060) || lab_fail_with_drops "server 1 still up 10 s after it left DNS: $(view)"
lab_log "b) sipsteerd took server 1 out of rotation ${gone} ms after the DNS change: $(view)"
sleep 0.5   # two counters intervals: dialogs steered before the change are counted
# New dialogs on server 1 from now on, as the dataplane counts them (its sipp
# also counts the health checker's OPTIONS, which go on while it drains).
nd1_left=$(nd 198.18.2.1:5060)
nd1_series() { lab_metrics | grep -c '^sipsteer_server_new_dialogs_total{.*server="198.18.2.1:5060"' || true; }

# --- c) the weights change ---------------------------------------------------------
window() {  # SECONDS -> "new dialogs on server 2, on server 4" during that time
  local a2 a4
  a2=$(nd 198.18.2.2:5060) a4=$(nd 198.18.2.4:5060)
  sleep "$1"
  echo $(( $(nd 198.18.2.2:5060) - a2 )) $(( $(nd 198.18.2.4:5060) - a4 ))
}
read -r w2a w4a < <(window 12)
lab_weights[2]=3
lab_restart_dns
lab_log "c) DNS: server 2's SRV weight 1 -> 3 (server 4 stays 1)"
reweighted=$(wait_until 10000 in_view 198.18.2.2:5060/3/) || lab_fail_with_drops "sipsteerd did not take weight 3 for server 2: $(view)"
lab_log "c) sipsteerd shows weight 3 for server 2 ${reweighted} ms after the DNS change: $(view)"
sleep 0.3   # one counters interval: dialogs steered by the old table are counted
read -r w2b w4b < <(window 12)
# Still listed (drained, calls pinned) or already removed from the table.
if [ "$(nd1_series)" = 0 ]; then nd1_after=removed; else nd1_after=$(( $(nd 198.18.2.1:5060) - nd1_left )); fi
s_before=$(share "$w2a" "$w4a") s_after=$(share "$w2b" "$w4b")
lab_log "c) server 2's share of new dialogs: ${s_before}% of $((w2a + w4a)) at weights 1:1, ${s_after}% of $((w2b + w4b)) at 3:1"

wait $load || true
sleep 2   # server 1's last calls end and its sipp writes a row
read -r ok failed < <(lab_uac_result load)
failed1=$(lab_stat uas1 'FailedCall(C)')
ok1=$(lab_stat uas1 'SuccessfulCall(C)')
open1=$(lab_stat uas1 CurrentCall)
lab_log "b) server 1 after leaving DNS: new dialogs by the end of c): $nd1_after; its calls: $ok1 successful, $failed1 failed, $open1 never ended (no BYE reached it)"
lab_log "calls: successful=$ok failed=$failed of $calls"
s1_end=$(lab_state 198.18.2.1:5060)
lab_log "b) server 1 in sipsteerd now: '${s1_end:-removed}' (it stays, drained, while the dataplane pins dialogs to it: after BYE for dataplane.affinity.after_bye_s)"

# Every promise is checked and every broken one reported.
broken=()
[ "$s1_end" != up ] || broken+=("server 1 is back in rotation after it left DNS")
[ "$nd1_after" = removed ] || [ "$nd1_after" = 0 ] || broken+=("server 1 received $nd1_after new dialogs after it left DNS")
# While server 1 is still listed it is still probed, and sipp counts each
# OPTIONS as a call that stays open for 1 s: up to 2 of those are not calls.
open_ok=0; [ -n "$s1_end" ] && open_ok=2
(( open1 <= open_ok )) && [ "$failed1" = 0 ] ||
  broken+=("b) server 1's calls in progress did not finish: $open1 never got their BYE, $failed1 failed (after it left DNS their in-dialog requests went elsewhere)")
# Shares: Call-IDs hash at random, so a share over n dialogs has standard
# deviation sqrt(p(1-p)/n): ~3.7 points at p=0.5 and ~3.2 at p=0.75 for the
# ~180 dialogs of a 12 s window. 13 points is 3.5 and 4 of them.
awk -v s="$s_before" 'BEGIN { exit !(s >= 37 && s <= 63) }' || broken+=("c) share ${s_before}% at weights 1:1 is not within 13 points of 50%")
awk -v s="$s_after" 'BEGIN { exit !(s >= 62 && s <= 88) }' || broken+=("c) share ${s_after}% at weights 3:1 is not within 13 points of 75%")
[ "$failed" = 0 ] && [ "$ok" = "$calls" ] || broken+=("$failed of $calls calls failed across the DNS changes")
(( ${#broken[@]} == 0 )) || lab_fail_with_drops "$(printf '\n  %s' "${broken[@]}")"
lab_log "PASS"

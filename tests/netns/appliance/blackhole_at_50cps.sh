#!/usr/bin/env bash
# Story: a SIP server hangs (here: its sipp is SIGSTOPped) while phones call
# at 50 calls/s. A hung server sends nothing back, not even ICMP, so only
# the health probes can find it: after `fall` probes time out, sipsteerd
# takes it out and sipsteer-dp re-steers. The operator was promised that
# the calls lost to a black hole are bounded by what the health knobs imply.
#
# The bound: the last good probe can come up to interval*(1+jitter) before
# the hang; `fall` probes must then fail, the last one a timeout after it
# was sent, so the server is taken out at most
#   window = fall * interval * (1 + jitter) + timeout
# after the hang (lab: 2 * 500 ms * 1.2 + 300 ms = 1500 ms). Calls that
# start in the window go to the hung server with its weight share
# w2/(w1+w2); without re-steering they would all fail:
#   bound = ceil(rate * window * w2/(w1+w2)) (+3 sigma: Call-IDs hash at
#   random, so the share of ~75 calls has sd sqrt(n p (1-p)) ~ 4 calls).
# sipsteer-dp does better than the bound: a dialog whose server is no longer
# live is re-steered (dataplane/src/runtime/pipeline.cc, toServer:
# resteered_dialogs), so the caller's INVITE retransmission (RFC 3261 timer
# A: 0.5 s, 1 s, 2 s ...) reaches a live server and the call succeeds. Only
# a dialog caught after its INVITE was answered (its BYE re-steered to a
# server that never saw the call) can still fail. Measured figures printed.
#
#  1. 500 calls at 50/s; after 3 s server 2 (weight 2 of 3) is SIGSTOPped.
#  2. detection time (hang -> sipsteerd's transition, from its log) <=
#     window + 200 ms of timer slip.
#  3. failed calls <= bound; printed with the re-steered dialogs.
#  4. SIGCONT (cleanup does it too).
# The lab (namespaces, addresses, config) is deploy/lab/lab.sh.
#
# Usage: blackhole_at_50cps.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"

calls=500 rate=50 jitter=0.2  # jitter: sipsteerd's default (control/src/config/config.h)
target=198.18.2.2:5060

lab_init "bh$$"
lab_up
lab_log "all servers up and published"

to_ms() { case $1 in *ms) echo "${1%ms}" ;; *s) echo $(( ${1%s} * 1000 )) ;; esac; }
interval_ms=$(to_ms "$lab_interval") timeout_ms=$(to_ms "$lab_timeout")
w1=${lab_weights[1]} w2=${lab_weights[2]}
read -r window_ms bound share_sd < <(awk -v f="$lab_fall" -v i="$interval_ms" -v j="$jitter" -v t="$timeout_ms" \
  -v r="$rate" -v a="$w1" -v b="$w2" 'BEGIN {
    w = f * i * (1 + j) + t; p = b / (a + b); n = r * w / 1000
    m = n * p; sd = sqrt(n * p * (1 - p)); c = m + 3 * sd
    printf "%d %d %.1f\n", w, (c == int(c)) ? c : int(c) + 1, sd }')
lab_log "knobs: fall=$lab_fall interval=$lab_interval (jitter $jitter) timeout=$lab_timeout rate=$rate/s" \
  "weights s1:s2=$w1:$w2 -> window ${window_ms} ms, failed-call bound $bound (incl. 3 sd = $share_sd calls)"

# --- 1: calls running, server 2 hangs ------------------------------------------------
lab_log "phase 1: $calls calls at $rate/s; server 2 SIGSTOPped after ~3 s"
(cd "$lab_dir" && lab_uac bh $calls $rate 0 -trace_err) &
uac=$!
sleep 3
n2_before=$(lab_metric sipsteer_server_new_dialogs_total $target)
kill -STOP "${lab_uas_pid[2]}"
stopped=$(lab_ms)
lab_log "server 2 (198.18.2.2) SIGSTOPped: no replies, no ICMP"

# --- 2: detection -----------------------------------------------------------------------
cli_ms=$(lab_wait_not_up $target 10000) || lab_fail "sipsteerd never took the hung server 2 out"
# The decision's own time, from sipsteerd's log: the CLI poll above costs a
# process start per look, hundreds of ms on a starved machine.
line=$(grep -m1 "server core/$target up -> " "$lab_dir/sipsteerd.log") || lab_fail "no transition of server 2 in sipsteerd.log"
at=$(date -d "$(echo "$line" | sed -E 's/^\[([0-9-]+ [0-9:.]+)\].*/\1/')" +%s%3N)
detect_ms=$((at - stopped))
lab_log "sipsteerd took server 2 out ${detect_ms} ms after the hang (window ${window_ms} ms):" \
  "$(echo "$line" | sed -E 's/^.*\] //'); the CLI saw '$(lab_state $target)' after ${cli_ms} ms"

sleep 0.5  # the table without it reaches the dataplane; one counters interval
at_risk=$(( $(lab_metric sipsteer_server_new_dialogs_total $target) - n2_before ))
lab_log "new dialogs steered to the hung server before it was taken out: $at_risk (counter grain 200 ms)"

# --- 3: the calls ---------------------------------------------------------------------------
wait $uac || true
kill -CONT "${lab_uas_pid[2]}"
lab_log "server 2 SIGCONTed"
read -r ok failed < <(lab_uac_result bh)
# sipp's cumulative retransmission count: the INVITEs (timer A) and BYEs
# (timer E) the hang left unanswered.
retrans=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "Retransmissions(C)") c = i }
  END { print (c ? $c : "?") }' "$lab_dir/bh.csv")
sleep 0.5  # one counters interval
resteered=$(lab_metric sipsteer_server_resteered_dialogs_total $target)
timeouts=$(lab_metrics | awk -v s="$target" 'index($0, "sipsteer_server_transitions_total{") == 1 && index($0, "server=\"" s "\"") && index($0, "reason=\"probe_timeout\"") { v += $NF } END { printf "%d\n", v }')
unanswered=$(lab_metric sipsteer_server_unanswered_requests_total $target)
lab_log "calls successful=$ok failed=$failed (bound $bound); caller retransmissions $retrans;" \
  "server 2: re-steered dialogs $resteered, unanswered requests $unanswered, probe_timeout transitions $timeouts"
lab_log "table generation: sipsteerd $(lab_metric sipsteer_table_generation), dataplane" \
  "$(lab_metric sipsteer_dataplane_table_generation); dataplane drops:" \
  "$(lab_metrics | awk '/^sipsteer_dataplane_drops_total\{/ && $NF > 0 { match($0, /reason="[^"]*"/); printf "%s=%d ", substr($0, RSTART + 8, RLENGTH - 9), $NF }')"
[ $((ok + failed)) = "$calls" ] || lab_fail "sipp finished $((ok + failed)) of $calls calls"
# +200 ms: timer slip of a daemon sharing 2 cores with other builds.
(( detect_ms <= window_ms + 200 )) || lab_fail "detection took ${detect_ms} ms, the knobs promise ${window_ms} ms (+200 ms slip)"
(( failed <= bound )) || lab_fail "$failed calls failed, the knobs bound it at $bound"
[ "$timeouts" -ge 1 ] || lab_fail "server 2 was not taken out by probe timeouts (a black hole sends no ICMP)"
lab_log "PASS"

#!/usr/bin/env bash
# Story: an operator takes a SIP server out for maintenance while it carries
# calls. `sipsteerctl drain core/198.18.2.2:5060 --wait` must (a) stop new
# dialogs going to it at once, (b) let the calls in progress on it finish
# normally (their in-dialog requests keep their affinity), and (c) return,
# exit 0, once the server has no active dialogs left, so the operator knows
# when it is safe to stop it.
#
# What "active" means: sipsteerd reads the gauge sipsteer_server_active_dialogs
# from sipsteer-dp, the number of affinity-table entries pointing at the
# server (dataplane/src/runtime/engine.cc, Engine::tick's sweep). An entry
# lives on for affinity.after_bye_s after its BYE (to route retransmissions)
# but is closing then and not counted, so with the lab's default 32 s the
# drain still ends within seconds of the last call on the server (asserted:
# a drain that waited for after_bye_s would take ~36 s).
#
#  1. 300 calls at 30/s, each held 4 s (sipp -d 4000) -> ~120 calls in
#     progress at any moment.
#  2. after 4 s, drain --wait is issued for server 2 (weight 2, the busiest).
#     From 0.6 s after (one publish + counters interval) its new-dialog
#     counter must not move; its active dialogs fall to 0.
#  3. drain --wait exits 0; it cannot before the calls already on the
#     server have had their 4 s (asserted), and it must before the deadline.
#     All 300 calls succeed.
# The lab (namespaces, addresses, config) is deploy/lab/lab.sh.
#
# Usage: drain_with_dialogs.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
. "$(dirname "$0")/../../../deploy/lab/lab.sh"
lab_story_args "$@"

# Default after_bye_s (32 s): closing dialogs must not hold the drain.
# Slack after the last call: sweep pass + counters interval + ctl poll + BYE.
calls=300 rate=30 hold_ms=4000 deadline_s=40 slack_ms=3000
target=198.18.2.2:5060

lab_init "drn$$"
lab_up
lab_log "all servers up and published; affinity after_bye_s default (32 s)"

active() { lab_metric sipsteer_server_active_dialogs "$1"; }

# --- 1: long calls ---------------------------------------------------------------
lab_log "phase 1: $calls calls at $rate/s, each held $hold_ms ms"
(cd "$lab_dir" && lab_uac long $calls $rate $hold_ms -trace_err) &
uac=$!
sleep 4
before_new=$(lab_metric sipsteer_server_new_dialogs_total $target)
before_active=$(active $target)
lab_log "server 2 before the drain: active dialogs $before_active, new dialogs so far $before_new"
[ "$before_active" -gt 0 ] || lab_fail "server 2 has no active dialogs to drain: the story would prove nothing"

# --- 2: drain --wait ----------------------------------------------------------------
drain_start=$(lab_ms)
(
  set +e
  lab_ctl drain core/$target --wait --deadline $deadline_s >"$lab_dir/drain.out" 2>&1
  echo $? >"$lab_dir/drain.rc"
  echo $(( $(lab_ms) - drain_start )) >"$lab_dir/drain.ms"
) &
drain=$!
lab_log "sipsteerctl drain core/$target --wait --deadline $deadline_s issued"
lab_wait_state $target draining 3000 >/dev/null || lab_fail "server 2 is '$(lab_state $target)', not draining"
frozen_at=$(lab_ms)  # no call starts on server 2 after this; the last ends by +hold_ms
sleep 0.6  # the table without it reaches the dataplane; one counters interval
frozen_new=$(lab_metric sipsteer_server_new_dialogs_total $target)
lab_log "server 2 draining; new dialogs $frozen_new (+$((frozen_new - before_new)) while the drain took effect)"
# Watch its active dialogs fall while the calls run out.
while kill -0 $drain 2>/dev/null; do
  lab_log "  server 2 active dialogs $(active $target), new dialogs $(lab_metric sipsteer_server_new_dialogs_total $target)"
  (( $(lab_ms) - drain_start > (deadline_s + 5) * 1000 )) && break
  sleep 1
done
wait $drain || true
rc=$(cat "$lab_dir/drain.rc" 2>/dev/null || echo none)
took=$(cat "$lab_dir/drain.ms" 2>/dev/null || echo 0)
lab_log "drain --wait returned exit $rc after $took ms: $(tr '\n' ' ' <"$lab_dir/drain.out")"

# --- 3: the promise -------------------------------------------------------------------
wait $uac || true
read -r ok failed < <(lab_uac_result long)
sleep 0.5
after_new=$(lab_metric sipsteer_server_new_dialogs_total $target)
n1=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.1:5060)
n3=$(lab_metric sipsteer_server_new_dialogs_total 198.18.2.3:5060)
lab_log "calls successful=$ok failed=$failed; server 2 new dialogs after the drain took effect:" \
  "$((after_new - frozen_new)); server 1 took $n1 in all, backup 3 took $n3"
drops=$(lab_metrics | awk '/^sipsteer_dataplane_drops_total\{/ && $NF > 0 { match($0, /reason="[^"]*"/); printf "%s=%d ", substr($0, RSTART + 8, RLENGTH - 9), $NF }')
lab_log "dataplane drops: ${drops:-none}"
# The last call on server 2 began before frozen_at, so its BYE came by
# frozen_at + hold_ms: time from then to drain --wait returning.
calls_end=$(( frozen_at - drain_start + hold_ms ))
lag=$(( took - calls_end ))
lab_log "drain took $took ms; the last call on server 2 ended by ${calls_end} ms; drain returned ${lag} ms after that (bound ${slack_ms} ms; deadline ${deadline_s} s)"
[ "$rc" = 0 ] || lab_fail "drain --wait exited $rc, want 0 (6 = deadline with dialogs left)"
[ "$after_new" = "$frozen_new" ] || lab_fail "server 2 got $((after_new - frozen_new)) new dialogs while draining"
[ "$ok" = "$calls" ] && [ "$failed" = 0 ] || lab_fail "$failed of $calls calls failed (successful $ok)"
# Calls that started on server 2 just before the drain still had ~hold_ms to
# run: a drain that returned earlier did not wait for them.
[ "$took" -ge "$hold_ms" ] || lab_fail "drain --wait returned after $took ms, before the calls in progress (${hold_ms} ms) could end"
[ "$(active $target)" = 0 ] || lab_fail "server 2 still shows $(active $target) active dialogs"
lab_log "PASS"
# Closing dialogs (after_bye_s, 32 s) are not active: the drain ends soon after the calls.
[ "$lag" -le "$slack_ms" ] || lab_fail "drain --wait returned ${lag} ms after the last call on server 2 ended, want <= ${slack_ms} ms"

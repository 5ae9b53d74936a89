#!/usr/bin/env bash
# Story: an operator points a real Prometheus (Debian's `prometheus`) at the
# appliance with the scrape config and alert rules we ship in
# deploy/prometheus/, and watches a failover from Prometheus's side:
#  1. Prometheus scrapes sipsteerd's exporter (198.18.3.1:9464) — the target
#     is up and all three servers are up in sipsteer_server_state;
#  2. calls run at 30 calls/s and server 2's process is killed: Prometheus
#     sees server 2 leave state "up", its sipsteer_server_transitions_total
#     rise, and sipsteer_server_new_dialogs_total per server shows server 2
#     taking no new dialogs after the kill while the others take them all;
#  3. the shipped rules are loaded, and SipsteerServerDown's expression is
#     true for server 2 so the alert is pending in /api/v1/alerts. Its
#     `for: 2m` is longer than this test may run (150 s), so firing is not
#     waited for; pending proves the rule, its labels and the series match.
# The shipped prometheus.yml is used as is except: 1 s scrape/evaluation
# instead of 10 s (and a 900 ms scrape timeout), and the lab's target.
# Printed: what Prometheus returned for each query.
#
# Usage: prometheus_scrapes.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shipped=$here/../../../deploy/prometheus
. "$here/../../../deploy/lab/lab.sh"
lab_story_args "$@"
command -v prometheus >/dev/null || { echo "prometheus missing (deploy/install-deps.sh installs it)"; exit 77; }

lab_init "prm$$"
lab_up

# --- Prometheus with the shipped config and rules -----------------------------------
prom=$lab_dir/prometheus
mkdir -p "$prom/data"
# prometheus.yml names its rule file relative to itself: keep them side by side.
cp "$shipped/sipsteer-alerts.yml" "$prom/"
sed -e 's/scrape_interval: 10s/scrape_interval: 1s/' -e 's/evaluation_interval: 10s/evaluation_interval: 1s/' \
  -e 's/scrape_timeout: 5s/scrape_timeout: 900ms/' -e 's/127\.0\.0\.1:9464/198.18.3.1:9464/' \
  "$shipped/prometheus.yml" >"$prom/prometheus.yml"
grep -q '198.18.3.1:9464' "$prom/prometheus.yml" || lab_fail_with_drops "could not point the shipped prometheus.yml at the lab"
[ "$(grep -c 'interval: 1s' "$prom/prometheus.yml")" = 3 ] || lab_fail_with_drops "shipped prometheus.yml changed shape: $(cat "$prom/prometheus.yml")"
if command -v promtool >/dev/null; then
  promtool check config "$prom/prometheus.yml" >"$prom/check.log" 2>&1 || lab_fail_with_drops "promtool: $(cat "$prom/check.log")"
fi
ip netns exec "$lab_app" prometheus --config.file="$prom/prometheus.yml" --storage.tsdb.path="$prom/data" \
  --web.listen-address=198.18.3.1:9090 --log.level=warn >"$lab_dir/prometheus.log" 2>&1 &
lab_track $!
prom_pid=$!

api() {  # PATH [--data-urlencode ARG]... -> JSON from Prometheus's HTTP API
  local path=$1; shift
  ip netns exec "$lab_app" curl -s --max-time 3 -G "http://198.18.3.1:9090$path" "$@" 2>/dev/null
}
query() {  # PROMQL -> "labels=value" lines, one per series, sorted
  api /api/v1/query --data-urlencode "query=$1" | python3 -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: sys.exit(0)
for r in sorted(d.get("data",{}).get("result",[]), key=lambda r: sorted(r["metric"].items())):
    m=r["metric"]; lab=",".join(f"{k}={v}" for k,v in sorted(m.items()) if k not in ("__name__","instance","job","cluster","pool"))
    print((lab or "-") + "=" + r["value"][1])'
}
value() {  # PROMQL -> the single value ("" if none)
  query "$1" | head -n 1 | sed 's/.*=//'
}

start=$(lab_ms)
while (( $(lab_ms) - start < 20000 )); do
  [ "$(value 'up{job="sipsteer"}')" = 1 ] && [ "$(value 'count(sipsteer_server_state{state="up"} == 1)')" = 3 ] && break
  kill -0 "$prom_pid" 2>/dev/null || lab_fail_with_drops "prometheus exited: $(tail -5 "$lab_dir/prometheus.log")"
  sleep 0.25
done
[ "$(value 'up{job="sipsteer"}')" = 1 ] || lab_fail_with_drops "Prometheus does not scrape the exporter: $(api /api/v1/targets)"
lab_log "Prometheus $(prometheus --version 2>&1 | head -n 1 | awk '{print $3}') scrapes 198.18.3.1:9464 (up=1) $(( $(lab_ms) - start )) ms after start"
lab_log "Prometheus: servers in state up: $(query 'sipsteer_server_state{state="up"}' | tr '\n' ' ')"
[ "$(value 'count(sipsteer_server_state{state="up"} == 1)')" = 3 ] || lab_fail_with_drops "Prometheus does not see three servers up"

rules=$(api /api/v1/rules | python3 -c '
import json,sys
d=json.load(sys.stdin)
print(" ".join(r["name"] for g in d["data"]["groups"] for r in g["rules"] if r["type"]=="alerting"))')
nrules=$(wc -w <<<"$rules")
lab_log "Prometheus loaded $nrules alert rules from the shipped sipsteer-alerts.yml"
grep -qw SipsteerServerDown <<<"$rules" || lab_fail_with_drops "SipsteerServerDown not loaded: $rules"
(( nrules == $(grep -c -- '- alert:' "$shipped/sipsteer-alerts.yml") )) || lab_fail_with_drops "only $nrules rules loaded: $rules"

# --- calls, then server 2 dies ------------------------------------------------------
s2=198.18.2.2:5060
tr_before=$(value "sum(sipsteer_server_transitions_total{server=\"$s2\"}) or vector(0)")
(lab_uac load 600 30 0) &
load=$!
sleep 4
nd_at_kill=$(query 'sum by (server) (sipsteer_server_new_dialogs_total)')
kill -9 "${lab_uas_pid[2]}"
killed=$(lab_ms)
lab_log "server 2 ($s2) killed during 600 calls at 30/s (20 s); transitions of server 2 so far (Prometheus): $tr_before"

seen_ms=""
while (( $(lab_ms) - killed < 15000 )); do
  [ "$(value "sipsteer_server_state{server=\"$s2\",state=\"up\"}")" = 0 ] && { seen_ms=$(( $(lab_ms) - killed )); break; }
  sleep 0.2
done
[ -n "$seen_ms" ] || lab_fail_with_drops "Prometheus still sees server 2 up 15 s after the kill"
lab_log "Prometheus sees server 2 no longer up ${seen_ms} ms after the kill (1 s scrapes, 200 ms polling): $(query "sipsteer_server_state{server=\"$s2\"} == 1")"

# Prometheus's view lags by up to one scrape (1 s) plus one counters
# interval (200 ms): take the "after failover" snapshot once that has passed.
sleep 2.5
nd_failover=$(query 'sum by (server) (sipsteer_server_new_dialogs_total)')
wait $load || true
read -r ok failed < <(lab_uac_result load)
sleep 2.5   # the last counters read + two scrapes
tr_after=$(value "sum(sipsteer_server_transitions_total{server=\"$s2\"})")
lab_log "Prometheus: server 2 transitions $tr_before -> $tr_after; by reason: $(query "sipsteer_server_transitions_total{server=\"$s2\"} > 0" | sed 's/,server=[^=]*//' | tr '\n' ' ')"
[ -n "$tr_after" ] && awk -v a="$tr_after" -v b="${tr_before:-0}" 'BEGIN { exit !(a > b) }' ||
  lab_fail_with_drops "sipsteer_server_transitions_total for server 2 did not increase ($tr_before -> $tr_after)"

nd_after=$(query 'sum by (server) (sipsteer_server_new_dialogs_total)')
lab_log "Prometheus: new dialogs by server at the kill:       $(tr '\n' ' ' <<<"$nd_at_kill")"
lab_log "Prometheus: new dialogs by server after failover:    $(tr '\n' ' ' <<<"$nd_failover")"
lab_log "Prometheus: new dialogs by server at the end of run: $(tr '\n' ' ' <<<"$nd_after")"
delta() {  # SERVER BEFORE AFTER -> new dialogs between the two snapshots
  local a b
  a=$(grep "server=$1=" <<<"$2" | sed 's/.*=//'); b=$(grep "server=$1=" <<<"$3" | sed 's/.*=//')
  awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { printf "%d\n", b - a }'
}
k2=$(delta $s2 "$nd_at_kill" "$nd_failover")
d1=$(delta 198.18.2.1:5060 "$nd_failover" "$nd_after") d2=$(delta $s2 "$nd_failover" "$nd_after")
d3=$(delta 198.18.2.3:5060 "$nd_failover" "$nd_after")
lab_log "server 2: $k2 new dialogs around the kill (last scrape before it to failover; sipp retransmits the lost ones to a live server)"
lab_log "new dialogs after failover: s1=$d1 s2=$d2 s3=$d3; calls successful=$ok failed=$failed"
(( d2 == 0 )) || lab_fail_with_drops "Prometheus shows server 2 taking $d2 new dialogs after the failover"
# ~12 s of the 20 s run are left after the failover snapshot: ~360 calls.
(( d1 + d3 >= 250 )) || lab_fail_with_drops "Prometheus shows only $((d1 + d3)) new dialogs on the live servers after the failover"
[ "$failed" = 0 ] || lab_fail_with_drops "$failed calls failed across the kill"

# --- the server-down alert ---------------------------------------------------------
expr_now=$(query "max by (instance, pool, server) (sipsteer_server_state{state=~\"down|dirty\"}) == 1")
lab_log "SipsteerServerDown expression now: $(tr '\n' ' ' <<<"$expr_now")"
grep -q "server=$s2=1" <<<"$expr_now" || lab_fail_with_drops "SipsteerServerDown's expression is empty for server 2"
alert=""
start=$(lab_ms)
while (( $(lab_ms) - start < 5000 )); do
  alert=$(api /api/v1/alerts | python3 -c '
import json,sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    if a["labels"].get("alertname")=="SipsteerServerDown": print(a["state"], a["labels"].get("server"), a["activeAt"])')
  grep -q "$s2" <<<"$alert" && break
  sleep 0.5
done
lab_log "Prometheus /api/v1/alerts: SipsteerServerDown $alert (for: 2m, so it fires 2 min after activeAt; not waited for)"
grep -Eq "^(pending|firing) $s2 " <<<"$alert" || lab_fail_with_drops "SipsteerServerDown is not pending for server 2: '$alert'"
lab_log "PASS"

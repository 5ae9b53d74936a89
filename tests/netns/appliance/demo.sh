#!/usr/bin/env bash
# Story: a new user types ./deploy/demo.sh, the README's first command, and
# watches sipsteer keep calls alive while a SIP server dies and comes back.
# This runs the very same script, short (--duration 25, binaries given, no
# install or build), under a namespace prefix of its own, and holds it to its
# promise:
#  - every call of the load succeeds (0 failed), the backup server takes none;
#  - the killed server (sip2) leaves "up" and sipsteerd logs when (detection
#    time), then returns to "up" after its restart and takes new calls again.
# The demo's own dashboard is printed as it runs; the figures end up as
# timestamped lines.
#
# Usage: demo.sh SIPSTEER_DP SIPSTEERD SIPSTEERCTL
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v sipp >/dev/null || { echo "sipp missing"; exit 1; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
results=$(mktemp /tmp/sipsteer-demo-test.XXXXXX)
trap 'rm -f "$results"' EXIT
log() { echo "[$(date +%T.%3N)] $*"; }
fail() { echo "FAIL: $*"; exit 1; }

log "running deploy/demo.sh --duration 25 --no-install --no-build"
set +e
LAB_DP=$1 LAB_D=$2 LAB_CTL=$3 SIPSTEER_DEMO_PREFIX=demo$$ SIPSTEER_DEMO_RESULTS=$results \
  timeout 140 "$root/deploy/demo.sh" --duration 25 --no-install --no-build
rc=$?
set -e
[ -s "$results" ] || fail "deploy/demo.sh exited $rc without a result line"
# calls= ok= failed= n1= n2= n3= pre1= pre2= pre3= at_restore2= down_ms= up_ms= moved= verdict=
declare -A r
for kv in $(cat "$results"); do r[${kv%%=*}]=${kv#*=}; done
log "demo: ${r[ok]} of ${r[calls]} calls successful, ${r[failed]} failed; new calls sip1=${r[n1]} sip2=${r[n2]} backup sip3=${r[n3]}"
log "demo: sip2 out of use ${r[down_ms]:-never} ms after the kill, back ${r[up_ms]:-never} ms after the restart;" \
  "${r[moved]} calls in progress moved off it; sip2 took $(( r[n2] - r[at_restore2] )) new calls after the restart"
[ "${r[failed]}" = 0 ] || fail "${r[failed]} calls failed"
[ "${r[ok]}" = "${r[calls]}" ] || fail "only ${r[ok]} of ${r[calls]} calls succeeded"
[ -n "${r[down_ms]}" ] || fail "sipsteerd never took the killed server out"
[ -n "${r[up_ms]}" ] || fail "the restarted server never came back up"
[ $(( r[n2] - r[at_restore2] )) -gt 0 ] || fail "sip2 took no new calls after it came back"
[ "${r[n3]}" = 0 ] || fail "the backup server took ${r[n3]} calls while a first-tier server was alive"
[ "$rc" = 0 ] || fail "deploy/demo.sh exited $rc"
log "PASS"

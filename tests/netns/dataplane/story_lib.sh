# shellcheck shell=bash
# Shared by the dataplane stories (sipp_failover.sh, af_xdp_front.sh): their
# work dir, the processes and namespaces they start, cleanup on exit, log and
# fail. Source it, then:
#
#   dp_story_init NAME DPDK_PREFIX NS...   $tmp = /tmp/sipsteer-NAME.XXXXXX; on exit
#                                          stop $pids, delete NS..., DPDK's runtime dir
#   pids+=($!)                             a process to stop on exit
#   log MSG / fail MSG                     fail keeps the logs, prints them and,
#                                          if the dataplane runs, its counters
#
# fail calls feed (the story's sipsteer-table-feed on $tmp/dp.sock).

# dp_story_init NAME DPDK_PREFIX NS...: work dir, process list, exit trap.
dp_story_init() {
  tmp=$(mktemp -d "/tmp/sipsteer-$1.XXXXXX")
  dp_story_dpdk_prefix=$2
  shift 2
  dp_story_namespaces=("$@")
  pids=()
  # INT/TERM only exit: the EXIT trap cleans up once. (A cleanup trap on
  # TERM itself would return into the story, which then ran on against
  # deleted namespaces and files.)
  trap dp_story_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Stops the story's processes by PID, deletes its namespaces and files.
dp_story_cleanup() {
  set +e
  for p in "${pids[@]}"; do
    # A tracked background subshell (a story's `( uac ... ) &`) would leave
    # its own child running in a deleted namespace: stop that child too.
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill "$c" 2>/dev/null; done
    kill "$p" 2>/dev/null
  done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "${dp_story_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "/var/run/dpdk/$dp_story_dpdk_prefix"
  if [ "${keep_logs:-0}" = 1 ]; then echo "logs kept in $tmp"; else rm -rf "$tmp"; fi
}

log() { echo "[$(date +%T)] $*"; }  # MSG with the time of day
# Fails the story: keeps and prints the logs and the dataplane's counters.
fail() {
  echo "FAIL: $*"
  keep_logs=1
  for f in "$tmp"/*.log; do echo "== $f"; tail -n 30 "$f"; done
  if [ -S "$tmp/dp.sock" ]; then echo "== dataplane counters"; feed --counters; fi
  exit 1
}

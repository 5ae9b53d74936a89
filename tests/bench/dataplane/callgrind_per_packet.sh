#!/bin/bash
# Instructions per packet of the DPDK fast path, counted rather than timed
# (this VM has no hardware counters, and its shared vCPUs make single timed
# runs noisy). Runs bench_dataplane_pipeline under callgrind, collecting only
# inside its timed rounds (timedDrive: the steady state, every dialog already
# pinned by the warm-up), and prints Pipeline::process per packet and the
# driver's share (refill, Call-ID rewrite, rings, rx/tx burst) per packet.
# Build with -O3 -g, e.g.
#   cmake -S . -B build/prof -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O3 -g -DNDEBUG"
#   ninja -C build/prof bench_dataplane_pipeline
#   tests/bench/dataplane/callgrind_per_packet.sh build/prof/tests/bench/dataplane/bench_dataplane_pipeline
# Takes about a minute. FILTER defaults to the 1024-dialog OPTIONS case with 4096 frames cycling.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BENCH_BINARY [FILTER=Pipeline/500/1024/1/4096]" >&2
  exit 2
fi
binary=$1 filter=${2:-Pipeline/500/1024/1/4096}
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 2; }
out=$(mktemp /tmp/callgrind.pipeline.XXXXXX)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --toggle-collect='*timedDrive*' --callgrind-out-file="$out" \
  "$binary" --benchmark_filter="$filter" >/dev/null 2>&1
tree=$(callgrind_annotate --inclusive=yes --tree=calling "$out" 2>/dev/null)
calls() { grep -E ">   .*$1" <<<"$tree" | head -1 | sed -E 's/.*\(([0-9,]+)x\).*/\1/' | tr -d , || true; }
inclusive() {
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E "^ *[0-9,]+ .*$1" | grep -v '=>' | head -1 |
    awk '{ v = $1; gsub(",", "", v); print v }' || true  # absent when inlined
}
packets=$(calls writeDigits)
[[ -n $packets ]] || { echo "$0: no writeDigits calls found (is this bench_dataplane_pipeline?)" >&2; exit 1; }
process=$(inclusive 'Pipeline::process\(')
timed=$(inclusive 'timedDrive')
[[ -n $process && -n $timed ]] || { echo "$0: no Pipeline::process / timedDrive costs found" >&2; exit 1; }
awk -v n="$packets" -v p="$process" -v t="$timed" -v f="$filter" 'BEGIN {
  printf "%s: %d packets, Pipeline::process %.0f instructions per packet, driver and ports %.0f\n", f, n, p / n, (t - p) / n }'

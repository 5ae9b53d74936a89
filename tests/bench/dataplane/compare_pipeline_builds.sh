#!/bin/bash
# Compares two builds of bench_dataplane_pipeline on a shared machine: runs
# them alternately ROUNDS times and prints the best ns/packet per case for
# each, so that load from other processes hits both alike.
#   tests/bench/dataplane/compare_pipeline_builds.sh OLD_BINARY NEW_BINARY [ROUNDS] [FILTER]
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY [ROUNDS=3] [FILTER=.]" >&2
  exit 2
fi
old=$1 new=$2 rounds=${3:-3} filter=${4:-.}
# Every round, sorted best first per case and build (b1 = old, b2 = new):
# the first figure of each line is the best.
"$(dirname "$0")/rounds_per_build.sh" "$rounds" "$filter" "$old" "$new" |
  awk '{ best[$1] = best[$1] sprintf("  %s %8.1f", $2 == "b1" ? "old" : "new", $3) }
       END { for (c in best) printf "%-55s%s ns/pkt\n", c, best[c] }' | sort

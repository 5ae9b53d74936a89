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
for binary in "$old" "$new"; do
  [[ -x $binary ]] || { echo "$0: $binary is not an executable" >&2; exit 2; }
done
for ((round = 1; round <= rounds; ++round)); do
  for binary in "$old" "$new"; do
    label=$([[ $binary == "$old" ]] && echo old || echo new)
    "$binary" --benchmark_filter="$filter" 2>/dev/null |
      sed -nE "s/^(BM_[^ ]+) .* ns_per_pkt=([0-9.]+).*/\1 $label \2/p"
  done
done | sort -k1,1 -k2,2r -k3,3n |
  awk '!seen[$1 FS $2]++ { best[$1] = best[$1] sprintf("  %s %8.1f", $2, $3) }
       END { for (c in best) printf "%-55s%s ns/pkt\n", c, best[c] }' | sort

#!/bin/bash
# Runs several builds of bench_dataplane_pipeline alternately ROUNDS times
# and prints, per benchmark case and build, every round's ns/packet sorted
# best first, so that the spread of a noisy shared host shows next to the
# best figure (compare_pipeline_builds.sh keeps the best of two builds).
#   tests/bench/dataplane/rounds_per_build.sh ROUNDS FILTER BINARY...
# Builds are named b1, b2, ... in the order given. A binary may be a wrapper
# script that sets an environment variable for the measurement.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 ROUNDS FILTER BINARY..." >&2
  exit 2
fi
rounds=$1 filter=$2
shift 2
for binary in "$@"; do
  [[ -x $binary ]] || { echo "$0: $binary is not an executable" >&2; exit 2; }
done
for ((round = 1; round <= rounds; ++round)); do
  build=0
  for binary in "$@"; do
    build=$((build + 1))
    "$binary" --benchmark_filter="$filter" 2>/dev/null |
      sed -nE "s/^(BM_[^ ]+) .* ns_per_pkt=([0-9.]+).*/\1 b$build \2/p"
  done
done | sort -k1,1 -k2,2 -k3,3n |
  awk '{ key = $1 " " $2; runs[key] = runs[key] sprintf(" %6.1f", $3) }
       END { for (k in runs) print k runs[k] }' | sort

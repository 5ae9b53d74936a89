#!/bin/bash
# Runs a benchmark command with DPDK's memory in 2 MiB hugepages, as a
# production host has it (docs/operations.md, Hugepages), on a host where
# the tests run with --no-huge. Reserves what is missing of PAGES hugepages
# (default 600: the pipeline benchmark's -m 1024 plus EAL's own), mounts
# hugetlbfs in a private mount namespace (no other process sees the mount),
# runs the command with SIPSTEER_BENCH_HUGEPAGES=1, then gives back the
# pages it reserved. One run at a time: a lock serialises callers.
#   tests/bench/dataplane/with_hugepages.sh build/release/tests/bench/dataplane/bench_dataplane_pipeline [ARGS...]
#   PAGES=700 tests/bench/dataplane/with_hugepages.sh COMMAND...
# Needs root (vm.nr_hugepages, mount). Exits 77 if the kernel gives fewer
# pages than asked (fragmented memory).
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (vm.nr_hugepages, mount)" >&2; exit 2; }
pages=${PAGES:-600}
exec 9>/tmp/sipsteer-hugepages.lock
flock 9
nr=/proc/sys/vm/nr_hugepages
before=$(cat "$nr")
restore() { echo "$before" >"$nr"; }
trap restore EXIT
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if ((free < pages)); then
  echo $((before + pages - free)) >"$nr"
  free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
  if ((free < pages)); then
    echo "$0: only $free free 2 MiB hugepages of $pages asked" >&2
    exit 77
  fi
fi
mnt=$(mktemp -d /tmp/sipsteer-hugetlbfs.XXXXXX)
trap 'restore; rmdir "$mnt"' EXIT
SIPSTEER_BENCH_HUGEPAGES=1 unshare --mount --propagation private \
  sh -c 'mount -t hugetlbfs -o pagesize=2M none "$0" && exec "$@"' "$mnt" "$@"

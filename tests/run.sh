#!/usr/bin/env bash
# Installs what sipsteer needs (Debian packages), builds it three ways and runs
# every test, then prints one closing line "N passed, M failed".
#
#   ./tests/run.sh                 everything
#   ./tests/run.sh unit bench      only these ctest labels
#
# Builds (under build/):
#   check    gcc, ASan+UBSan   labels unit, bpf
#   fuzz     clang, libFuzzer  label  fuzz   (SIPSTEER_FUZZ_SECONDS, default 60)
#   release  gcc, -O2          labels bench, netns
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
labels=("$@")
[ ${#labels[@]} -gt 0 ] || labels=(unit bpf fuzz bench netns)
wants() { local l; for l in "${labels[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }

"$root/deploy/install-deps.sh" || { echo "tests/run.sh: installing dependencies failed" >&2; exit 1; }

jobs=$(nproc)
build() {
  local name=$1; shift
  echo "== build $name"
  cmake -S "$root" -B "$root/build/$name" -G Ninja "$@" >"$root/build/$name.configure.log" 2>&1 ||
    { cat "$root/build/$name.configure.log"; return 1; }
  cmake --build "$root/build/$name" -j "$jobs"
}

# ctest shows the output of failing tests only; benchmarks, fuzz runs and
# scenarios report figures even when they pass, so print those lines from
# ctest's log: benchmark tables, libFuzzer's final stats, and the scenarios'
# timestamped story lines.
report() {
  local log="$root/build/$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  echo "== reports from build/$1"
  grep -E '^[0-9]+/[0-9]+ Test: |^Benchmark |^BM_|stat::(number_of_executed_units|average_exec_per_sec)|^\[[0-9:. -]+\] ' \
    "$log" | grep -vE '_corpus_dir$' || true
}

total_passed=0
total_failed=0
run_ctest() {
  local name=$1 regex=$2
  echo "== ctest $name -L '$regex'"
  local log="$root/build/$name.ctest.log"
  (cd "$root/build/$name" && ctest -L "$regex" --output-on-failure --timeout 1500) 2>&1 | tee "$log"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    if grep -q 'No tests were found' "$log"; then return 0; fi
    echo "tests/run.sh: ctest in build/$name gave no summary" >&2
    total_failed=$((total_failed + 1))
    return 0
  fi
  local failed all
  failed=$(sed -E 's/.*, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  all=$(sed -E 's/.*, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  total_passed=$((total_passed + all - failed))
  total_failed=$((total_failed + failed))
}

mkdir -p "$root/build"
build_failed=0
join() { local IFS='|'; echo "$*"; }

check_labels=(); for l in unit bpf; do wants $l && check_labels+=("$l"); done
if [ ${#check_labels[@]} -gt 0 ]; then
  if build check -DSIPSTEER_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
       -DCMAKE_C_FLAGS_DEBUG="-g -O1"; then
    run_ctest check "^($(join "${check_labels[@]}"))\$"
  else build_failed=1; fi
fi

if wants fuzz; then
  if build fuzz -DSIPSTEER_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIPSTEER_FUZZ_SECONDS="${SIPSTEER_FUZZ_SECONDS:-60}"; then
    run_ctest fuzz '^fuzz$'
    report fuzz
  else build_failed=1; fi
fi

release_labels=(); for l in bench netns; do wants $l && release_labels+=("$l"); done
if [ ${#release_labels[@]} -gt 0 ]; then
  if build release -DCMAKE_BUILD_TYPE=Release; then
    run_ctest release "^($(join "${release_labels[@]}"))\$"
    report release
  else build_failed=1; fi
fi

[ $build_failed -eq 0 ] || { echo "tests/run.sh: a build failed" >&2; total_failed=$((total_failed + 1)); }
echo
echo "sipsteer: $total_passed passed, $total_failed failed"
[ $total_failed -eq 0 ]

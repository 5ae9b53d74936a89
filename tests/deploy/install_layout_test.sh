#!/usr/bin/env bash
# Installs the `sipsteer` package component of a build tree into a scratch
# DESTDIR (what CPack packs into the .deb) and checks the layout against the
# units: every binary a unit runs is there and executable, the units and
# assets are the deploy/ files, the conffiles exist, nothing of other
# components slips in, and the maintainer scripts parse.
#   install_layout_test.sh <build dir> <source dir> <targets built...>
set -uo pipefail
build=${1:?build dir}
src=${2:?source dir}
shift 2
built=" $* "
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

DESTDIR=$dest cmake --install "$build" --component sipsteer --prefix /usr >"$dest.log" 2>&1 ||
  { cat "$dest.log"; rm -f "$dest.log"; echo "FAIL: cmake --install"; exit 1; }
rm -f "$dest.log"

expect_file() { [ -f "$dest/$1" ] || fail "missing /$1"; }
same_as() { cmp -s "$dest/$1" "$src/$2" || fail "/$1 differs from $2"; }

for unit in sipsteer-dp.service sipsteerd.service sipsteer.target; do
  expect_file "lib/systemd/system/$unit"
  same_as "lib/systemd/system/$unit" "deploy/systemd/$unit"
done
same_as usr/lib/sysusers.d/sipsteer.conf deploy/systemd/sipsteer.sysusers
same_as usr/lib/tmpfiles.d/sipsteer.conf deploy/systemd/sipsteer.tmpfiles
same_as etc/default/sipsteer deploy/systemd/sipsteer.default
same_as usr/share/sipsteer/prometheus/sipsteer-alerts.yml deploy/prometheus/sipsteer-alerts.yml
same_as usr/share/sipsteer/grafana/sipsteer-dashboard.json deploy/grafana/sipsteer-dashboard.json
expect_file usr/share/doc/sipsteer/operations.md
[ -f "$src/deploy/sipsteer.yaml" ] && same_as etc/sipsteer/sipsteer.yaml deploy/sipsteer.yaml

# Binaries: where the units and the docs say, for the targets this tree built.
declare -A where=([sipsteer-dp]=usr/sbin [sipsteerd]=usr/sbin [sipsteerctl]=usr/bin)
for b in "${!where[@]}"; do
  if [[ $built == *" $b "* ]]; then
    [ -x "$dest/${where[$b]}/$b" ] || fail "$b not installed as /${where[$b]}/$b"
  fi
done
if [[ $built == *" sipsteer_bpf_objects "* ]]; then
  for o in xdp_front.bpf.o xdp_steer.bpf.o; do expect_file "usr/lib/sipsteer/bpf/$o"; done
fi
# Every command a unit runs is in the package (when its component is built).
for unit in sipsteer-dp.service sipsteerd.service; do
  for cmd in $(sed -En 's/^Exec(Start|Reload|StartPre|StartPost|Stop)=[-@+!]*([^ ]+).*/\2/p' "$src/deploy/systemd/$unit"); do
    b=$(basename "$cmd")
    [[ $built == *" $b "* ]] || continue
    [ -x "$dest$cmd" ] || fail "$unit runs $cmd, which the package does not install"
  done
done

# Only these roots; the components' own install rules (component
# Unspecified, e.g. sipsteerctl in sbin) must not leak into the package.
while IFS= read -r f; do
  case "$f" in
    usr/sbin/sipsteer-dp | usr/sbin/sipsteerd | usr/bin/sipsteerctl | usr/lib/sipsteer/bpf/*.bpf.o) ;;
    lib/systemd/system/* | usr/lib/sysusers.d/sipsteer.conf | usr/lib/tmpfiles.d/sipsteer.conf) ;;
    etc/sipsteer/sipsteer.yaml | etc/default/sipsteer | usr/share/sipsteer/* | usr/share/doc/sipsteer/*) ;;
    *) fail "unexpected file in the package: /$f" ;;
  esac
done < <(cd "$dest" && find . -type f -o -type l | sed 's|^\./||')

# conffiles name installed files; maintainer scripts are valid sh.
while IFS= read -r c; do
  [ -z "$c" ] || [ -f "$dest$c" ] || fail "conffile $c is not installed"
done <"$build/deb-control/conffiles"
for s in postinst prerm postrm; do
  sh -n "$src/deploy/packaging/$s" || fail "deploy/packaging/$s does not parse"
  [ -x "$src/deploy/packaging/$s" ] || fail "deploy/packaging/$s is not executable"
done

echo "installed files:"; (cd "$dest" && find . -type f | sort | sed 's|^\./|  /|')
[ $failures -eq 0 ] && echo "install layout: OK" || echo "install layout: $failures failure(s)"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# Manual smoke test of a built .deb (not in ctest: needs root, a built
# package and a few seconds of two cores). It installs the package into a
# throwaway overlay of / inside private mount and network namespaces (the
# host's packages, accounts, files and network are untouched: every write
# lands in a tmpfs that disappears with the namespace), then runs both daemons
# the way their units do and checks the permission design
# (package_smoke_inner.sh says what exactly).
#   tests/deploy/package_smoke.sh build/release/sipsteer_0.1.0_amd64.deb [af_xdp|af_packet]
set -euo pipefail
deb=$(realpath "${1:?usage: package_smoke.sh <sipsteer .deb> [af_xdp|af_packet]}")
kind=${2:-af_xdp}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "package_smoke: needs root"; exit 1; }
work=$(mktemp -d /tmp/sipsteer-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$deb" "$work/pkg.deb"
cp "$here/package_smoke_inner.sh" "$work/inner.sh"

# Everything below runs in the new namespaces; the chroot is the overlay.
unshare --mount --net --propagation private bash -c '
set -eu
w=$1 kind=$2
mkdir -p "$w/m" "$w/u"
mount -t tmpfs tmpfs "$w/u"
mkdir -p "$w/u/up" "$w/u/wk"
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/u/up,workdir=$w/u/wk" "$w/m"
mount --bind /proc "$w/m/proc"
mount --bind /dev "$w/m/dev"
mount -t sysfs sysfs "$w/m/sys"
mount -t bpf bpf "$w/m/sys/fs/bpf"   # systemd mounts bpffs at boot
mount -t tmpfs tmpfs "$w/m/run"
mount -t tmpfs tmpfs "$w/m/tmp"
cp "$w/pkg.deb" "$w/inner.sh" "$w/m/tmp/"
exec chroot "$w/m" bash /tmp/inner.sh "$kind"
' _ "$work" "$kind"

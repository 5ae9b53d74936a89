#!/usr/bin/env bash
# Checks deploy/systemd: unit syntax and references (systemd-analyze verify in
# a scratch root, so ExecStart= binaries and the units they name resolve
# without installing anything), the sandbox exposure score, sysusers and
# tmpfiles entries applied to the scratch root, and the relations between the
# units that the fail-static design depends on.
# Exit 77 (ctest: skipped) when the systemd tools are not installed.
set -uo pipefail
src=${1:?usage: systemd_units_test.sh <source dir>}
units=$src/deploy/systemd
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (Debian package systemd)"; exit 77; }
done

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# --- scratch root: stub binaries, the distribution's units, ours ----------
mkdir -p "$root/usr/sbin" "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/run"
# Every command the units run (ours and e.g. /bin/kill) as a stub.
for cmd in $(sed -En 's/^Exec[A-Za-z]*=[-@+!:]*(\/[^ ]+).*/\1/p' "$units"/*.service | sort -u); do
  mkdir -p "$root$(dirname "$cmd")"
  printf '#!/bin/sh\n' >"$root$cmd"
  chmod +x "$root$cmd"
done
if [ -d /usr/lib/systemd/system ]; then cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
else echo "SKIP: no /usr/lib/systemd/system to resolve sysinit.target etc."; exit 77; fi
cp "$units/sipsteer-dp.service" "$units/sipsteerd.service" "$units/sipsteer.target" "$root/etc/systemd/system/"

# verify exits 0 on unknown keys and bad values (it only warns), so any
# output at all is a failure.
out=$(systemd-analyze verify --root="$root" sipsteer-dp.service sipsteerd.service sipsteer.target 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "systemd-analyze verify exited $rc"
[ -z "$out" ] || fail "systemd-analyze verify warned:"$'\n'"$out"

# --- exposure score (tenths; 'OK' in systemd's words is below 5.0) --------
check_exposure() {
  local unit=$1 limit=$2 line
  line=$(systemd-analyze security --offline=yes "$units/$unit" 2>&1 | tail -n 1)
  echo "$line"
  systemd-analyze security --offline=yes --threshold="$limit" "$units/$unit" >/dev/null 2>&1 ||
    fail "$unit: exposure above $limit/10: $line"
}
check_exposure sipsteerd.service 25
check_exposure sipsteer-dp.service 35

# --- accounts and the runtime directory ----------------------------------
mkdir -p "$root/etc"
systemd-sysusers --root="$root" - <"$units/sipsteer.sysusers" >/dev/null 2>&1 || fail "systemd-sysusers refused sipsteer.sysusers"
grep -q '^sipsteerd:x:[0-9]*:[0-9]*:' "$root/etc/passwd" || fail "sysusers made no sipsteerd user"
grep -Eq '^sipsteer:x:[0-9]+:(.*,)?sipsteerd(,|$)' "$root/etc/group" || fail "sipsteerd is not a member of group sipsteer"
systemd-tmpfiles --root="$root" --create - <"$units/sipsteer.tmpfiles" || fail "systemd-tmpfiles refused sipsteer.tmpfiles"
dp_gid=$(awk -F: '$1 == "sipsteerd" {print $3}' "$root/etc/group")
if [ -d "$root/run/sipsteer" ]; then
  [ "$(stat -c '%a %u %g' "$root/run/sipsteer")" = "771 0 $dp_gid" ] ||
    fail "/run/sipsteer is $(stat -c '%a %u %g' "$root/run/sipsteer"), want 771 root:sipsteerd ($dp_gid)"
else
  fail "tmpfiles did not create /run/sipsteer"
fi

# --- relations the design depends on --------------------------------------
# values of Key= in a unit (all occurrences, space separated)
values() { sed -n "s/^$2=//p" "$units/$1" | tr '\n' ' '; }
has() { case " $(values "$1" "$2") " in *" $3 "*) return 0 ;; esac; return 1; }

for pair in "sipsteerd.service sipsteer-dp.service" "sipsteer-dp.service sipsteerd.service"; do
  set -- $pair
  for key in Requires BindsTo PartOf Requisite; do
    has "$1" "$key" "$2" && fail "$1 $key=$2: one process must survive the other's restart (fail-static)"
  done
done
for u in sipsteerd.service sipsteer-dp.service; do
  has "$u" PartOf sipsteer.target || fail "$u is not PartOf=sipsteer.target"
  has "$u" WantedBy sipsteer.target || fail "$u is not WantedBy=sipsteer.target"
  [ "$(values "$u" Restart)" = "always " ] || fail "$u: Restart=$(values "$u" Restart), want always"
  has "$u" ReadWritePaths /run/sipsteer || fail "$u cannot write /run/sipsteer (its socket)"
  has "$u" ProtectSystem strict || fail "$u: ProtectSystem is not strict"
  has "$u" NoNewPrivileges yes || fail "$u: NoNewPrivileges is not set"
done
has sipsteerd.service After sipsteer-dp.service || fail "sipsteerd must start after the dataplane"
[ -n "$(values sipsteerd.service User)" ] && ! has sipsteerd.service User root || fail "sipsteerd must not run as root"
has sipsteerd.service User sipsteerd || fail "sipsteerd.service: User= is not the sysusers account"
has sipsteerd.service SupplementaryGroups sipsteer || fail "sipsteerd is not in the API group (chown of control.sock)"
has sipsteer-dp.service Group sipsteerd || fail "dataplane.sock group must be sipsteerd's (not the operators')"
for cap in CAP_SYS_ADMIN CAP_DAC_OVERRIDE CAP_SYS_MODULE CAP_SYS_PTRACE CAP_SETUID; do
  grep -q "^CapabilityBoundingSet=.*$cap" "$units/sipsteer-dp.service" "$units/sipsteerd.service" &&
    fail "$cap in a CapabilityBoundingSet"
done
[ -n "$(values sipsteer-dp.service CapabilityBoundingSet)" ] || fail "sipsteer-dp has no CapabilityBoundingSet (full root)"

# The example config (control's) must agree with the units when it exists.
config=$src/deploy/sipsteer.yaml
if [ -f "$config" ]; then
  # api_group "" (root only) is a valid choice; any other group must be the
  # one the package creates.
  group=$(sed -En 's/^[[:space:]]+api_group:[[:space:]]*"?([^"#[:space:]]*)"?.*/\1/p' "$config" | head -n 1)
  if [ -n "$group" ] && [ "$group" != sipsteer ]; then
    fail "$config: control.api_group is '$group'; the package creates 'sipsteer' (sipsteer.sysusers)"
  fi
  [ -n "$group" ] || echo "note: $config leaves control.api_group empty: only root may change things"
  if grep -Eq '^[[:space:]]+(api_socket|control_socket|state_file):' "$config"; then
    grep -E '^[[:space:]]+(api_socket|control_socket):' "$config" | grep -vq '/run/sipsteer/' &&
      fail "$config: a socket outside /run/sipsteer (the only writable runtime path)"
    grep -E '^[[:space:]]+state_file:' "$config" | grep -vq '/var/lib/sipsteer/' &&
      fail "$config: state_file outside /var/lib/sipsteer (StateDirectory)"
  fi
else
  echo "note: $config not there yet; config agreement not checked"
fi

[ $failures -eq 0 ] && echo "systemd units: OK" || echo "systemd units: $failures failure(s)"
[ $failures -eq 0 ]

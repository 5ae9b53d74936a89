#!/usr/bin/env bash
# Inside package_smoke.sh's throwaway overlay root (never run it directly):
# installs the .deb, then runs
#   sipsteer-dp  as uid 0 with the unit's capability bounding set and
#                Group=sipsteerd, on a DPDK vdev over a veth of this namespace;
#   sipsteerd    as user sipsteerd with only CAP_NET_BIND_SERVICE;
# with the units' UMask, and checks:
#   - the dataplane starts with only those capabilities;
#   - socket owners and modes are the ones the units and tmpfiles promise;
#   - sipsteerd reaches the dataplane socket and its table is applied;
#   - an operator in group sipsteer can use sipsteerctl, also to change
#     things, but cannot open the dataplane socket;
#   - a user outside the group cannot reach the API;
#   - a dataplane restart leaves sipsteerd and its socket alone, and the
#     restarted dataplane gets a table again.
set -uo pipefail
kind=${1:-af_xdp}
# Refuse to touch a real system: only in a private mount and net namespace.
if [ ! -f /tmp/pkg.deb ] || [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] ||
   [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
  echo "package_smoke_inner: not inside package_smoke.sh's namespaces, refusing" >&2
  exit 1
fi
set -e
ip link set lo up
ip link add dpv0 type veth peer name dpv1
ip link set dpv0 up
ip link set dpv1 up
dpkg -i /tmp/pkg.deb >/dev/null
useradd -M -G sipsteer alice
useradd -M bob
case "$kind" in
  af_xdp) dev="net_af_xdp0,iface=dpv0,busy_budget=0" ;;  # DPDK's default XDP program (libxdp)
  af_xdp_front) dev="net_af_xdp0,iface=dpv0,busy_budget=0,xdp_prog=/usr/lib/sipsteer/bpf/xdp_front.bpf.o" ;;
  *) dev="net_af_packet0,iface=dpv0" ;;
esac
# The unit's bounding set; SMOKE_DP_CAPS overrides it to try another one.
dp_caps=${SMOKE_DP_CAPS:-net_admin,net_raw,ipc_lock,bpf,perfmon}
dp_bounding=-all$(printf ',+%s' ${dp_caps//,/ })
mkdir -p /etc/sipsteer
cat >/etc/sipsteer/sipsteer.yaml <<YAML
control:
  api_group: sipsteer
  metrics_listen: 127.0.0.1:19464
pools:
  - name: core
    vips: ["198.18.0.1:5060"]
    servers: ["198.18.1.10:5060"]
dataplane:
  eal_args: ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1"]
  workers: 1
  mbufs: 4096
  affinity:
    max_dialogs: 65536
  idle_backoff_us: 1000
  ports:
    - name: p0
      device: "$dev"
      ipv4: 198.18.0.2/24
YAML
chgrp sipsteerd /etc/sipsteer/sipsteer.yaml
chmod 0640 /etc/sipsteer/sipsteer.yaml
# What StateDirectory= would do.
mkdir -p /var/lib/sipsteer && chown sipsteerd:sipsteerd /var/lib/sipsteer && chmod 0700 /var/lib/sipsteer
set +e

dp=0
start_dp() {
  (umask 0077; exec setpriv --regid sipsteerd --clear-groups --no-new-privs \
     --bounding-set "$dp_bounding" \
     /usr/sbin/sipsteer-dp --config /etc/sipsteer/sipsteer.yaml) >>/tmp/dp.log 2>&1 &
  dp=$!
}
start_dp
(umask 0077; exec setpriv --reuid sipsteerd --regid sipsteerd --init-groups --no-new-privs \
   --inh-caps -all,+net_bind_service --ambient-caps -all,+net_bind_service \
   --bounding-set -all,+net_bind_service \
   /usr/sbin/sipsteerd --config /etc/sipsteer/sipsteer.yaml) >/tmp/cp.log 2>&1 &
cp=$!
trap 'kill $cp $dp 2>/dev/null; wait 2>/dev/null' EXIT

ok=0
bad=0
check() {
  if eval "$2"; then echo "ok   $1"; ok=$((ok + 1)); else echo "FAIL $1"; bad=$((bad + 1)); fi
}
gen() { curl -s 127.0.0.1:19464/metrics | sed -n 's/^sipsteer_dataplane_table_generation \([0-9]*\).*/\1/p'; }
as() { local who=$1; shift; setpriv --reuid "$who" --regid "$who" --init-groups "$@"; }
for _ in $(seq 1 150); do g=$(gen); [ -n "$g" ] && [ "$g" -ge 1 ] && break; sleep 0.1; done

check "dataplane runs with capabilities $dp_caps ($kind)" "kill -0 $dp"
check "its effective capabilities are exactly that set" \
  '[ "$(grep CapEff /proc/$dp/status | cut -f2)" = "$(grep CapBnd /proc/$dp/status | cut -f2)" ] &&
   [ "$(capsh --decode=$(grep CapEff /proc/$dp/status | cut -f2) | sed "s/.*=//; s/cap_//g" | tr , "\\n" | sort | tr "\\n" ,)" = "$(echo "$dp_caps" | tr , "\\n" | sort | tr "\\n" ,)" ]'
check "dataplane.sock is root:sipsteerd 0660" \
  '[ "$(stat -c "%U:%G %a" /run/sipsteer/dataplane.sock)" = "root:sipsteerd 660" ]'
check "control.sock is sipsteerd:sipsteer 0660" \
  '[ "$(stat -c "%U:%G %a" /run/sipsteer/control.sock)" = "sipsteerd:sipsteer 660" ]'
check "sipsteerd's table is applied by the dataplane (generation $(gen))" '[ -n "$(gen)" ] && [ "$(gen)" -ge 1 ]'
check "operator (group sipsteer): sipsteerctl status" 'as alice sipsteerctl status >/dev/null'
check "operator may change things: drain" 'as alice sipsteerctl drain 198.18.1.10:5060 >/dev/null'
check "operator cannot open dataplane.sock" \
  '[[ "$(as alice sipsteerctl -s /run/sipsteer/dataplane.sock status 2>&1)" == *"Permission denied"* ]]'
check "outsider cannot reach the API" '[[ "$(as bob sipsteerctl status 2>&1)" == *"Permission denied"* ]]'
check "state file private to sipsteerd" \
  '[ "$(stat -c "%U %a" /var/lib/sipsteer)" = "sipsteerd 700" ] && ! as alice cat /var/lib/sipsteer/state.json 2>/dev/null'

kill "$dp"
wait "$dp" 2>/dev/null
before=$(gen)
start_dp
for _ in $(seq 1 150); do g=$(gen); [ -n "$g" ] && [ "$g" -gt "$before" ] && break; sleep 0.1; done
check "sipsteerd survived the dataplane restart" "kill -0 $cp"
check "control.sock is still there after the dataplane restart" '[ -S /run/sipsteer/control.sock ]'
check "the restarted dataplane got a newer table ($before -> $(gen))" '[ "$(gen)" -gt "$before" ]'

echo "--- sipsteer-dp output (last lines)"
grep -v "^  " /tmp/dp.log | grep -v "^EAL: \|^TELEMETRY\|unrecognized data section" | tail -n 25
echo "--- sipsteerd output (last lines)"
tail -n 6 /tmp/cp.log
echo "package smoke ($kind): $ok ok, $bad failed"
[ $bad -eq 0 ]

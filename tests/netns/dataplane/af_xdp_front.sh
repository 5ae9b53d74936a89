#!/usr/bin/env bash
# Story: one NIC shared by sipsteer-dp and the host. sipsteer-dp runs on
# net_af_xdp (busy_budget=0) with the XDP front (xdp_prog=xdp_front.bpf.o,
# loaded by DPDK itself, maps pinned by name): SIP calls to the VIP go
# through DPDK to two sipp UAS servers, while a UDP exchange and a TCP
# exchange with the host's own address on the same interface still reach the
# kernel. The front's entries are written into the pinned maps with bpftool,
# as sipsteerd would with FrontProgram::syncFromTable.
#
# Both modes run 200 IPv4 calls to 198.18.0.10:5060, then 100 IPv6 calls to
# [fd00:5eed::10]:5060; the host's own UDP/TCP on its IPv4 and IPv6 address
# is checked before and during each. The clients route the VIPs via the
# host's addresses, which the kernel resolves (the front passes ARP and ND).
#
# Mode dsr (default): the servers own both VIPs on their loopback and answer
# the client directly; sipsteer-dp rewrites only MACs (the servers' MACs come
# with the table: their ARP replies and neighbour advertisements reach the
# kernel, not sipsteer-dp). Only the VIP entries are needed.
# Mode nat: the servers do NOT hold the VIP; DPDK rewrites each request to a
# server and the servers route their replies to the client back via the
# appliance. The front must hand those replies (UDP from a server:port whose
# front_servers entry names the VIP, to an address the host's FIB routes) to
# DPDK, which un-NATs them: the client sees every reply come from the VIP.
# The appliance's kernel has forwarding on (the FIB check needs it) and is
# never asked to forward a reply: that would reach the client from the
# server's own address, which the client's capture catches.
#
# One-armed (default): everyone on one bridge (br0), one af_xdp port.
#   cli ns (sipp UAC 198.18.1.1, fd00:5eed:1::1) --+
#   app ns (dpa: kernel 198.18.1.254, fd00:5eed:1::fe; XDP front + sipsteer-dp) --+-- lan ns br0
#   srvN ns (198.18.1.1N + fd00:5eed:1::1N, sipp UAS; dsr: VIPs 198.18.0.10
#            and fd00:5eed::10 on lo) --+
#   (nat: the servers route the client 198.18.1.1/32 via 198.18.1.254)
# Two-armed ("2"): clients on br0, servers on br1 (198.18.2.1N, fd00:5eed:2::1N); sipsteer-dp
# has an af_xdp port with the front on each (dpa client side, dps server
# side); dsr: the servers' direct replies go back through a router ns; nat:
# the servers route the clients via the appliance's 198.18.2.254.
#
# Server MACs ("table", default): the table carries each server's MAC
# (F_MAC_SET, sipsteer-table-feed mac=). "kernel": the table carries none,
# as sipsteerd's does; the af_xdp port (neighbours: kernel, the default for
# a port with xdp_prog=) takes them from the appliance kernel's neighbour
# table of dpa/dps, asking the kernel to resolve them (NTF_USE). The story
# then also checks that sipsteer-dp learned every server's MAC (IPv4 and
# IPv6) from the kernel. NEIGHBOURS=own|kernel writes that key explicitly
# (own: sipsteer-dp's own ARP/ND, whose answers go to the kernel: every
# request drops no_neighbour; docs/dataplane.md, "Neighbours").
#
# Usage: af_xdp_front.sh <sipsteer-dp> <sipsteer-table-feed> <xdp_front.bpf.o> [1|2] [dsr|nat] [table|kernel]
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
# DPDK's libbpf pins under /sys/fs/bpf: give this run its own bpffs (and
# DPDK runtime directory) in a private mount namespace, so parallel runs and
# the host never share pinned maps. sipsteer-dp and bpftool enter the app
# namespace with nsenter --net (ip netns exec would remount /sys).
if [ -z "${SIPSTEER_PRIVATE_MOUNTS:-}" ]; then
  exec unshare --mount --propagation private env SIPSTEER_PRIVATE_MOUNTS=1 "$0" "$@"
fi
dp_bin=$1
feed_bin=$2
front_obj=$3
arms=${4:-1}
mode=${5:-dsr}
case "$mode" in dsr|nat) ;; *) echo "mode must be dsr or nat, not $mode"; exit 2 ;; esac
macs=${6:-table}
case "$macs" in table|kernel) ;; *) echo "server MACs come from table or kernel, not $macs"; exit 2 ;; esac
neighbours_key=${NEIGHBOURS:+, neighbours: $NEIGHBOURS}
case "${NEIGHBOURS:-}" in ''|own|kernel) ;; *) echo "NEIGHBOURS must be own or kernel"; exit 2 ;; esac
command -v sipp >/dev/null || { echo "sipp missing"; exit 1; }
command -v bpftool >/dev/null || { echo "bpftool missing"; exit 1; }
command -v tcpdump >/dev/null || { echo "tcpdump missing"; exit 1; }
mount -t bpf bpf /sys/fs/bpf
mkdir -p /var/run/dpdk && mount -t tmpfs -o size=1m tmpfs /var/run/dpdk

. "$(dirname "$0")/story_lib.sh"

id=$$
lan=xlan$id cli=xcli$id app=xapp$id srv1=xs1$id srv2=xs2$id rtr=xrt$id
# DPDK's runtime dir is the private tmpfs above: removing it is a formality.
dp_story_init afxdp afx$id $cli $app $srv1 $srv2 $rtr $lan
in_app() { nsenter --net=/run/netns/$app "$@"; }
feed() { in_app "$feed_bin" --socket "$tmp/dp.sock" "$@"; }

# --- network: one L2 segment (a bridge in its own namespace) -----------------
for ns in $lan $cli $app $srv1 $srv2 $rtr; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
for br in br0 br1; do
  ip -n $lan link add $br type bridge
  ip -n $lan link set $br up
done
attach() {  # attach <ns> <name inside> <bridge>: a veth from <ns> into the bridge
  ip -n $lan link add "l$2" type veth peer name "$2"
  ip -n $lan link set "$2" netns "$1"
  ip -n $lan link set "l$2" master "$3" up
  ip -n "$1" link set "$2" up
}
if [ "$arms" = 2 ]; then srv_br=br1 srv_net=198.18.2 srv_net6=fd00:5eed:2; else srv_br=br0 srv_net=198.18.1 srv_net6=fd00:5eed:1; fi
# Both modes also carry IPv6 calls (VIP [fd00:5eed::10]:5060): the host keeps
# IPv6 on its interfaces (its own address answers the clients' neighbour
# solicitations; the front passes ND to the kernel).
attach $cli c0 br0
attach $app dpa br0
attach $srv1 s1 $srv_br
attach $srv2 s2 $srv_br
if [ "$arms" = 2 ]; then
  attach $app dps br1
  ip -n $app addr add 198.18.2.254/24 dev dps
  ip -n $app addr add fd00:5eed:2::fe/64 dev dps nodad
  if [ "$mode" = dsr ]; then   # nat replies go back through the appliance instead
    attach $rtr r1 br0
    attach $rtr r2 br1
    ip -n $rtr addr add 198.18.1.253/24 dev r1
    ip -n $rtr addr add 198.18.2.253/24 dev r2
    ip -n $rtr addr add fd00:5eed:1::fd/64 dev r1 nodad
    ip -n $rtr addr add fd00:5eed:2::fd/64 dev r2 nodad
    ip netns exec $rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  fi
fi
ip -n $cli addr add 198.18.1.1/24 dev c0
ip -n $cli route add 198.18.0.10/32 via 198.18.1.254   # the VIP lives behind the appliance
ip -n $app addr add 198.18.1.254/24 dev dpa            # the host's own (management) address
ip -n $cli addr add fd00:5eed:1::1/64 dev c0 nodad
ip -n $cli route add fd00:5eed::10/128 via fd00:5eed:1::fe
ip -n $app addr add fd00:5eed:1::fe/64 dev dpa nodad
for i in 1 2; do
  ns=$(eval echo \$srv$i)
  ip -n "$ns" addr add $srv_net.1$i/24 dev s$i
  ip -n "$ns" addr add $srv_net6::1$i/64 dev s$i nodad
  if [ "$mode" = dsr ]; then
    if [ "$arms" = 2 ]; then   # dsr replies
      ip -n "$ns" route add 198.18.1.0/24 via 198.18.2.253
      ip -n "$ns" route add fd00:5eed:1::/64 via fd00:5eed:2::fd
    fi
    ip -n "$ns" addr add 198.18.0.10/32 dev lo          # dsr: the server owns the VIPs too
    ip -n "$ns" addr add fd00:5eed::10/128 dev lo
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1
  elif [ "$arms" = 2 ]; then
    ip -n "$ns" route add 198.18.1.0/24 via 198.18.2.254   # nat: replies back through the appliance
    ip -n "$ns" route add fd00:5eed:1::/64 via fd00:5eed:2::fe
  else
    # nat, one segment: the client is on-link for the server too; a host
    # route sends the replies to the appliance rather than straight back.
    ip -n "$ns" route add 198.18.1.1/32 via 198.18.1.254
    ip -n "$ns" route add fd00:5eed:1::1/128 via fd00:5eed:1::fe
  fi
  ip netns exec "$ns" ethtool -K s$i tx off >/dev/null
done
if [ "$mode" = nat ]; then
  # The front asks the FIB whether a server's reply is for this host (a
  # probe reply: kernel) or routed on (a client: DPDK). IPv4's lookup answers
  # FWD_DISABLED unless the receiving interface forwards (docs/bpf.md).
  for ifc in dpa $([ "$arms" = 2 ] && echo dps); do
    ip netns exec $app sysctl -qw net.ipv4.conf.$ifc.forwarding=1
  done
  # IPv6's lookup checks the namespace-wide switch, not the interface's.
  ip netns exec $app sysctl -qw net.ipv6.conf.all.forwarding=1
fi
# XDP sees frames as sent: a veth peer with TX checksum offload would leave
# partial UDP checksums, which sipsteer-dp counts as bad.
ip netns exec $cli ethtool -K c0 tx off >/dev/null

# --- sipsteer-dp on net_af_xdp with the front ---------------------------------
cat > "$tmp/sipsteer.yaml" <<YAML
dataplane:
  eal_args: [--no-huge, --no-pci, -m, "128", "--lcores=0@0,1@1", --no-shconf, --file-prefix=afx$id,
             --log-level=error, --no-telemetry]
  workers: 1
  idle_polls: 32
  idle_backoff_us: 200
  affinity: {max_dialogs: 16384}
  control_socket: $tmp/dp.sock
  ports:
$(if [ "$arms" = 2 ]; then cat <<PORTS
    - {name: clients, role: client, ipv4: 198.18.1.254/24, ipv6: "fd00:5eed:1::fe/64"$neighbours_key,
       device: "net_af_xdp0,iface=dpa,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=$front_obj"}
    - {name: servers, role: server, ipv4: 198.18.2.254/24, ipv6: "fd00:5eed:2::fe/64"$neighbours_key,
       device: "net_af_xdp1,iface=dps,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=$front_obj"}
PORTS
else cat <<PORT
    - {name: lan, role: both, ipv4: 198.18.1.254/24, ipv6: "fd00:5eed:1::fe/64"$neighbours_key,
       device: "net_af_xdp0,iface=dpa,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=$front_obj"}
PORT
fi)
YAML
# nsenter itself (not the in_app function, whose subshell would be the
# background pid) so that $! is sipsteer-dp and cleanup stops it.
nsenter --net=/run/netns/$app "$dp_bin" --config "$tmp/sipsteer.yaml" >"$tmp/dp.log" 2>&1 &
pids+=($!)
dp_pid=$!
for _ in $(seq 50); do [ -S "$tmp/dp.sock" ] && break; sleep 0.2; done
[ -S "$tmp/dp.sock" ] || fail "sipsteer-dp did not open its control socket"
log "$(grep '^sipsteer-dp:' "$tmp/dp.log")"
for ifc in dpa $([ "$arms" = 2 ] && echo dps); do
  in_app ip -d link show $ifc | grep -q 'prog/xdp' || fail "no XDP program on $ifc"
done

# The front's entries, as FrontProgram::syncFromTable writes them, in the
# maps DPDK's load pinned. struct sipsteer_bpf_endpoint: 16-byte address
# (IPv4 in the first 4), port, family (4 or 6), pad; network order.
endpoint_hex() {  # endpoint_hex ADDRESS PORT
  python3 -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1]); p = int(sys.argv[2])
b = a.packed.ljust(16, b"\0") + p.to_bytes(2, "big") + bytes([a.version, 0])
print(" ".join("%02x" % x for x in b))' "$1" "$2"
}
vips=/sys/fs/bpf/sipsteer_front_vips_v1
servers_map=/sys/fs/bpf/sipsteer_front_servers_v1
[ -e $vips ] && [ -e $servers_map ] || fail "front maps not pinned under /sys/fs/bpf"
bpftool map update pinned $vips key hex $(endpoint_hex 198.18.0.10 5060) value hex 00 00 00 00 00 00 00 00
bpftool map update pinned $vips key hex $(endpoint_hex fd00:5eed::10 5060) value hex 00 00 00 00 00 00 00 00
# Every server: struct sipsteer_bpf_server_info {server_id, reserved,
# generation, vip, reserved2}, little-endian ids. A nat pool's server names
# the VIP (the front then hands its replies to DPDK); a dsr server's vip is
# zero (its replies bypass the appliance).
no_vip_hex=$(printf '00 %.0s' $(seq 20))
for i in 1 2; do
  if [ "$mode" = nat ]; then vip_hex=$(endpoint_hex 198.18.0.10 5060); else vip_hex=$no_vip_hex; fi
  bpftool map update pinned $servers_map key hex $(endpoint_hex $srv_net.1$i 5060) \
    value hex 0$i 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 $vip_hex 00 00 00 00
  # The IPv6 servers (ids 11, 12) answer for the IPv6 VIP.
  if [ "$mode" = nat ]; then vip_hex=$(endpoint_hex fd00:5eed::10 5060); else vip_hex=$no_vip_hex; fi
  bpftool map update pinned $servers_map key hex $(endpoint_hex $srv_net6::1$i 5060) \
    value hex $(printf %02x $((10 + i))) 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 $vip_hex 00 00 00 00
done
# What the front now holds (bpftool's JSON: raw key/value bytes as hex).
bpftool -j map dump pinned $servers_map | python3 -c 'import json, sys
b = lambda v: bytes(int(x, 16) for x in v)
entries = [(b(e["key"]), b(e["value"])) for e in json.load(sys.stdin)]
nat = sum(1 for _, v in entries if v[34] != 0)  # vip.family: a nat server
print(f"front_servers: {len(entries)} entries, {nat} naming a VIP (nat replies to DPDK)")' >"$tmp/front_maps.txt" ||
  fail "bpftool could not dump $servers_map"
log "$(cat "$tmp/front_maps.txt")"
mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
# table: the servers' MACs come with the table (F_MAC_SET). kernel: none;
# sipsteer-dp reads them from the kernel's neighbour table (behind the front
# the servers' ARP replies and neighbour advertisements reach the kernel,
# never sipsteer-dp's own resolver; docs/dataplane.md, "Neighbours").
table_mac() { [ "$macs" = table ] && echo ",mac=$(mac "$1" "$2")" || true; }
feed --vip 198.18.0.10:5060 --mode $mode \
  --server "$srv_net.11:5060,weight=1,id=1$(table_mac $srv1 s1)" \
  --server "$srv_net.12:5060,weight=1,id=2$(table_mac $srv2 s2)" \
  --vip "[fd00:5eed::10]:5060" \
  --server "[$srv_net6::11]:5060,weight=1,id=11$(table_mac $srv1 s1)" \
  --server "[$srv_net6::12]:5060,weight=1,id=12$(table_mac $srv2 s2)" >"$tmp/feed.log" ||
  fail "table refused: $(cat "$tmp/feed.log")"
log "$(cat "$tmp/feed.log")"

# --- the host's own services on the same interface ------------------------------
# A UDP echo and a TCP service on each of the host's addresses (IPv4, IPv6).
cat > "$tmp/host_services.py" <<'PY'
import socket, sys, threading
def serve(addr):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM); udp.bind((addr, 7777))
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); tcp.bind((addr, 2222)); tcp.listen(4)
    udp.settimeout(60); tcp.settimeout(60)
    def echo_udp():
        for _ in range(10):
            data, peer = udp.recvfrom(2048); udp.sendto(b"kernel:" + data, peer[:2])
    threading.Thread(target=echo_udp, daemon=True).start()
    for _ in range(3):
        conn, _ = tcp.accept(); conn.sendall(b"kernel:" + conn.recv(2048)); conn.close()
threads = [threading.Thread(target=serve, args=(a,)) for a in sys.argv[1:]]
for t in threads: t.start()
for t in threads: t.join()
PY
cat > "$tmp/host_client.py" <<'PY'
import socket, sys
host, tag = sys.argv[1], sys.argv[2]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
udp = socket.socket(family, socket.SOCK_DGRAM); udp.settimeout(2)
udp.sendto(b"udp-" + tag.encode(), (host, 7777))
print(udp.recvfrom(2048)[0].decode())
tcp = socket.create_connection((host, 2222), timeout=2)
tcp.sendall(b"tcp-" + tag.encode()); print(tcp.recv(2048).decode())
PY
timeout 120 ip netns exec $app python3 "$tmp/host_services.py" 198.18.1.254 fd00:5eed:1::fe \
  >"$tmp/host_services.log" 2>&1 &
pids+=($!)
sleep 0.5
# A failed exchange prints less and must not end the story under set -e
# (pipefail): the caller's comparison says what was missing.
host_exchange() {  # host_exchange TAG: a UDP and a TCP round trip with each host address, from the client
  local host
  for host in 198.18.1.254 fd00:5eed:1::fe; do
    timeout 10 ip netns exec $cli python3 "$tmp/host_client.py" $host "$1" 2>>"$tmp/host_client.log" | tr '\n' ' ' || true
  done
}
host_answered() { echo "kernel:udp-$1 kernel:tcp-$1 kernel:udp-$1 kernel:tcp-$1 "; }
# nat: the host's own SIP with a server (sipsteerd's OPTIONS health probe,
# from the host's address on the servers' side) must stay the kernel's: the
# answer comes from a server:port of front_servers, like the replies DPDK
# un-NATs, and only the FIB (a local destination) tells the front otherwise.
cat > "$tmp/host_probe.py" <<'PY'
import socket, sys
src, servers = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_INET6 if ":" in src else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 5070)); s.settimeout(2)
host = lambda a: f"[{a}]" if ":" in a else a
for n, server in enumerate(servers):
    s.sendto((f"OPTIONS sip:{host(server)}:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {host(src)}:5070;branch=z9hG4bK-probe{n}\r\n"
              f"Max-Forwards: 70\r\nFrom: <sip:probe@{host(src)}>;tag={n}\r\nTo: <sip:{host(server)}>\r\n"
              f"Call-ID: probe-{n}-{src}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(),
             (server, 5060))
    try:
        data, peer = s.recvfrom(2048)
        print(f"{peer[0]}:{data.decode(errors='replace').splitlines()[0].replace(' ', '_')}")
    except socket.timeout:
        print(f"{server}:no_answer")
PY
host_probe() {  # host_probe SRC SERVER...: OPTIONS from the host's kernel; prints "server:status ..."
  timeout 10 ip netns exec $app python3 "$tmp/host_probe.py" "$@" 2>>"$tmp/host_probe.log" | tr '\n' ' ' || true
}
probes_ok() { shift; local a; for a in "$@"; do printf '%s:SIP/2.0_200_OK ' "$a"; done; }
if [ "$arms" = 2 ]; then host4=198.18.2.254 host6=fd00:5eed:2::fe; else host4=198.18.1.254 host6=fd00:5eed:1::fe; fi
probe4=($host4 $srv_net.11 $srv_net.12)
probe6=($host6 $srv_net6::11 $srv_net6::12)

# --- servers and calls --------------------------------------------------------------
for i in 1 2; do
  ns=$(eval echo \$srv$i)
  # dsr: the servers answer from the VIPs on their loopback.
  if [ "$mode" = dsr ]; then uas_ip=198.18.0.10 uas_ip6=fd00:5eed::10; else uas_ip=$srv_net.1$i uas_ip6=$srv_net6::1$i; fi
  ip netns exec "$ns" sipp -sn uas -aa -i $uas_ip -p 5060 -mp $((6000 + 10 * i)) -nostdin \
    -trace_err -error_file "$tmp/uas$i.errors" >"$tmp/uas$i.log" 2>&1 &
  pids+=($!)
  ip netns exec "$ns" sipp -sn uas -aa -i $uas_ip6 -p 5060 -mp $((6100 + 10 * i)) -nostdin \
    -trace_err -error_file "$tmp/uas6_$i.errors" >"$tmp/uas6_$i.log" 2>&1 &
  pids+=($!)
done
sleep 1
got=$(host_exchange before)
log "host exchange (IPv4, IPv6) before the calls: $got"
[ "$got" = "$(host_answered before)" ] || fail "UDP/TCP to the host's addresses did not reach the kernel"
# The client resolved the host's IPv6 address (its route to the IPv6 VIP) by
# neighbour discovery: the front passed its solicitation to the kernel.
dpa_mac=$(mac $app dpa)
cli_neigh=$(ip -n $cli -6 neigh show fd00:5eed:1::fe dev c0 | awk '{print $3}')
log "client's neighbour entry for the host's fd00:5eed:1::fe: ${cli_neigh:-none} (dpa is $dpa_mac)"
[ "$cli_neigh" = "$dpa_mac" ] || fail "the client did not resolve fd00:5eed:1::fe to dpa's MAC"
# nat: the host's own OPTIONS probes (dsr servers listen on the VIPs only).
if [ "$mode" = nat ]; then
  probed=$(host_probe "${probe4[@]}")
  probed6=$(host_probe "${probe6[@]}")
  log "host's OPTIONS probes to the servers before the calls: $probed$probed6"
  [ "$probed$probed6" = "$(probes_ok "${probe4[@]}")$(probes_ok "${probe6[@]}")" ] ||
    fail "a server's answer to the host's own probe did not reach the kernel"
fi

# What the client receives on its SIP port: every reply must come from the
# VIP (nat: un-NATed by DPDK; dsr: sent from the VIP by the server itself).
ip netns exec $cli tcpdump -i c0 -n -U --immediate-mode -Z root -w "$tmp/client.pcap" \
  'udp and dst port 5060 and (dst host 198.18.1.1 or dst host fd00:5eed:1::1)' 2>"$tmp/tcpdump.log" &
capture=$!
pids+=($!)
for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
grep -q 'listening on' "$tmp/tcpdump.log" || fail "tcpdump did not start in the client namespace"

uac_start() {  # uac_start NAME VIP:PORT CLIENT CALLS: sipp UAC at 50/s in the background -> $uac
  set +e
  timeout 120 ip netns exec $cli sipp -sn uac "$2" -i "$3" -p 5060 -mp 7000 \
    -m "$4" -r 50 -recv_timeout 8000 -nostdin -trace_stat -stf "$tmp/$1.csv" >"$tmp/$1.log" 2>&1 &
  uac=$!
  pids+=($!)
  set -e
}
uac_result() {  # uac_result NAME -> "successful failed"
  local cols
  cols=($(head -n 1 "$tmp/$1.csv" | tr ';' '\n' | grep -nxE 'SuccessfulCall\(C\)|FailedCall\(C\)' | cut -d: -f1))
  tail -n 1 "$tmp/$1.csv" | awk -F';' -v a="${cols[0]}" -v b="${cols[1]}" '{print $a, $b}'
}

calls=${CALLS:-200}
log "$calls calls at 50/s through the VIP (INVITE/180/200/ACK/BYE/200)"
uac_start uac 198.18.0.10:5060 198.18.1.1 "$calls"
sleep 1
got_during=$(host_exchange during)   # while SIP flows through DPDK
if [ "$mode" = nat ]; then probed_during=$(host_probe "${probe4[@]}"); fi
wait $uac || true
read -r ok failed < <(uac_result uac)
calls6=${CALLS6:-100}
log "$calls6 calls at 50/s through the IPv6 VIP [fd00:5eed::10]:5060"
uac_start uac6 "[fd00:5eed::10]:5060" fd00:5eed:1::1 "$calls6"
sleep 1
got_during6=$(host_exchange during6)
if [ "$mode" = nat ]; then probed6_during=$(host_probe "${probe6[@]}"); fi
wait $uac || true
read -r ok6 failed6 < <(uac_result uac6)
sleep 0.5   # the last 200 (to the BYE) into the capture
kill -INT $capture; wait $capture 2>/dev/null || true
count_client() { tcpdump -n -r "$tmp/client.pcap" "$1" 2>/dev/null | wc -l; }
from_vip=$(count_client 'src host 198.18.0.10 and src port 5060')
from_vip6=$(count_client 'src host fd00:5eed::10 and src port 5060')
from_others=$(count_client 'not ((src host 198.18.0.10 or src host fd00:5eed::10) and src port 5060)')

feed --counters >"$tmp/counters.txt"
counter() {  # counter server|vip INDEX NAME
  awk -v k="$1" -v n="$2" -v c="$3" '$1==k && $2==n { for (i=3;i<NF;i++) if ($i==c) print $(i+1) }' "$tmp/counters.txt"
}
d1=$(counter server 1 new_dialogs); d2=$(counter server 2 new_dialogs)
requests=$(counter vip 0 requests); responses=$(counter vip 0 responses)
d11=$(counter server 11 new_dialogs); d12=$(counter server 12 new_dialogs)
requests6=$(counter vip 1 requests); responses6=$(counter vip 1 responses)
passed=$(awk '$1=="port" { n += $10 } END { print n + 0 }' "$tmp/counters.txt")
nd_answered=$(awk '$1=="port" { n += $8 } END { print n + 0 }' "$tmp/counters.txt")  # ARP/NA by sipsteer-dp
log "calls successful=$ok failed=$failed; dialogs per server: s1=${d1:-0} s2=${d2:-0}; VIP requests through DPDK=$requests"
log "IPv6 calls successful=$ok6 failed=$failed6; dialogs per server: s1=${d11:-0} s2=${d12:-0}; VIP requests through DPDK=$requests6"
log "host exchange (IPv4, IPv6) during the IPv4 calls: $got_during; during the IPv6 calls: $got_during6"
[ "$mode" = nat ] && log "host's OPTIONS probes to the servers during the calls: $probed_during$probed6_during"
log "client received $from_vip SIP datagrams from the VIP, $from_vip6 from the IPv6 VIP, $from_others from elsewhere; responses through DPDK ($mode): $responses + $responses6 (IPv6)"
log "ARP/ND answered by sipsteer-dp: $nd_answered (the front passes ARP and ND to the kernel)"
if [ "$macs" = kernel ]; then
  # Where each server's MAC came from: sipsteer-dp logs every MAC it takes
  # from the kernel's table; the appliance kernel's own entries beside it.
  srv_if=$([ "$arms" = 2 ] && echo dps || echo dpa)
  learned_all=1
  for i in 1 2; do
    ns=$(eval echo \$srv$i)
    want=$(mac $ns s$i)
    for a in $srv_net.1$i $srv_net6::1$i; do
      line=$(grep -m1 -F ": $a is " "$tmp/dp.log" || true)
      kernel_entry=$(in_app ip neigh show $a dev $srv_if | head -n 1)
      log "server $a ($want): sipsteer-dp: ${line#sipsteer-dp: }; kernel: ${kernel_entry:-none}"
      case "$line" in *" $a is $want (kernel neighbour table of $srv_if,"*) ;; *) learned_all=0 ;; esac
    done
  done
  no_neighbour=$(awk '$1=="drop" { for (i=2;i<NF;i++) if ($i=="no_neighbour") print $(i+1) }' "$tmp/counters.txt")
  log "requests dropped no_neighbour: ${no_neighbour:-0} (neighbours: ${NEIGHBOURS:-default})"
fi
if [ "$mode" = dsr ]; then
  # Known dataplane bug, logged rather than asserted until it is fixed: dsr
  # responses never pass through sipsteer-dp, yet it arms the unanswered
  # timer for every dsr request (docs/dataplane.md, "net_af_xdp with the XDP
  # front"); the sum should be 0.
  unanswered=$(awk '$1=="server" { for (i=3;i<NF;i++) if ($i=="unanswered_requests") n += $(i+1) } END { print n + 0 }' "$tmp/counters.txt")
  log "dsr: unanswered_requests over all servers: $unanswered (no response ever passes here in dsr; should be 0)"
fi
# (sipp -aa notes each probe it answered as "Automatic response mode for an
# unexpected ... OPTIONS": not a dialog's message.)
unexpected=$(cat "$tmp"/uas*.errors 2>/dev/null | grep -i 'unexpected' | grep -vc 'Automatic response mode' || true)
grep -E '^(drop|port|vip|server)' "$tmp/counters.txt" | sed 's/^/  /'
# The front's own counters (per-CPU array, pinned): index 0 passed to the
# kernel, 1 redirected SIP, 3 no AF_XDP socket.
front_counter() {
  bpftool -j map lookup pinned /sys/fs/bpf/sipsteer_front_counters_v1 key $1 0 0 0 |
    python3 -c 'import json, sys
n = lambda v: v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little")
print(sum(n(v["value"]) for v in json.load(sys.stdin)["values"]))'
}
to_kernel=$(front_counter 0); to_dpdk=$(front_counter 1); no_xsk=$(front_counter 3)
log "XDP front: redirected_sip=$to_dpdk passed=$to_kernel no_xsk=$no_xsk"

[ "$ok" = "$calls" ] && [ "$failed" = 0 ] || fail "$failed of $calls calls failed"
[ "$macs" = table ] || [ "$learned_all" = 1 ] ||
  fail "sipsteer-dp did not learn every server's MAC from the kernel's neighbour table"
[ "$ok6" = "$calls6" ] && [ "$failed6" = 0 ] || fail "IPv6: $failed6 of $calls6 calls failed"
[ "${d1:-0}" -gt 0 ] && [ "${d2:-0}" -gt 0 ] || fail "dialogs did not reach both servers"
[ "$((d1 + d2))" -ge "$calls" ] || fail "dataplane counted $((d1 + d2)) dialogs for $calls calls"
[ "$requests" -ge $((3 * calls)) ] || fail "DPDK saw $requests requests, expected INVITE+ACK+BYE per call"
[ "${d11:-0}" -gt 0 ] && [ "${d12:-0}" -gt 0 ] || fail "IPv6 dialogs did not reach both servers"
[ "$((d11 + d12))" -ge "$calls6" ] || fail "IPv6: dataplane counted $((d11 + d12)) dialogs for $calls6 calls"
[ "$requests6" -ge $((3 * calls6)) ] || fail "IPv6: DPDK saw $requests6 requests for $calls6 calls"
# A dialog split over the servers shows as an ACK or BYE the UAS never expected.
[ "$unexpected" = 0 ] || fail "$unexpected messages reached a server outside their dialog"
# sipp's UAS answers 180 and 200 to the INVITE, 200 to the BYE: 3 replies per call.
[ "$from_vip" -ge $((3 * calls)) ] || fail "the client got $from_vip replies from the VIP, expected >= $((3 * calls))"
[ "$from_vip6" -ge $((3 * calls6)) ] || fail "IPv6: the client got $from_vip6 replies from the VIP for $calls6 calls"
[ "$from_others" = 0 ] || fail "the client got $from_others SIP datagrams not from the VIP (replies not un-NATed?)"
if [ "$mode" = nat ]; then
  [ "$responses" -ge $((3 * calls)) ] || fail "DPDK un-NATed $responses responses, expected >= $((3 * calls))"
  [ "$responses6" -ge $((3 * calls6)) ] || fail "IPv6: DPDK un-NATed $responses6 responses for $calls6 calls"
  [ "$to_dpdk" -ge $((requests + responses + requests6 + responses6)) ] ||
    fail "the front redirected $to_dpdk frames, DPDK counted $((requests + requests6)) requests + $((responses + responses6)) responses"
  [ "$probed_during$probed6_during" = "$(probes_ok "${probe4[@]}")$(probes_ok "${probe6[@]}")" ] ||
    fail "a server's answer to the host's own probe during the calls did not reach the kernel: $probed_during$probed6_during"
else
  [ "$responses" = 0 ] && [ "$responses6" = 0 ] || fail "dsr: $responses + $responses6 (IPv6) responses went through DPDK"
fi
[ "$got_during" = "$(host_answered during)" ] || fail "host exchange during the IPv4 calls failed: $got_during"
[ "$got_during6" = "$(host_answered during6)" ] || fail "host exchange during the IPv6 calls failed: $got_during6"
[ "$to_dpdk" -ge $((requests + requests6)) ] ||
  fail "the front redirected $to_dpdk frames, DPDK counted $requests + $requests6 (IPv6) requests"
[ "$nd_answered" = 0 ] || fail "sipsteer-dp answered $nd_answered ARP/ND requests: the front should pass them to the kernel"
[ "$to_kernel" -gt 0 ] && [ "$no_xsk" = 0 ] || fail "front: passed=$to_kernel no_xsk=$no_xsk"
[ "${passed:-0}" = 0 ] || fail "the front handed DPDK $passed frames that are not SIP"
kill -0 "$dp_pid" || fail "sipsteer-dp died"
if [ "$macs" = kernel ]; then
  # Its resolver's totals, printed when it stops.
  kill -TERM "$dp_pid"
  for _ in $(seq 50); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
  log "$(grep -m1 'sipsteer-dp: resolver:' "$tmp/dp.log" || echo 'sipsteer-dp printed no resolver totals')"
  ! grep -q 'kernel neighbours of' "$tmp/dp.log" || fail "kernel neighbour errors: $(grep 'kernel neighbours of' "$tmp/dp.log")"
fi
log "PASS"

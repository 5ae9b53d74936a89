#!/usr/bin/env bash
# Installs every build, test and demo dependency of sipsteer from Debian 12
# packages. Idempotent: packages already present are skipped, so a second run
# costs one dpkg query. Nothing is downloaded from anywhere but the Debian
# archive, and nothing is vendored.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang llvm lld libclang-rt-14-dev
  # fast path and BPF
  libdpdk-dev dpdk libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev libpcap-dev
  linux-libc-dev libnuma-dev
  # control plane libraries
  libc-ares-dev prometheus-cpp-dev libyaml-cpp-dev libcli11-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libsodium-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # lab: namespaces, SIP peers, DNS, capture, Prometheus server
  iproute2 iputils-ping ethtool sip-tester dnsmasq-base tcpdump curl procps
  prometheus dnsutils
  jq  # tests/netns/control/xdp_steer_scenario.sh polls sipsteerctl --json every 20 ms (python starts too slowly)
  systemd  # tests/deploy: systemd-analyze verify/security, systemd-sysusers, systemd-tmpfiles
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps packaged services (prometheus) from starting on install:
# the lab starts its own instances inside namespaces.
cleanup_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  cleanup_policy=1
fi
trap '[ $cleanup_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"

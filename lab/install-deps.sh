#!/usr/bin/env bash
# Install every Debian package the lab harness and the end-to-end tests need.
# Idempotent: a fast no-op (one dpkg-query call) when everything is present;
# runs `apt-get update` only when a package is actually missing.
set -euo pipefail

PACKAGES=(
  qemu-system-x86 qemu-utils ipxe ipxe-qemu ovmf seabios
  dnsmasq-base tftp-hpa busybox-static isc-dhcp-client curl cpio
  isc-dhcp-relay
  tcpdump tshark xxd kea-admin zstd iproute2 procps psmisc python3 util-linux
  fdisk dosfstools mtools syslinux syslinux-common binutils
  openipmi ipmitool
  # bench/multicast.sh compares our multicast transfer with these two (and builds its loss shim with gcc)
  udpcast uftp gcc libc6-dev
  # the pool store's PostgreSQL tests start their own throwaway server from these binaries
  postgresql
  # the dashboard's browser test (DashboardBrowserE2EIT): headless Chromium driven by Selenium
  chromium chromium-driver
  maven openjdk-17-jdk-headless
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if ((EUID != 0)); then
  echo "install-deps: missing ${missing[*]} and not root; run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"

#!/bin/sh
# /init of the deployment environment (network-booted kernel + this initramfs, everything in RAM).
# Brings up devices, modules and the network, then runs the deploy agent (Java) as the main program.
# Kernel command line: pxe.runtime=URL pxe.token=T pxe.mac=MAC (NIC to use; else BOOTIF=01-MAC; else the first
#   NIC with a link, else the first NIC)
#   pxe.debug (shell instead of poweroff when the agent ends)
#   pxe.onexit=poweroff|reboot|shell (default poweroff; shell with pxe.debug)
#   pxe.jvm=-Xmx256m,-Dfoo=bar (extra JVM options, comma-separated)   pxe.dhcp=0 (no DHCP: network stays down)
#   pxe.jit=c1 (C1 compiler only: starts faster, hashes slower)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=linux MTOOLS_SKIP_CHECK=1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run/pxe-reimage /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd 2>/dev/null

say() { echo "PXE-REIMAGE-DEPLOY-ENV: $*"; }
uptime_s() { read -r u _ </proc/uptime; echo "$u"; }
arg() {   # arg NAME -> value of NAME=... on the kernel command line (last one wins)
  v=""
  for w in $(cat /proc/cmdline); do case $w in "$1"=*) v=${w#*=} ;; esac; done
  echo "$v"
}
flag() { case " $(cat /proc/cmdline) " in *" $1 "*) return 0 ;; esac; return 1; }

runtime=$(arg pxe.runtime)
want_mac=$(arg pxe.mac | tr 'A-F-' 'a-f:')
# pxelinux/iPXE style BOOTIF=01-aa-bb-cc-dd-ee-ff names the boot NIC too.
[ -n "$want_mac" ] || want_mac=$(arg BOOTIF | sed -n 's/^01-//p' | tr 'A-F-' 'a-f:')
say "init uptime=$(uptime_s) kernel=$(uname -r)"

# Modules in dependency order (computed at build time); built-ins are not listed.
while read -r m; do insmod "/lib/modules/$(uname -r)/$m" 2>/dev/null; done </lib/modules/load.list

# Without a hardware RNG (virtio-rng, or RDRAND with -cpu max / real CPUs) the first HttpClient call waited ~10 s
# under TCG until the kernel's jitter entropy initialised the pool ("random: crng init done").
hwrng=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
say "hwrng=${hwrng:-none} entropy=$(cat /proc/sys/kernel/random/entropy_avail)"
[ "${hwrng:-none}" = none ] && ! grep -qw rdrand /proc/cpuinfo && \
  say "warning: no hardware RNG (virtio-rng or RDRAND): Java's first TLS/HTTP setup may wait for entropy"

# --- network -------------------------------------------------------------------------------------------
# pick_nic [carrier]: the NIC with want_mac; without one, the first NIC (with "carrier": the first with a link).
pick_nic() {
  for n in /sys/class/net/*; do
    i=${n##*/}
    [ "$i" = lo ] && continue
    [ -e "$n/device" ] || continue
    if [ -n "$want_mac" ]; then
      [ "$(cat "$n/address")" = "$want_mac" ] && { echo "$i"; return; }
    else
      ip link set "$i" up 2>/dev/null
      [ "$1" = carrier ] && [ "$(cat "$n/carrier" 2>/dev/null)" != 1 ] && continue
      echo "$i"; return
    fi
  done
}
ip link set lo up
nic=""
i=0
while [ -z "$nic" ] && [ $i -lt 100 ]; do nic=$(pick_nic); [ -n "$nic" ] || { i=$((i + 1)); sleep 0.1; }; done
if [ -n "$nic" ] && [ -z "$want_mac" ]; then
  # Several NICs and no MAC given: prefer one whose link is up (links need a moment after "up").
  i=0
  while [ $i -lt 30 ]; do c=$(pick_nic carrier); [ -n "$c" ] && { nic=$c; break; }; i=$((i + 1)); sleep 0.1; done
fi
ip_addr=none
if [ -z "$nic" ]; then
  say "no network interface${want_mac:+ with MAC $want_mac}"
elif [ "$(arg pxe.dhcp)" = 0 ]; then
  ip link set "$nic" up
  echo "PXE_IFACE=$nic" >/run/pxe-reimage/net.env
else
  ip link set "$nic" up
  # Forks into the background after the first lease and keeps renewing it; retries until it gets one.
  n=0
  until udhcpc -i "$nic" -s /etc/udhcpc.script -t 5 -T 2 -A 1 -n -V pxe-reimage-deploy -x hostname:deploy \
      -p /run/udhcpc.pid; do
    n=$((n + 1)); say "no DHCP lease on $nic (attempt $n), retrying"
  done
  [ -f /run/pxe-reimage/net.env ] && . /run/pxe-reimage/net.env
  ip_addr=${PXE_IP:-none}
fi
say "up ip=$ip_addr iface=${nic:-none} runtime=${runtime:-none} uptime=$(uptime_s)"

# A multicast receiver asks for an 8 MiB socket buffer: the kernel's 208 KiB cap drops a stream after ~150
# packets whenever the agent is descheduled (a busy host, TCG). Unicast is not affected (TCP flow control).
echo 16777216 >/proc/sys/net/core/rmem_max 2>/dev/null || true

# --- agent ---------------------------------------------------------------------------------------------
jvm_extra=$(arg pxe.jvm | tr ',' ' ')
cds=""
# Map the archive where it was dumped (no pointer relocation pass over 15 MB, which is slow under TCG).
[ -f /jre/lib/server/agent.jsa ] && cds="-XX:SharedArchiveFile=/jre/lib/server/agent.jsa \
  -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
# JIT: full tiered by default: C2 hashes (SHA-256 of the whole image) several times faster than C1 (8x on hardware
# with SHA/AVX2 intrinsics, ~1.5x under qemu TCG), for ~1-2 s more CPU at start. pxe.jit=c1: C1 only.
jit=""
[ "$(arg pxe.jit)" = c1 ] && jit=-XX:TieredStopAtLevel=1
# SerialGC: one small heap, no GC threads competing on a single vCPU.
# shellcheck disable=SC2086
/jre/bin/java $jit -XX:+UseSerialGC -Xshare:auto $cds -XX:-UsePerfData \
  -XX:+ExitOnOutOfMemoryError -Djava.security.egd=file:/dev/urandom -Djava.io.tmpdir=/tmp \
  $jvm_extra -jar /agent/deploy-agent.jar
rc=$?
if [ $rc -gt 128 ]; then why="killed by signal $((rc - 128))"; else why="exit status $rc"; fi
say "agent ended: $why uptime=$(uptime_s)"

onexit=$(arg pxe.onexit)
[ -n "$onexit" ] || { if flag pxe.debug; then onexit=shell; else onexit=poweroff; fi; }
sync
case $onexit in
  shell)
    say "shell (exit it to power off)"
    setsid cttyhack sh
    poweroff -f ;;
  reboot) say "rebooting"; reboot -f ;;
  *) say "powering off"; poweroff -f ;;
esac

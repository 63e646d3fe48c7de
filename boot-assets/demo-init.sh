#!/bin/sh
# /init of the demo disk image's initramfs: proves the machine booted from its disk and shows the
# first-boot data the deploy agent wrote (FAT partition labelled CIDATA), then powers off. With a readyUrl in
# pxe-reimage.json it instead brings up the network, POSTs to that URL ("the OS is up", docs/first-boot.md) and
# stays up: the machine now belongs to its lease holder. The URL holds a one-time token: it is never printed.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
ready="" host="" iid="" # the kernel passes unknown key=value words of its command line to /init's environment
read -r up _ </proc/uptime
echo "PXE-REIMAGE-OS: booted from disk uptime=$up root=$(cat /proc/cmdline)"
while read -r m; do insmod "/lib/modules/$(uname -r)/$m" 2>/dev/null; done </lib/modules/load.list

# Disks appear asynchronously after virtio_blk probes (partitions are scanned before the disk shows up in
# /sys/block): wait up to 5 s for a disk, then look for CIDATA.
i=0
has_disk() { for b in /sys/block/*; do case ${b##*/} in loop*|ram*|'*') ;; *) return 0 ;; esac; done; return 1; }
while [ $i -lt 50 ] && ! has_disk; do i=$((i + 1)); sleep 0.1; done
dev=$(findfs LABEL=CIDATA 2>/dev/null || { sleep 0.3; findfs LABEL=CIDATA 2>/dev/null; })
if [ -n "$dev" ]; then
  mkdir -p /run/firstboot
  # Root only: the volume may hold secrets meant for the first boot.
  if mount -t vfat -o ro,uid=0,gid=0,umask=077 "$dev" /run/firstboot; then
    echo "PXE-REIMAGE-FIRSTBOOT: volume=$dev"
    echo "PXE-REIMAGE-FIRSTBOOT: files=$(ls /run/firstboot | tr '\n' ' ')"
    found=0
    for f in pxe-reimage.json pxe-reimage.env; do
      [ -f "/run/firstboot/$f" ] || continue
      found=1
      echo "PXE-REIMAGE-FIRSTBOOT: file=$f"
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in *'"readyUrl"'*) line=$(echo "$line" | sed 's/\("readyUrl" *: *"\)[^"]*/\1(set)/') ;; esac
        echo "PXE-REIMAGE-FIRSTBOOT: $line"
      done <"/run/firstboot/$f"
    done
    # JSON written by the agent (pretty-printed, one field a line; the URL has no quote or backslash).
    json=/run/firstboot/pxe-reimage.json
    if [ -f $json ]; then
      ready=$(sed -n 's/^ *"readyUrl" *: *"\([^"]*\)".*/\1/p' $json)
      host=$(sed -n 's/^ *"hostname" *: *"\([^"]*\)".*/\1/p' $json)
    fi
    [ -f /run/firstboot/meta-data ] && iid=$(sed -n 's/^instance-id: *//p' /run/firstboot/meta-data)
    [ $found = 1 ] || echo "PXE-REIMAGE-FIRSTBOOT: no pxe-reimage.json on $dev"
    umount /run/firstboot
  else
    echo "PXE-REIMAGE-FIRSTBOOT: cannot mount $dev"
  fi
else
  echo "PXE-REIMAGE-FIRSTBOOT: none (no CIDATA volume)"
fi
echo "PXE-REIMAGE-OS: done"
debug() { case " $(cat /proc/cmdline) " in *" pxe.debug "*) exec setsid cttyhack sh ;; esac; }
if [ -z "$ready" ]; then
  debug
  sync
  poweroff -f
fi

# --- ready: network, then POST (form data like cloud-init's phone_home) ---------------------------------
ready_post() {
  while read -r m; do insmod "/lib/modules/$(uname -r)/$m" 2>/dev/null; done </lib/modules/load-net.list
  ip link set lo up
  nic="" i=0
  while [ -z "$nic" ] && [ $i -lt 50 ]; do
    for n in /sys/class/net/*; do [ -e "$n/device" ] && { nic=${n##*/}; break; }; done
    [ -n "$nic" ] || { i=$((i + 1)); sleep 0.1; }
  done
  [ -n "$nic" ] || { echo "PXE-REIMAGE-OS: ready failed: no network interface"; return 1; }
  ip link set "$nic" up
  # Stays in the background after the first lease and renews it; -n: give up after ~10 s without one.
  udhcpc -i "$nic" -s /etc/udhcpc.script -t 5 -T 2 -A 1 -n -x hostname:"${host:-demo}" -p /run/udhcpc.pid \
    >/dev/null 2>&1 || { echo "PXE-REIMAGE-OS: ready failed: no DHCP lease on $nic"; return 1; }
  . /run/pxe-reimage/net.env
  echo "PXE-REIMAGE-OS: network $PXE_IFACE $PXE_IP"
  n=0 err=""
  while [ $n -lt 8 ]; do
    # timeout, not wget -T: busybox 1.35's static wget dies of SIGSEGV with -T.
    # wget's messages may quote the URL: keep its query (the token) out of the console.
    err=$(timeout 5 wget -q -O /dev/null --post-data "instance_id=$iid&hostname=$host" "$ready" 2>&1) && {
      echo "PXE-REIMAGE-OS: ready posted"; return 0; }
    n=$((n + 1)); sleep 2
  done
  echo "PXE-REIMAGE-OS: ready failed: $(echo "$err" | tail -n1 | sed 's/?[^ ]*/?(hidden)/g') ($n tries)"
  return 1
}
ready_post
debug
echo "PXE-REIMAGE-OS: up, idle (no power-off: the machine is in use)"
while :; do sleep 3600; done

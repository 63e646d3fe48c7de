#!/bin/sh
# /init of the demo disk image's initramfs: proves the machine booted from its disk and shows the
# first-boot data the deploy agent wrote (FAT partition labelled CIDATA), then powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
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
      while IFS= read -r line || [ -n "$line" ]; do echo "PXE-REIMAGE-FIRSTBOOT: $line"; done <"/run/firstboot/$f"
    done
    [ $found = 1 ] || echo "PXE-REIMAGE-FIRSTBOOT: no pxe-reimage.json on $dev"
    umount /run/firstboot
  else
    echo "PXE-REIMAGE-FIRSTBOOT: cannot mount $dev"
  fi
else
  echo "PXE-REIMAGE-FIRSTBOOT: none (no CIDATA volume)"
fi
echo "PXE-REIMAGE-OS: done"
case " $(cat /proc/cmdline) " in *" pxe.debug "*) exec setsid cttyhack sh ;; esac
sync
poweroff -f

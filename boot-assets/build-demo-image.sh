#!/usr/bin/env bash
# build-demo-image.sh OUTDIR
# A small BIOS-bootable raw disk image for deploy tests, built without mounting anything:
#   OUTDIR/demo-disk.img         MBR (syslinux mbr.bin) + one bootable FAT16 partition (from 1 MiB) holding
#                                SYSLINUX, the Debian cloud kernel and a busybox initramfs whose /init prints
#                                "PXE-REIMAGE-OS: booted from disk", then "PXE-REIMAGE-FIRSTBOOT: <line>" for each
#                                line of pxe-reimage.json on a FAT volume labelled CIDATA, then powers off (with a
#                                readyUrl there: DHCP on virtio_net, POST to it, "PXE-REIMAGE-OS: ready posted", stays up).
#   OUTDIR/demo-disk.img.sha256  "<sha256>  demo-disk.img"
#   OUTDIR/demo-disk.env         DEMO_IMAGE=, DEMO_IMAGE_SHA256=, DEMO_IMAGE_SIZE=, DEMO_KERNEL_VERSION=
# Cached: inputs (kernel package, busybox, syslinux, dosfstools, mtools, these scripts, size) are hashed; an
# unchanged rebuild copies from boot-assets/cache/demo-<key>/ (or does nothing when OUTDIR is current).
# Env: DEMO_IMAGE_MB (32; the kernel alone is 14 MB), BOOT_ASSETS_CACHE, LAB_CACHE, LAB_KERNEL_PKG.
set -euo pipefail
# shellcheck disable=SC2034  # read by lib.sh
BA_NAME=build-demo-image
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"; OUT=$(cd "$1" && pwd)
MB=${DEMO_IMAGE_MB:-32}
[[ $MB =~ ^[0-9]+$ ]] && ((MB >= 24)) || ba_die "DEMO_IMAGE_MB must be >= 24"
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
for c in sfdisk mkfs.fat syslinux mcopy cpio zstd; do command -v $c >/dev/null || ba_die "$c missing: run lab/install-deps.sh"; done
[[ -f $MBR_BIN ]] || ba_die "$MBR_BIN missing (syslinux-common)"

ba_lock "$BA_CACHE/.lock-demo"
ba_kernel
key=$(echo "$LAB_KPKG $MB $BA_ZSTD_LEVEL" | ba_key "${BASH_SOURCE[0]}" "$BA_DIR/lib.sh" "$BA_DIR/demo-init.sh" \
  "$BA_DIR/udhcpc.script" "$BA_REPO/lab/kernel-lib.sh" "$BA_BUSYBOX" "$MBR_BIN" "$(command -v syslinux)" "$(command -v mkfs.fat)" \
  "$(command -v mtools)")
if [[ $(cat "$OUT/.demo-key" 2>/dev/null) == "$key" && -s $OUT/demo-disk.img ]]; then
  ba_log "up to date: $OUT/demo-disk.img ($(cut -c1-12 "$OUT/demo-disk.img.sha256"))"
  exit 0
fi
C=$BA_CACHE/demo-$key
if [[ ! -s $C/demo-disk.img ]]; then
  t0=$EPOCHREALTIME
  work=$(mktemp -d "$BA_CACHE/.build-demo.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # --- initramfs: busybox + virtio/fat modules + /init --------------------------------------------------
  root=$work/root
  mkdir -p "$root"/{proc,sys,dev,run,tmp}
  ba_busybox "$root"
  # Network modules in their own list: /init loads them only when it has a ready URL to post to.
  ba_modules "$root" virtio_net | tr '\n' ' ' >"$work/modules.txt"
  mv "$root/lib/modules/load.list" "$root/lib/modules/load-net.list"
  ba_modules "$root" virtio_pci virtio_blk virtio_scsi sd_mod fat vfat nls_cp437 nls_ascii nls_utf8 \
    | tr '\n' ' ' >>"$work/modules.txt"
  install -m 755 "$BA_DIR/demo-init.sh" "$root/init"
  install -D -m 755 "$BA_DIR/udhcpc.script" "$root/etc/udhcpc.script"
  ba_cpio "$root" "$work/initrd.img"
  # --- disk: MBR, partition 1 = FAT16 (LBA, bootable) from sector 2048 to the end ---------------------
  img=$work/demo-disk.img
  truncate -s "${MB}M" "$img"
  printf 'label: dos\nlabel-id: 0x50584544\nstart=2048, type=e, bootable\n' | sfdisk -q "$img"
  sectors=$(sfdisk -l -o Sectors "$img" | tail -n1 | tr -d ' ')
  # --invariant + fixed volume id: the same inputs give the same bytes.
  mkfs.fat -F 16 --invariant -i 50584544 -n PXEDEMO --offset 2048 "$img" $((sectors / 2)) 2>&1 >/dev/null \
    | { grep -v "block count mismatch" >&2 || true; }
  cat >"$work/syslinux.cfg" <<'CFG'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND console=ttyS0
CFG
  cp "$LAB_VMLINUZ" "$work/vmlinuz"
  touch -d "2020-01-01 00:00:00 UTC" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg"
  # SOURCE_DATE_EPOCH: mtools (also under syslinux) stamps new directory entries with it instead of now.
  export MTOOLS_SKIP_CHECK=1 SOURCE_DATE_EPOCH=1577836800
  syslinux --install --offset $((2048 * 512)) "$img"
  mcopy -m -i "$img@@1M" "$work/syslinux.cfg" "$work/vmlinuz" "$work/initrd.img" ::/
  # SYSLINUX's MBR: boots the active partition's boot sector (the partition table after byte 440 stays).
  dd if="$MBR_BIN" of="$img" bs=440 count=1 conv=notrunc status=none
  # Older builds (other inputs) go: the cache keeps one image.
  find "$BA_CACHE" -maxdepth 1 -name 'demo-*' ! -name "demo-$key" -exec rm -rf {} +
  rm -rf "$C"; mkdir -p "$C"
  mv "$img" "$work/initrd.img" "$work/modules.txt" "$C/"
  ba_log "built in $(ba_since "$t0") s; modules: $(cat "$C/modules.txt")"
fi
cp --sparse=always "$C/demo-disk.img" "$OUT/demo-disk.img.tmp"
mv "$OUT/demo-disk.img.tmp" "$OUT/demo-disk.img"
sum=$(sha256sum "$OUT/demo-disk.img" | cut -d' ' -f1)
echo "$sum  demo-disk.img" >"$OUT/demo-disk.img.sha256"
size=$(stat -c %s "$OUT/demo-disk.img")
cat >"$OUT/demo-disk.env" <<ENV
# generated by boot-assets/build-demo-image.sh
DEMO_IMAGE=$OUT/demo-disk.img
DEMO_IMAGE_SHA256=$sum
DEMO_IMAGE_SIZE=$size
DEMO_KERNEL_VERSION=$LAB_KVER
ENV
echo "$key" >"$OUT/.demo-key"
ba_log "$OUT/demo-disk.img: $size bytes ($((size / 1048576)) MiB, $(du -k "$OUT/demo-disk.img" | cut -f1) KiB used), sha256 ${sum:0:16}..."

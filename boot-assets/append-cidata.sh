#!/usr/bin/env bash
# append-cidata.sh DISK FILE...
# Reference for the deploy agent's first-boot step, used by tests: appends a partition after the last one on an
# MBR disk (raw image file or block device), formats it FAT (label CIDATA) without mounting, and copies FILEs into
# its root with mtools, the way docs/first-boot.md describes the agent's step (4 MiB, FAT12, hidden sectors = start).
# Size: CIDATA_MB (4). Prints the partition's start sector.
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 DISK FILE..." >&2; exit 2; }
disk=$1; shift
mb=${CIDATA_MB:-4}
echo "size=${mb}MiB, type=c" | sfdisk -q --append "$disk"
line=$(sfdisk -l -o Start,Sectors "$disk" | tail -n1)
read -r start sectors <<<"$line"
# The block count is the partition's, not the disk's: mkfs.fat warns about the mismatch, which is intended.
mkfs.fat -I -n CIDATA --offset "$start" -h "$start" "$disk" $((sectors / 2)) 2>&1 >/dev/null \
  | { grep -v "block count mismatch" >&2 || true; }
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$disk@@$((start * 512))" "$@" ::/
echo "$start"

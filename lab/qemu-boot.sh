#!/usr/bin/env bash
# qemu-boot.sh: boot one lab machine on tapN in ${LAB_PREFIX}lan and wait for a marker.
#
#   qemu-boot.sh [--prefix P] [--firmware bios|uefi] [--mac MAC] [--tap N] [--disk FILE]
#                [--uuid UUID] [--timeout SECONDS] [--serial-log FILE] [--marker STRING] [--mem MB] [--smp N]
#                [--nic-rom default|none|FILE] [--uefi-net all|pxe4|pxe6|http] [--boot ORDER]
#                [--allow-reboot] [--linger SECONDS] [-- EXTRA QEMU ARGS]
#
# Defaults: prefix $LAB_PREFIX (else pxl-), bios, MAC 52:54:00:12:34:56, tap 0, timeout 60,
# serial log ./serial-<mac>.log, marker "PXE-REIMAGE-MARKER: init reached", 512 MB, 1 vCPU.
# NIC ROM: bios default = qemu's iPXE (efi-virtio.rom: iPXE for BIOS and EFI);
#          uefi default = none (romfile=), so EDK2's own PXE/HTTP client runs;
#          `--nic-rom default` under uefi gives iPXE's EFI driver instead.
# --uefi-net (OVMF fw_cfg knobs): all = PXEv4, PXEv6, HTTPv4, HTTPv6 in turn (firmware default);
#   pxe4 (default) = no PXEv6 (a failing PXEv4 otherwise costs ~64 s of DHCPv6 retries before HTTP);
#   pxe6 = no PXEv4 (PXEv6 first: DHCPv6 Solicit with boot-file-url request);
#   http = no PXE at all, straight to UEFI HTTP boot (arch 16).
# --allow-reboot: no -no-reboot, so a guest reboot restarts the machine in the same qemu (same boot
#   order, same disk: a deploy that reboots into the written disk); a guest power-off still ends qemu.
# --linger S: after the marker, give qemu S seconds (default 3) to end by itself (a guest power-off) before it is
#   killed; RESULT says running=yes when it was still up then (a guest that must stay up after the marker).
# Markers are matched as fixed strings anywhere in the serial output (also in unfinished lines).
# Writes SERIAL_LOG (raw) and SERIAL_LOG.ts ("<seconds since qemu start> <line>").
# Exit: 0 marker seen, 1 timeout, 3 qemu exited without the marker, 2 usage.
# Prints "RESULT marker=yes|no elapsed=S.sss running=yes|no log=FILE" on stdout as its last line.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prefix=${LAB_PREFIX:-pxl-} fw=bios mac=52:54:00:12:34:56 tap=0 disk="" timeout=60 log="" \
  marker=$LAB_MARKER_DEFAULT mem=512 smp=1 nicrom="" boot="" uefinet=pxe4 uuid="" noreboot=-no-reboot linger=3
extra=()
while (($#)); do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --firmware) fw=$2; shift 2 ;;
    --mac) mac=$2; shift 2 ;;
    --uuid) uuid=$2; shift 2 ;;
    --tap) tap=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --serial-log) log=$2; shift 2 ;;
    --marker) marker=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --nic-rom) nicrom=$2; shift 2 ;;
    --boot) boot=$2; shift 2 ;;
    --uefi-net) uefinet=$2; shift 2 ;;
    --allow-reboot) noreboot=""; shift ;;
    --linger) linger=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "qemu-boot: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $fw == bios || $fw == uefi ]] || lab_die "--firmware bios|uefi"
[[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || lab_die "bad --mac $mac"
[[ $timeout =~ ^[0-9]+$ ]] || lab_die "bad --timeout"
[[ $linger =~ ^[0-9]+$ ]] || lab_die "bad --linger"
lab_ns_exists "${prefix}lan" || lab_die "namespace ${prefix}lan missing: run netns.sh up first"
log=${log:-$PWD/serial-${mac//:/}.log}
mkdir -p "$(dirname "$log")"
lab_tap_add "$prefix" "$tap" >/dev/null
if ip -n "${prefix}lan" link show "tap$tap" | grep -q 'state UP'; then
  lab_die "tap$tap is in use by another machine"
fi

run=$(mktemp -d /tmp/lab-qemu.XXXXXX)
qpid=""
cleanup() {
  if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
    kill -TERM "$qpid" 2>/dev/null || true
    for _ in $(seq 15); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$qpid" 2>/dev/null || true
  fi
  if [[ -n $qpid ]]; then wait "$qpid" 2>/dev/null || true; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nic="virtio-net-pci,netdev=n0,mac=$mac"
case ${nicrom:-$([[ $fw == uefi ]] && echo none || echo default)} in
  default) ;;
  none) nic+=",romfile=" ;;
  *) nic+=",romfile=$nicrom" ;;
esac
cmd=(qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" -nographic -nodefaults -display none
  -serial stdio -monitor none ${noreboot:+"$noreboot"}
  -netdev "tap,id=n0,ifname=tap$tap,script=no,downscript=no" -device "$nic"
  -device virtio-rng-pci)
if [[ $fw == uefi ]]; then
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$run/vars.fd"   # fresh NVRAM per run: no stale boot entries
  cmd+=(-machine q35
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
    -drive "if=pflash,format=raw,unit=1,file=$run/vars.fd")
  knob() { cmd+=(-fw_cfg "name=opt/org.tianocore/$1,string=$2"); }
  case $uefinet in
    all) ;;
    pxe|pxe4) knob IPv6PXESupport no ;;
    pxe6) knob IPv4PXESupport no ;;
    http) knob IPv4PXESupport no; knob IPv6PXESupport no ;;
    *) lab_die "--uefi-net all|pxe4|pxe6|http" ;;
  esac
fi
if [[ -n $disk ]]; then
  [[ -f $disk ]] || lab_die "disk $disk not found"
  cmd+=(-drive "file=$disk,format=raw,if=virtio")
  boot=${boot:-nc}
fi
cmd+=(-boot "order=${boot:-n}")
# SMBIOS UUID: firmware sends it as DHCP option 97 (all zero without it).
[[ -n $uuid ]] && cmd+=(-uuid "$uuid")
cmd+=("${extra[@]}")

echo "qemu-boot: ip netns exec ${prefix}lan ${cmd[*]}" >&2
: >"$log"; : >"$log.ts"
t0=$EPOCHREALTIME
echo "$t0" >"$log.t0"
# Stamp each serial line with seconds since start; CRs (iPXE progress, ANSI) are dropped.
# A line still unfinished after 0.3 s (firmware progress dots) is written out as it is, so markers
# such as ">>Start PXE over IPv6" are seen before the line ends.
stamp() {
  local line end st
  while :; do
    if IFS= read -r -t 0.3 line; then
      end=$'\n'
    else
      st=$?
      if ((st <= 128)); then [[ -n $line ]] && printf '%s' "${line//$'\r'/}" >>"$log"; break; fi  # EOF
      [[ -n $line ]] || continue   # timeout, nothing new
      end=""                       # timeout with a partial line
    fi
    line=${line//$'\r'/}
    printf '%s%s' "$line" "$end" >>"$log"
    printf '%s %s\n' "$(since_start)" "$line" >>"$log.ts"
  done
}
# Seconds since t0 with millisecond precision, in pure bash (no fork per serial line).
since_start() {
  local us=$(( ${EPOCHREALTIME/./} - ${t0/./} ))
  printf '%d.%03d' $((us / 1000000)) $((us % 1000000 / 1000))
}
ip netns exec "${prefix}lan" "${cmd[@]}" </dev/null > >(stamp) 2>"$run/qemu.err" &
qpid=$!

found=no rc=1
deadline=$(( ${t0/./} + timeout * 1000000 ))
while :; do
  if grep -qF -- "$marker" "$log" 2>/dev/null; then found=yes; rc=0; break; fi
  if ! kill -0 "$qpid" 2>/dev/null; then
    sleep 0.3; grep -qF -- "$marker" "$log" && { found=yes; rc=0; } || rc=3
    break
  fi
  (( ${EPOCHREALTIME/./} >= deadline )) && { rc=1; break; }
  sleep 0.1
done
elapsed=$(since_start)
# The test initramfs powers off right after the marker; give qemu a moment to exit by itself.
running=no
if [[ $found == yes ]]; then
  for _ in $(seq $((linger * 10))); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$qpid" 2>/dev/null && running=yes
fi
[[ -s $run/qemu.err ]] && sed 's/^/qemu-boot: qemu: /' "$run/qemu.err" >&2
case $rc in
  1) lab_log "timeout after ${timeout}s without '$marker' (log $log)" ;;
  3) lab_log "qemu exited without '$marker' (log $log)" ;;
esac
echo "RESULT marker=$found elapsed=$elapsed running=$running log=$log"
exit "$rc"

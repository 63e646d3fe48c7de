#!/usr/bin/env bash
# selftest-dnsmasq.sh [bios|uefi|all]
# Proves the harness with dnsmasq as the PXE server (full DHCP + TFTP, busybox httpd for HTTP):
#   bios: SeaBIOS + qemu's iPXE ROM -> HTTP script -> kernel + initrd -> marker
#   uefi: OVMF/EDK2 PXE -> ipxe.efi over TFTP -> iPXE DHCP -> HTTP script -> kernel + initrd -> marker
# Env: LAB_PREFIX (pxl1-), LAB_SUBNET (10.231.9), LAB_TIMEOUT (90), LAB_RA (1), LAB_WORK.
# Prints a RESULT line and a timeline per machine; exit 0 only if every machine reached the marker.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

which=${1:-all}
P=${LAB_PREFIX:-pxl1-} S=${LAB_SUBNET:-10.231.9} TMO=${LAB_TIMEOUT:-90}
lab_check_prefix "$P"; lab_check_subnet "$S"
W=$(lab_workdir "$P")
trap 'lab_ns_down "$P"' EXIT
trap 'exit 130' INT TERM

"$HERE/build-assets.sh" "$HERE/work/assets" 2>&1 | sed 's/^/  /' >&2
lab_ns_up "$P" "$S"
lab_webroot "$W" "$HERE/work/assets" "$S"
lab_httpd_start "$P" "$S" "$W"
lab_dnsmasq_start "$P" "$S" "$W" full

fail=0 i=0
for fw in bios uefi; do
  [[ $which == all || $which == "$fw" ]] || continue
  mac=$(printf '52:54:00:c1:00:%02x' $((i + 1)))
  lab_capture_start "$P" "$W/$fw.pcap"
  rc=0
  "$HERE/qemu-boot.sh" --prefix "$P" --firmware "$fw" --mac "$mac" --tap "$i" --timeout "$TMO" \
    --serial-log "$W/$fw-serial.log" 2>"$W/$fw-qemu.err" || rc=$?
  lab_capture_stop "$W/$fw.pcap"
  echo "== $fw (mac $mac, exit $rc) =="
  lab_timeline "$W/$fw.pcap" "$W/$fw-serial.log"
  ((rc == 0)) || { fail=1; tail -5 "$W/$fw-qemu.err" >&2; }
  i=$((i + 1))
done
if ((fail)); then echo "selftest-dnsmasq: FAIL (logs in $W)"; exit 1; fi
echo "selftest-dnsmasq: PASS"

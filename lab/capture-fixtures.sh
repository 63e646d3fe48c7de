#!/usr/bin/env bash
# capture-fixtures.sh [OUTDIR] [SCENARIO...]
# Captures real DHCP client packets (server side, tcpdump on ${P}srv eth0) for the DHCP codec's
# golden tests. Per scenario: OUTDIR/<scenario>.pcap; per packet: OUTDIR/<name>.bin (UDP payload).
# Scenarios: full (iPXE BIOS ROM, EDK2 PXE, iPXE EFI), proxy (EDK2 port-4011 request),
#            udhcpc, dhclient, httpboot (EDK2 UEFI HTTP boot, arch 16), pxev6 (EDK2 DHCPv6 Solicit).
#            Default: all.
# Env: LAB_PREFIX (pxl2-), LAB_SUBNET (10.231.10).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

OUT=${1:-$HERE/../agent-runtime/src/test/resources/captures}; shift || true
scen=("$@"); ((${#scen[@]})) || scen=(full proxy udhcpc dhclient httpboot pxev6)
P=${LAB_PREFIX:-pxl2-} S=${LAB_SUBNET:-10.231.10}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
W=$(lab_workdir "$P")
trap 'lab_ns_down "$P"' EXIT
trap 'exit 130' INT TERM
FILTER=(udp port 67 or udp port 68 or udp port 4011 or udp port 546 or udp port 547)

"$HERE/build-assets.sh" "$HERE/work/assets" 2>&1 | sed 's/^/  /' >&2
lab_ns_up "$P" "$S"
lab_webroot "$W" "$HERE/work/assets" "$S"
lab_httpd_start "$P" "$S" "$W"

# extract PCAP NAME DISPLAY_FILTER: first matching packet's UDP payload -> OUT/NAME.bin
extract() {
  local hex
  hex=$(tshark -r "$1" -Y "$3" -T fields -e udp.payload 2>/dev/null | head -n1)
  if [[ -z $hex ]]; then lab_log "no packet for $2 ($3)"; return 0; fi
  printf '%s' "$hex" | xxd -r -p >"$OUT/$2.bin"
  lab_log "fixture $2.bin ($(stat -c %s "$OUT/$2.bin") bytes)"
}
boot() {  # boot NAME FIRMWARE MAC TAP TIMEOUT [qemu-boot.sh ARGS...]
  # A fixed SMBIOS UUID per machine so option 97 carries a recognisable value.
  local uuid="8a6c2f1e-5e1d-4c8b-9d3e-${3//:/}"
  "$HERE/qemu-boot.sh" --prefix "$P" --firmware "$2" --mac "$3" --uuid "$uuid" --tap "$4" --timeout "$5" \
    --serial-log "$W/$1-serial.log" "${@:6}" 2>>"$W/$1-qemu.err" || lab_log "$1: boot did not reach the marker (exit $?)"
}
capture() { lab_capture_start "$P" "$W/$1.pcap" "${FILTER[@]}"; }
finish() { lab_capture_stop "$W/$1.pcap"; cp "$W/$1.pcap" "$OUT/$1.pcap"; }

for sc in "${scen[@]}"; do
  lab_log "scenario $sc"
  case $sc in
    full)
      lab_dnsmasq_start "$P" "$S" "$W" full
      capture ipxe-bios; boot ipxe-bios bios 52:54:00:f1:00:01 0 60; finish ipxe-bios
      extract "$OUT/ipxe-bios.pcap" ipxe-bios-discover 'dhcp.option.dhcp == 1'
      extract "$OUT/ipxe-bios.pcap" ipxe-bios-request 'dhcp.option.dhcp == 3 && dhcp.option.dhcp_server_id'
      capture uefi-pxe; boot uefi-pxe uefi 52:54:00:f1:00:02 1 90; finish uefi-pxe
      extract "$OUT/uefi-pxe.pcap" edk2-pxe-discover 'dhcp.option.dhcp == 1 && !(dhcp.option.type == 175)'
      extract "$OUT/uefi-pxe.pcap" edk2-pxe-request 'dhcp.option.dhcp == 3 && dhcp.option.dhcp_server_id && !(dhcp.option.type == 175)'
      extract "$OUT/uefi-pxe.pcap" ipxe-efi-discover 'dhcp.option.dhcp == 1 && dhcp.option.type == 175'
      extract "$OUT/uefi-pxe.pcap" ipxe-efi-request 'dhcp.option.dhcp == 3 && dhcp.option.dhcp_server_id && dhcp.option.type == 175'
      ;;
    proxy)
      # Plain DHCP server in ${P}cli (SUBNET.2), ProxyDHCP in ${P}srv: EDK2 asks the proxy on port 4011.
      ip -n "${P}cli" addr replace "$S.2/24" dev eth0
      mkdir -p "$W/plain"
      LAB_DNSMASQ_NS=cli lab_dnsmasq_start "$P" "$S" "$W/plain" plain
      lab_dnsmasq_start "$P" "$S" "$W" proxy
      capture uefi-proxy; boot uefi-proxy uefi 52:54:00:f1:00:03 2 90; finish uefi-proxy
      extract "$OUT/uefi-proxy.pcap" edk2-pxe-proxy-discover 'dhcp.option.dhcp == 1 && !(dhcp.option.type == 175)'
      extract "$OUT/uefi-proxy.pcap" edk2-pxe-4011-request 'udp.dstport == 4011 && !(dhcp.option.type == 175)'
      extract "$OUT/uefi-proxy.pcap" ipxe-efi-4011-request 'udp.dstport == 4011 && dhcp.option.type == 175'
      extract "$OUT/uefi-proxy.pcap" dnsmasq-proxy-offer 'udp.srcport == 67 && dhcp.option.dhcp == 2 && ip.src == '"$S.1"
      extract "$OUT/uefi-proxy.pcap" dnsmasq-4011-ack 'udp.srcport == 4011 && dhcp.option.dhcp == 5'
      extract "$OUT/uefi-proxy.pcap" dnsmasq-plain-offer 'dhcp.option.dhcp == 2 && ip.src == '"$S.2"
      capture bios-proxy; boot bios-proxy bios 52:54:00:f1:00:06 5 60; finish bios-proxy
      extract "$OUT/bios-proxy.pcap" ipxe-bios-4011-request 'udp.dstport == 4011'
      extract "$OUT/bios-proxy.pcap" dnsmasq-proxy-offer-bios 'udp.srcport == 67 && dhcp.option.dhcp == 2 && ip.src == '"$S.1"
      extract "$OUT/bios-proxy.pcap" dnsmasq-4011-ack-bios 'udp.srcport == 4011 && dhcp.option.dhcp == 5'
      lab_stop_pidfile "$W/plain/dnsmasq.pid"; lab_stop_pidfile "$W/dnsmasq.pid"
      ip -n "${P}cli" addr flush dev eth0
      ;;
    udhcpc|dhclient)
      lab_dnsmasq_start "$P" "$S" "$W" full
      capture "$sc"
      if [[ $sc == udhcpc ]]; then
        timeout -s KILL 20 ip netns exec "${P}cli" busybox udhcpc -i eth0 -f -q -n -t 3 -T 2 -s /bin/true \
          -x hostname:labcli >"$W/udhcpc.log" 2>&1 || lab_log "udhcpc failed: $(tail -2 "$W/udhcpc.log")"
      else
        # Fresh lease file: DISCOVER/REQUEST; a second run with the lease: INIT-REBOOT REQUEST.
        rm -f "$W/dhclient.leases"
        for _ in 1 2; do
          timeout -s KILL 30 ip netns exec "${P}cli" dhclient -4 -v -1 -sf /bin/true -lf "$W/dhclient.leases" \
            -pf "$W/dhclient.pid" eth0 >"$W/dhclient.log" 2>&1 || lab_log "dhclient failed: $(tail -2 "$W/dhclient.log")"
          ip netns exec "${P}cli" dhclient -x -pf "$W/dhclient.pid" >/dev/null 2>&1 || true
          ip -n "${P}cli" addr flush dev eth0
        done
      fi
      finish "$sc"
      extract "$OUT/$sc.pcap" "$sc-discover" 'dhcp.option.dhcp == 1'
      extract "$OUT/$sc.pcap" "$sc-request" 'dhcp.option.dhcp == 3 && dhcp.option.dhcp_server_id'
      [[ $sc == dhclient ]] && extract "$OUT/$sc.pcap" dhclient-init-reboot-request 'dhcp.option.dhcp == 3 && !dhcp.option.dhcp_server_id'
      ip -n "${P}cli" addr flush dev eth0
      ;;
    httpboot)
      lab_dnsmasq_start "$P" "$S" "$W" httpboot
      capture uefi-http; boot uefi-http uefi 52:54:00:f1:00:04 3 90 --uefi-net http; finish uefi-http
      extract "$OUT/uefi-http.pcap" edk2-http-discover 'dhcp.option.dhcp == 1 && dhcp.option.client_system_architecture == 16'
      extract "$OUT/uefi-http.pcap" edk2-http-request 'dhcp.option.dhcp == 3 && dhcp.option.client_system_architecture == 16'
      ;;
    pxev6)
      # PXEv4 disabled: OVMF starts with PXEv6. Nobody answers; we only want its first Solicit.
      capture uefi-pxev6; boot uefi-pxev6 uefi 52:54:00:f1:00:05 4 15 --uefi-net pxe6
      sleep 2; finish uefi-pxev6
      extract "$OUT/uefi-pxev6.pcap" edk2-pxev6-solicit 'dhcpv6.msgtype == 1'
      ;;
    *) lab_die "unknown scenario $sc" ;;
  esac
done
ls -la "$OUT"

#!/usr/bin/env bash
# demo-deploy.sh: the whole chain in the lab, with a timeline (what `lab/demo.sh` runs by default).
#   deps -> build -> boot environment + demo image -> namespaces -> `pxe-runtime serve` (dhcp mode)
#   -> `pxe-runtime reimage --wait` (progress) -> a BIOS qemu machine with a BLANK disk PXE-boots the deploy
#   environment, its agent writes and verifies the image and the first-boot data, the machine reboots, the runtime
#   now says "boot your disk", and the OS on the disk prints its first-boot data.
# Env: LAB_PREFIX (pxl8-), LAB_SUBNET (10.231.21), DEMO_MAC (52:54:00:de:00:02), DEMO_TIMEOUT (300),
#      DEMO_SKIP_BUILD=1 (do not run maven), DEMO_KEEP=1 (leave the namespaces up).
# Exit 0 when the machine printed its first-boot data from its own disk.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

P=${LAB_PREFIX:-pxl8-} S=${LAB_SUBNET:-10.231.21}
MAC=${DEMO_MAC:-52:54:00:de:00:02} TMO=${DEMO_TIMEOUT:-300}
JAR=$ROOT/agent-runtime/target/pxe-runtime.jar
AGENT_JAR=$ROOT/deploy-agent/target/deploy-agent.jar
DA=$HERE/work/deploy-assets
W=$(lab_workdir "$P")
DATA=$W/data
MACHINE=demo-machine

teardown() {
  # Failures here must not change the demo's exit status (set -e also applies inside the trap).
  lab_demo_stop_serve "$W"
  [[ -n ${DEMO_KEEP:-} ]] && { lab_log "DEMO_KEEP set: namespaces ${P}* left up (netns.sh down $P)"; return; }
  lab_ns_down "$P"
}
trap teardown EXIT
trap 'exit 130' INT TERM

lab_demo_build "$ROOT" "$JAR" "$AGENT_JAR" "$DA"
ls -l "$DA"/deploy-vmlinuz "$DA"/deploy-initrd.img "$DA"/demo-disk.img

lab_demo_catalog "$JAR" "$DA" "$DATA" "$W"

lab_step "network namespaces ${P}srv/lan/cli on $S.0/24"
lab_ns_up "$P" "$S"

lab_step "runtime: pxe-runtime serve (dhcp mode on ${P}srv eth0 = $S.1)"
{ lab_demo_config "$DATA" "$DA" "$W/api-token"; cat <<EOF; } >"$W/runtime.yaml"
agent: {pollSeconds: 10}
machines:
  - {mac: "$MAC", name: $MACHINE, action: local}
EOF
lab_demo_serve "$P" "$W" "$JAR" 20

lab_step "reimage $MACHINE with 'demo' (the CLI follows the job and shows its progress)"
ip netns exec "${P}srv" java -jar "$JAR" reimage "$MACHINE" --image demo --disk /dev/vda --hostname "$MACHINE" \
  --data greeting=hello-from-the-demo --wait --timeout "$TMO" --url "http://$S.1:8080" \
  --token-file "$W/api-token" 2>&1 | tee "$W/reimage.log" &
cli=$!

lab_step "power on a machine with a blank 256 MiB disk (BIOS, network first, then disk; timeout ${TMO}s)"
rm -f "$W/disk.img"; truncate -s 256M "$W/disk.img"
# Capture DHCP and the HTTP requests, not the image bytes.
LAB_CAP_SNAPLEN=1024 lab_capture_start "$P" "$W/demo.pcap" "udp or icmp6 or (tcp port 8080 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0) or (tcp port 8080 and tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420)"
rc=0
"$HERE/qemu-boot.sh" --prefix "$P" --firmware bios --mac "$MAC" --tap 0 --disk "$W/disk.img" --allow-reboot \
  --mem 512 --smp 1 --timeout "$TMO" --marker "PXE-REIMAGE-OS: done" --serial-log "$W/demo-serial.log" || rc=$?
lab_capture_stop "$W/demo.pcap"
wait "$cli" || rc=${rc:-1}

lab_step "timeline (seconds since power-on; net = server-side capture, serial = machine console)"
lab_timeline "$W/demo.pcap" "$W/demo-serial.log" | grep -vE 'IPv6 router advertisement' || true

lab_step "runtime events for $MACHINE (GET /api/v1/events)"
ip netns exec "${P}srv" curl -sS --max-time 5 -H "Authorization: Bearer $(cat "$W/api-token")" \
  "http://$S.1:8080/api/v1/events?machine=$MACHINE" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print("  %-26s %-20s %s" % (e.get("time", ""), e.get("phase", e.get("kind", "")), e.get("message", "")))
' || true

lab_step "what the machine printed from its own disk"
grep -a 'PXE-REIMAGE-OS\|PXE-REIMAGE-FIRSTBOOT' "$W/demo-serial.log" | tr -d '\r' || true

if ((rc == 0)) && grep -aq 'hello-from-the-demo' "$W/demo-serial.log"; then
  echo; echo "DEMO: PASS (blank disk imaged, verified, rebooted into its disk, first-boot data read back)"
else
  echo; echo "DEMO: FAIL (exit $rc; logs in $W)"; exit 1
fi

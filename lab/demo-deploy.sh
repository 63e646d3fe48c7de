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
DATA=$W/data SERVER_LOG=$W/server.log
MACHINE=demo-machine

teardown() {
  # Failures here must not change the demo's exit status (set -e also applies inside the trap).
  if [[ -f $W/server.pid ]]; then
    kill "$(cat "$W/server.pid")" 2>/dev/null || true
    wait "$(cat "$W/server.pid")" 2>/dev/null || true
    rm -f "$W/server.pid"
  fi
  [[ -n ${DEMO_KEEP:-} ]] && { lab_log "DEMO_KEEP set: namespaces ${P}* left up (netns.sh down $P)"; return; }
  lab_ns_down "$P"
}
trap teardown EXIT
trap 'exit 130' INT TERM
step() { printf '\n== %s\n' "$*"; }
runtime() { java -jar "$JAR" "$@"; }

step "dependencies"
"$HERE/install-deps.sh"

step "build (runtime, deploy agent)"
if [[ -z ${DEMO_SKIP_BUILD:-} ]]; then
  (cd "$ROOT" && { mvn -B -o -q -DskipTests install || mvn -B -q -DskipTests install; }) || lab_die "maven build failed"
fi
[[ -f $JAR && -f $AGENT_JAR ]] || lab_die "no $JAR or $AGENT_JAR"

step "boot environment and demo image (cached recipes from Debian packages)"
"$ROOT/boot-assets/build-deploy-env.sh" "$DA" "$AGENT_JAR"
"$ROOT/boot-assets/build-demo-image.sh" "$DA"
ls -l "$DA"/deploy-vmlinuz "$DA"/deploy-initrd.img "$DA"/demo-disk.img

step "image catalog"
rm -rf "$DATA"; mkdir -p "$DATA"
runtime image add demo "$DA/demo-disk.img" --data-dir "$DATA"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$W/api-token"
chmod 600 "$W/api-token"

step "network namespaces ${P}srv/lan/cli on $S.0/24"
lab_ns_up "$P" "$S"

step "runtime: pxe-runtime serve (dhcp mode on ${P}srv eth0 = $S.1)"
cat >"$W/runtime.yaml" <<EOF
interface: eth0
dataDir: $DATA
dhcp: {mode: dhcp}
http:
  port: 8080
  filesRoot: $DA
  apiTokenFile: $W/api-token
deploy:
  kernel: deploy-vmlinuz
  initrds: [deploy-initrd.img]
  cmdline: pxe.onexit=poweroff
agent: {pollSeconds: 10}
machines:
  - {mac: "$MAC", name: $MACHINE, action: local}
EOF
cat "$W/runtime.yaml"
ip netns exec "${P}srv" java -jar "$JAR" serve --config "$W/runtime.yaml" >"$SERVER_LOG" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 200); do
  grep -q ' PxeRuntime - ready' "$SERVER_LOG" 2>/dev/null && break
  kill -0 "$(cat "$W/server.pid")" 2>/dev/null || { cat "$SERVER_LOG" >&2; lab_die "runtime exited"; }
  sleep 0.1
done
grep -q ' PxeRuntime - ready' "$SERVER_LOG" || lab_die "runtime not ready after 20 s; see $SERVER_LOG"

step "reimage $MACHINE with 'demo' (the CLI follows the job and shows its progress)"
ip netns exec "${P}srv" java -jar "$JAR" reimage "$MACHINE" --image demo --disk /dev/vda --hostname "$MACHINE" \
  --data greeting=hello-from-the-demo --wait --timeout "$TMO" --url "http://$S.1:8080" \
  --token-file "$W/api-token" 2>&1 | tee "$W/reimage.log" &
cli=$!

step "power on a machine with a blank 256 MiB disk (BIOS, network first, then disk; timeout ${TMO}s)"
rm -f "$W/disk.img"; truncate -s 256M "$W/disk.img"
# Capture DHCP and the HTTP requests, not the image bytes.
LAB_CAP_SNAPLEN=1024 lab_capture_start "$P" "$W/demo.pcap" "udp or icmp6 or (tcp port 8080 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0) or (tcp port 8080 and tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420)"
rc=0
"$HERE/qemu-boot.sh" --prefix "$P" --firmware bios --mac "$MAC" --tap 0 --disk "$W/disk.img" --allow-reboot \
  --mem 512 --smp 1 --timeout "$TMO" --marker "PXE-REIMAGE-OS: done" --serial-log "$W/demo-serial.log" || rc=$?
lab_capture_stop "$W/demo.pcap"
wait "$cli" || rc=${rc:-1}

step "timeline (seconds since power-on; net = server-side capture, serial = machine console)"
lab_timeline "$W/demo.pcap" "$W/demo-serial.log" | grep -vE 'IPv6 router advertisement' || true

step "runtime events for $MACHINE (GET /api/v1/events)"
ip netns exec "${P}srv" curl -sS --max-time 5 -H "Authorization: Bearer $(cat "$W/api-token")" \
  "http://$S.1:8080/api/v1/events?machine=$MACHINE" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print("  %-26s %-20s %s" % (e.get("time", ""), e.get("phase", e.get("kind", "")), e.get("message", "")))
' || true

step "what the machine printed from its own disk"
grep -a 'PXE-REIMAGE-OS\|PXE-REIMAGE-FIRSTBOOT' "$W/demo-serial.log" | tr -d '\r' || true

if ((rc == 0)) && grep -aq 'hello-from-the-demo' "$W/demo-serial.log"; then
  echo; echo "DEMO: PASS (blank disk imaged, verified, rebooted into its disk, first-boot data read back)"
else
  echo; echo "DEMO: FAIL (exit $rc; logs in $W)"; exit 1
fi

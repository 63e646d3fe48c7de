#!/usr/bin/env bash
# demo-lease.sh: the machine pool in the lab (what `lab/demo.sh` runs by default).
#   deps -> build -> boot environment + demo image -> namespaces -> a POWERED-OFF qemu machine behind a real IPMI
#   BMC (OpenIPMI ipmi_sim, lab/bmc.sh) -> `pxe-runtime serve` with that machine in its pool -> `pxe-runtime lease
#   create --follow`: the runtime sets boot device PXE and powers the machine on over IPMI, it netboots the deploy
#   environment, the image is written, the machine reboots into it and its OS posts "ready" -> the lease is ready
#   -> `lease release`: the machine is power-cycled into the deploy environment, wiped, powered off: available.
# Env: LAB_PREFIX (pxl7-), LAB_SUBNET (10.231.22), DEMO_MAC (52:54:00:de:00:03), DEMO_TIMEOUT (420),
#      DEMO_SKIP_BUILD=1 (do not run maven), DEMO_KEEP=1 (leave the namespaces and the machine up).
# Exit 0 when the lease was ready and the machine came back available.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

P=${LAB_PREFIX:-pxl7-} S=${LAB_SUBNET:-10.231.22}
MAC=${DEMO_MAC:-52:54:00:de:00:03} TMO=${DEMO_TIMEOUT:-420}
JAR=$ROOT/agent-runtime/target/pxe-runtime.jar
AGENT_JAR=$ROOT/deploy-agent/target/deploy-agent.jar
DA=$HERE/work/deploy-assets
W=$(lab_workdir "$P")
DATA=$W/data SERVER_LOG=$W/server.log
MACHINE=rack1-m1
URL=http://$S.1:8080

teardown() {
  if [[ -f $W/server.pid ]]; then
    kill "$(cat "$W/server.pid")" 2>/dev/null || true
    wait "$(cat "$W/server.pid")" 2>/dev/null || true
    rm -f "$W/server.pid"
  fi
  [[ -n ${DEMO_KEEP:-} ]] && { lab_log "DEMO_KEEP set: namespaces ${P}* and the BMC left up (bmc.sh stop $MACHINE --prefix $P; netns.sh down $P)"; return; }
  "$HERE/bmc.sh" stop "$MACHINE" --prefix "$P" >/dev/null 2>&1 || true
  lab_ns_down "$P"
}
trap teardown EXIT
trap 'exit 130' INT TERM
step() { printf '\n== %s\n' "$*"; }
# The CLI runs in the server namespace, where the runtime's address is.
cli() { ip netns exec "${P}srv" java -jar "$JAR" "$@" --url "$URL" --token-file "$W/api-token"; }

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

step "image catalog"
rm -rf "$DATA"; mkdir -p "$DATA"
java -jar "$JAR" image add demo "$DA/demo-disk.img" --data-dir "$DATA"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$W/api-token"
echo password >"$W/bmc-password"
chmod 600 "$W/api-token" "$W/bmc-password"

step "network namespaces ${P}srv/lan/cli on $S.0/24"
lab_ns_up "$P" "$S"

step "machine $MACHINE: qemu behind an IPMI BMC at $S.241:623 (powered off, blank 256 MiB disk)"
rm -f "$W/disk.img"; truncate -s 256M "$W/disk.img"
"$HERE/bmc.sh" start "$MACHINE" --prefix "$P" --mac "$MAC" --tap 1 --disk "$W/disk.img" \
  --serial-log "$W/machine-serial.log"
ip netns exec "${P}srv" ipmitool -I lanplus -H "$S.241" -U admin -P password chassis power status

step "runtime: pxe-runtime serve with $MACHINE in its pool"
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
agent: {pollSeconds: 5}
pool:
  owner: lab
  cleanup: wipe
  timeouts: {netbooting: 240, deploying: 300, booting-os: 240}
machines:
  - mac: "$MAC"
    name: $MACHINE
    action: local
    labels: [metal, x86]
    disk: /dev/vda
    bmc: {driver: ipmi, address: "$S.241:623", user: admin, passwordFile: $W/bmc-password}
EOF
cat "$W/runtime.yaml"
ip netns exec "${P}srv" java -jar "$JAR" serve --config "$W/runtime.yaml" >"$SERVER_LOG" 2>&1 &
echo $! >"$W/server.pid"
for _ in $(seq 300); do
  grep -q ' PxeRuntime - ready' "$SERVER_LOG" 2>/dev/null && break
  kill -0 "$(cat "$W/server.pid")" 2>/dev/null || { cat "$SERVER_LOG" >&2; lab_die "runtime exited"; }
  sleep 0.1
done
grep -q ' PxeRuntime - ready' "$SERVER_LOG" || lab_die "runtime not ready after 30 s; see $SERVER_LOG"
cli pool list

step "lease a machine with labels 'metal && x86' and image demo (events follow until ready)"
rc=0
cli lease create --labels 'metal && x86' --image demo --client demo --hostname demo-host \
  --data greeting=hello-from-the-lease --timeout "$TMO" --follow | tee "$W/lease.log" || rc=$?
id=$(grep -oE 'l-[0-9a-f]{12}' "$W/lease.log" | head -1 || true)
[[ -n $id ]] || lab_die "no lease id in $W/lease.log"

step "what the machine printed from its own disk"
grep -a 'PXE-REIMAGE-OS\|PXE-REIMAGE-FIRSTBOOT' "$W/machine-serial.log" | tr -d '\r' || true

step "release lease $id: the machine is wiped and returns to the pool"
cli lease release "$id"
state=""
for _ in $(seq "$TMO"); do
  state=$(cli pool list 2>/dev/null | awk -v m="$MACHINE" '$1 == m {print $2}')
  [[ $state == available ]] && break
  sleep 1
done
cli pool events --machine "$MACHINE" | tail -n 6
cli pool list
ip netns exec "${P}srv" ipmitool -I lanplus -H "$S.241" -U admin -P password chassis power status

if ((rc == 0)) && [[ $state == available ]] && grep -aq 'hello-from-the-lease' "$W/machine-serial.log"; then
  echo; echo "DEMO: PASS (leased over the API, powered on over IPMI, imaged, ready; released, wiped, available)"
else
  echo; echo "DEMO: FAIL (lease exit $rc, machine ${state:-unknown}; logs in $W)"; exit 1
fi

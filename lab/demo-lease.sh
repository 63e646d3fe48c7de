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
DATA=$W/data
MACHINE=rack1-m1
URL=http://$S.1:8080

teardown() {
  lab_demo_stop_serve "$W"
  [[ -n ${DEMO_KEEP:-} ]] && { lab_log "DEMO_KEEP set: namespaces ${P}* and the BMC left up (bmc.sh stop $MACHINE --prefix $P; netns.sh down $P)"; return; }
  "$HERE/bmc.sh" stop "$MACHINE" --prefix "$P" >/dev/null 2>&1 || true
  lab_ns_down "$P"
}
trap teardown EXIT
trap 'exit 130' INT TERM
# The CLI runs in the server namespace, where the runtime's address is.
cli() { ip netns exec "${P}srv" java -jar "$JAR" "$@" --url "$URL" --token-file "$W/api-token"; }

lab_demo_build "$ROOT" "$JAR" "$AGENT_JAR" "$DA"

lab_demo_catalog "$JAR" "$DA" "$DATA" "$W"
echo password >"$W/bmc-password"
chmod 600 "$W/bmc-password"

lab_step "network namespaces ${P}srv/lan/cli on $S.0/24"
lab_ns_up "$P" "$S"

lab_step "machine $MACHINE: qemu behind an IPMI BMC at $S.241:623 (powered off, blank 256 MiB disk)"
rm -f "$W/disk.img"; truncate -s 256M "$W/disk.img"
"$HERE/bmc.sh" start "$MACHINE" --prefix "$P" --mac "$MAC" --tap 1 --disk "$W/disk.img" \
  --serial-log "$W/machine-serial.log"
ip netns exec "${P}srv" ipmitool -I lanplus -H "$S.241" -U admin -P password chassis power status

lab_step "runtime: pxe-runtime serve with $MACHINE in its pool"
{ lab_demo_config "$DATA" "$DA" "$W/api-token"; cat <<EOF; } >"$W/runtime.yaml"
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
lab_demo_serve "$P" "$W" "$JAR" 30
cli pool list

lab_step "lease a machine with labels 'metal && x86' and image demo (events follow until ready)"
rc=0
cli lease create --labels 'metal && x86' --image demo --client demo --hostname demo-host \
  --data greeting=hello-from-the-lease --timeout "$TMO" --follow | tee "$W/lease.log" || rc=$?
id=$(grep -oE 'l-[0-9a-f]{12}' "$W/lease.log" | head -1 || true)
[[ -n $id ]] || lab_die "no lease id in $W/lease.log"

lab_step "what the machine printed from its own disk"
grep -a 'PXE-REIMAGE-OS\|PXE-REIMAGE-FIRSTBOOT' "$W/machine-serial.log" | tr -d '\r' || true

lab_step "release lease $id: the machine is wiped and returns to the pool"
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

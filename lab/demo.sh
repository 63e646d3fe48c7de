#!/usr/bin/env bash
# demo.sh: the lab demo. By default (DEMO=lease) the machine pool: a powered-off machine behind an IPMI BMC is
# leased through the API, powered on, PXE-booted, imaged and ready; released, it is wiped and available again
# (lab/demo-lease.sh). DEMO=deploy: one reimage of a blank-disk machine with progress, up to its first-boot data
# (lab/demo-deploy.sh).
# DEMO=boot: one PXE boot of a kernel + initrd, with a timeline:
#   deps -> assets -> runtime jar -> namespaces -> PXE server -> one BIOS qemu machine -> timeline
# Env: LAB_PREFIX (pxl9-), LAB_SUBNET (10.231.20), DEMO_SERVER (java|dnsmasq; default java:
#      our runtime; dnsmasq shows the same lab with a reference server),
#      DEMO_FIRMWARE (bios|uefi; bios), DEMO_MAC (52:54:00:de:00:01), DEMO_TIMEOUT (90),
#      DEMO_SKIP_BUILD=1 (do not run maven), DEMO_KEEP=1 (leave the namespaces up for poking).
# Exit 0 when the machine reached the init marker.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
case ${DEMO:-lease} in
  lease) exec "$HERE/demo-lease.sh" "$@" ;;
  deploy) exec "$HERE/demo-deploy.sh" "$@" ;;
esac

P=${LAB_PREFIX:-pxl9-} S=${LAB_SUBNET:-10.231.20}
SERVER=${DEMO_SERVER:-java} FW=${DEMO_FIRMWARE:-bios}
MAC=${DEMO_MAC:-52:54:00:de:00:01} TMO=${DEMO_TIMEOUT:-90}
JAR=$ROOT/agent-runtime/target/pxe-runtime.jar
ASSETS=$HERE/work/assets
W=$(lab_workdir "$P")
SERVER_LOG=$W/server.log

teardown() {
  [[ -n ${DEMO_KEEP:-} ]] && { lab_log "DEMO_KEEP set: namespaces ${P}* left up (netns.sh down $P)"; return; }
  lab_ns_down "$P"
}
trap teardown EXIT
trap 'exit 130' INT TERM
step() { printf '\n== %s\n' "$*"; }

step "dependencies"
"$HERE/install-deps.sh"

step "boot assets"
"$HERE/build-assets.sh" "$ASSETS"

step "runtime jar"
if [[ -z ${DEMO_SKIP_BUILD:-} ]]; then
  # Offline first (all deps are in ~/.m2), online as a fallback.
  (cd "$ROOT" && { mvn -B -o -q -DskipTests package || mvn -B -q -DskipTests package; }) \
    || { [[ $SERVER == java ]] && lab_die "maven build failed"; lab_log "maven build failed (ignored: server is $SERVER)"; }
fi
[[ -f $JAR ]] && echo "jar: $JAR ($(stat -c %s "$JAR") bytes)" || echo "jar: not built"

step "network namespaces ${P}srv/lan/cli on $S.0/24"
lab_ns_up "$P" "$S"
lab_webroot "$W" "$ASSETS" "$S"

# ---------------------------------------------------------------------------------------------
# start_server: THE INTEGRATION POINT. Starts the PXE server inside ${P}srv on eth0 ($S.1) and
# returns once it is ready. Output goes to $SERVER_LOG (read for the timeline).
# ---------------------------------------------------------------------------------------------
start_server() {
  case $SERVER in
    dnsmasq)
      lab_httpd_start "$P" "$S" "$W"
      lab_dnsmasq_start "$P" "$S" "$W" full
      ln -sf "$W/dnsmasq.log" "$SERVER_LOG" ;;
    java)
      [[ -f $JAR ]] || lab_die "no $JAR"
      ip netns exec "${P}srv" java -jar "$JAR" boot "$ASSETS/vmlinuz" "$ASSETS/initrd.img" \
        --cmdline "console=ttyS0" --mode dhcp --interface eth0 --mac "$MAC" --data-dir "$W/data" \
        >"$SERVER_LOG" 2>&1 &
      echo $! >"$W/server.pid"
      # The runtime logs "ready" once HTTP, TFTP and DHCP all listen.
      for _ in $(seq 200); do
        grep -q ' PxeRuntime - ready' "$SERVER_LOG" 2>/dev/null && return 0
        kill -0 "$(cat "$W/server.pid")" 2>/dev/null || { cat "$SERVER_LOG" >&2; lab_die "server exited"; }
        sleep 0.1
      done
      lab_die "runtime not ready after 20 s; see $SERVER_LOG" ;;
    *) lab_die "DEMO_SERVER must be dnsmasq|java" ;;
  esac
}

step "PXE server ($SERVER)"
LAB_CAP_SNAPLEN=1024 lab_capture_start "$P" "$W/demo.pcap"
start_server

step "boot $FW machine $MAC (timeout ${TMO}s)"
rc=0
"$HERE/qemu-boot.sh" --prefix "$P" --firmware "$FW" --mac "$MAC" --tap 0 --timeout "$TMO" \
  --serial-log "$W/demo-serial.log" || rc=$?
lab_capture_stop "$W/demo.pcap"

step "timeline (seconds since qemu start; net = server-side capture, serial = machine console)"
lab_timeline "$W/demo.pcap" "$W/demo-serial.log"

step "server log (last 15 lines of $SERVER_LOG)"
tail -n 15 "$SERVER_LOG" 2>/dev/null | cut -c1-160 || true

if ((rc == 0)); then echo; echo "DEMO: PASS ($FW machine reached the init marker)"; else
  echo; echo "DEMO: FAIL (qemu-boot exit $rc; logs in $W)"; fi
exit "$rc"

#!/usr/bin/env bash
# selftest.sh [demo|deploy|lab|all]   (root; qemu TCG; ~10 s per boot on an idle host)
#   demo   build demo-disk.img, boot a copy from disk (SeaBIOS, virtio, -nic none): "PXE-REIMAGE-OS: booted from
#          disk" + "FIRSTBOOT: none"; then append a CIDATA partition with a pxe-reimage.json holding a random
#          nonce and boot again: every line of the file must come back as "PXE-REIMAGE-FIRSTBOOT: <line>";
#          then with a readyUrl (token = a nonce) on qemu user networking (restrict=on, one guestfwd to a listener
#          that qemu spawns per connection): exactly one POST with the token, "ready posted", the token never on
#          the console, and the machine still up 3 s later.
#   deploy build the deploy env with AGENT_JAR (default: a placeholder built here that prints "AGENT STARTED",
#          fetches pxe.runtime/ and exits), boot it with -kernel/-initrd inside a namespace of our own
#          (pxa-st<pid>: only its loopback exists) on qemu user networking (restrict=on, one guestfwd to a
#          loopback HTTP server): DEPLOY-ENV "up" line with an address, agent markers, clean power-off.
#   lab    the same environment through lab/qemu-boot.sh on the lab bridge (pxa- / 10.231.70): dnsmasq DHCP
#          and busybox httpd in pxa-srv, tap NIC; reports the timeline from qemu start.
# Env: AGENT_JAR, AGENT_MARKER (with AGENT_JAR; default "AGENT STARTED"), SELFTEST_WORK (default a temp dir),
#      SELFTEST_TIMEOUT (90). Prints PASS/FAIL per part; exit 0 only if all pass.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
what=${1:-all}
TIMEOUT=${SELFTEST_TIMEOUT:-90}
W=${SELFTEST_WORK:-$(mktemp -d /tmp/pxa-selftest.XXXXXX)}
mkdir -p "$W"
fails=0
ns="" httpd=""
cleanup() {
  if [[ -n $httpd ]]; then kill "$httpd" 2>/dev/null || true; wait "$httpd" 2>/dev/null || true; fi
  if [[ -n $ns ]]; then ip netns del "$ns" 2>/dev/null || true; fi
  if [[ $what == lab || $what == all ]]; then "$REPO/lab/netns.sh" down pxa- >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
log() { echo "selftest: $*" >&2; }
result() { if [[ $2 == ok ]]; then echo "PASS $1"; else echo "FAIL $1: $2"; fails=$((fails + 1)); fi; }
QEMU=(qemu-system-x86_64 -accel tcg -m 512 -nographic -nodefaults -display none -serial stdio -monitor none
  -no-reboot -device virtio-rng-pci)
# boot LOG ARGS...: run qemu until the guest powers off, STOP_AT appears in the log, or the timeout; serial -> LOG.
STOP_AT="" STOP_AFTER=0.5
boot() {
  local out=$1 t0 pid; shift
  t0=$EPOCHREALTIME
  : >"$out"
  timeout -s KILL "$TIMEOUT" "$@" >"$out" 2>&1 </dev/null & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    # An agent that never exits (the real one polls forever): stop once its marker is seen.
    if [[ -n $STOP_AT ]] && grep -aqF -- "$STOP_AT" "$out"; then
      sleep "$STOP_AFTER"; kill -TERM "$pid" 2>/dev/null || echo "qemu gone before the stop" >>"$out"; break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || log "qemu exit $? ($out)"
  log "$(basename "$out"): $(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s wall"
}
has() { grep -aqF -- "$2" "$1"; }

demo() {
  "$HERE/build-demo-image.sh" "$W/demo"
  . "$W/demo/demo-disk.env"
  local disk=$W/disk1.img
  cp "$DEMO_IMAGE" "$disk"
  boot "$W/demo1.log" "${QEMU[@]}" -nic none -drive "file=$disk,if=virtio,format=raw" -boot c
  if has "$W/demo1.log" "PXE-REIMAGE-OS: booted from disk" && has "$W/demo1.log" "PXE-REIMAGE-FIRSTBOOT: none" \
      && has "$W/demo1.log" "reboot: Power down"; then result demo-boot ok
  else result demo-boot "markers missing, see $W/demo1.log"; fi
  # Target disk larger than the image, as on a real machine; CIDATA goes after partition 1.
  cp "$DEMO_IMAGE" "$disk"; truncate -s $((DEMO_IMAGE_SIZE + 16 * 1048576)) "$disk"
  local nonce; nonce=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  mkdir -p "$W/fb"
  printf '{"hostname": "rack1-07",\n "runtimeUrl": "http://10.231.70.1:8080",\n "data": {"nonce": "%s"}}\n' \
    "$nonce" >"$W/fb/pxe-reimage.json"
  "$HERE/append-cidata.sh" "$disk" "$W/fb/pxe-reimage.json" >/dev/null
  boot "$W/demo2.log" "${QEMU[@]}" -nic none -drive "file=$disk,if=virtio,format=raw" -boot c
  local missing=""
  while IFS= read -r line; do has "$W/demo2.log" "PXE-REIMAGE-FIRSTBOOT: $line" || missing+="[$line]"; done \
    <"$W/fb/pxe-reimage.json"
  if has "$W/demo2.log" "PXE-REIMAGE-OS: booted from disk" && [[ -z $missing ]] && has "$W/demo2.log" "$nonce"; then
    result demo-firstboot ok
  else result demo-firstboot "missing $missing in $W/demo2.log"; fi

  # readyUrl: the OS posts to it and stays up. The listener answers 204 and logs each request line and body.
  cp "$DEMO_IMAGE" "$disk"; truncate -s $((DEMO_IMAGE_SIZE + 16 * 1048576)) "$disk"
  nonce=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cat >"$W/ready-listener.py" <<PY
import sys
head = b""
while b"\\r\\n\\r\\n" not in head:
    c = sys.stdin.buffer.read(1)
    if not c: break
    head += c
n = [int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")]
body = sys.stdin.buffer.read(n[0]) if n else b""
with open("$W/ready.log", "ab") as f:
    f.write(head.split(b"\\r\\n")[0] + b" " + body + b"\\n")
sys.stdout.buffer.write(b"HTTP/1.1 204 No Content\\r\\nConnection: close\\r\\n\\r\\n")
PY
  : >"$W/ready.log"
  printf '{\n  "hostname" : "rack1-07",\n  "readyUrl" : "http://10.0.2.100/api/v1/agent/ready?token=%s",\n  "data" : { }\n}\n' \
    "$nonce" >"$W/fb/pxe-reimage.json"
  printf 'instance-id: iid-pxe-st\nlocal-hostname: "rack1-07"\n' >"$W/fb/meta-data"
  "$HERE/append-cidata.sh" "$disk" "$W/fb/pxe-reimage.json" "$W/fb/meta-data" >/dev/null
  STOP_AT="PXE-REIMAGE-OS: ready" STOP_AFTER=3 boot "$W/demo3.log" "${QEMU[@]}" -drive "file=$disk,if=virtio,format=raw" \
    -nic "user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:python3 $W/ready-listener.py" -boot c
  local ok=ok
  has "$W/demo3.log" "PXE-REIMAGE-OS: ready posted" || ok="no 'ready posted'"
  [[ $(grep -c . "$W/ready.log") == 1 ]] && grep -q "^POST /api/v1/agent/ready?token=$nonce HTTP/1.1 instance_id=iid-pxe-st&hostname=rack1-07\$" \
    "$W/ready.log" || ok="listener did not get exactly one POST with the token: $(cat "$W/ready.log")"
  ! has "$W/demo3.log" "$nonce" || ok="the token is on the console"
  ! has "$W/demo3.log" "reboot: Power down" && ! has "$W/demo3.log" "qemu gone before the stop" || ok="not up 3 s later"
  result demo-ready "$ok"
  [[ $ok == ok ]] || log "see $W/demo3.log"
}

# The placeholder agent: prints AGENT STARTED (with /proc/uptime = seconds since kernel start), fetches
# pxe.runtime/ with HttpClient, prints AGENT HTTP ... and AGENT DONE, exits 0.
placeholder_jar() {
  local d=$W/agent
  mkdir -p "$d/src" "$d/cls"
  cat >"$d/src/Main.java" <<'JAVA'
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
public class Main {
    static String up() throws Exception { return Files.readString(Path.of("/proc/uptime")).split(" ")[0]; }
    public static void main(String[] a) throws Exception {
        String cmd = Files.readString(Path.of("/proc/cmdline")).trim();
        System.out.println("AGENT STARTED uptime=" + up() + " cmdline=" + cmd);
        for (String w : cmd.split(" ")) {
            if (!w.startsWith("pxe.runtime=")) continue;
            long t = System.nanoTime();
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(w.substring(12) + "/")).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("AGENT HTTP status=" + r.statusCode() + " body=" + r.body().trim()
                + " ms=" + (System.nanoTime() - t) / 1000000);
        }
        System.out.println("AGENT DONE uptime=" + up());
    }
}
JAVA
  javac --release 17 -d "$d/cls" "$d/src/Main.java"
  printf 'Main-Class: Main\n' >"$d/manifest"
  # Fixed entry dates: the same source gives the same jar, so the deploy env stays cached between runs.
  jar --create --file "$d/deploy-agent.jar" --manifest "$d/manifest" --date 2020-01-01T00:00:02Z -C "$d/cls" .
  echo "$d/deploy-agent.jar"
}

deploy_env() {
  local jar=${AGENT_JAR:-}
  if [[ -z $jar ]]; then jar=$(placeholder_jar); fi
  "$HERE/build-deploy-env.sh" "$W/deploy" "$jar"
}

deploy() {
  deploy_env
  . "$W/deploy/deploy-env.env"
  local marker=${AGENT_MARKER:-AGENT STARTED} nonce
  nonce=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  mkdir -p "$W/www"; echo "runtime-$nonce" >"$W/www/index.html"
  ns=pxa-st$$
  ip netns add "$ns"; ip -n "$ns" link set lo up
  ip netns exec "$ns" busybox httpd -f -p 127.0.0.1:8080 -h "$W/www" & httpd=$!
  # qemu's guestfwd connects at start-up: the server must be listening first.
  for _ in $(seq 50); do
    ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null && break; sleep 0.1
  done
  if [[ -n ${AGENT_JAR:-} ]]; then STOP_AT=$marker; fi
  boot "$W/deploy.log" ip netns exec "$ns" "${QEMU[@]}" \
    -nic "user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:8080" \
    -kernel "$DEPLOY_KERNEL" -initrd "$DEPLOY_INITRD" \
    -append "console=ttyS0 pxe.runtime=http://10.0.2.100 pxe.token=x pxe.onexit=poweroff"
  kill "$httpd"; wait "$httpd" 2>/dev/null || true; httpd=""
  ip netns del "$ns"; ns=""
  local ok=ok
  grep -aqE "PXE-REIMAGE-DEPLOY-ENV: up ip=10\.0\.2\.[0-9]+/" "$W/deploy.log" || ok="no DEPLOY-ENV up line"
  has "$W/deploy.log" "$marker" || ok="no '$marker'"
  if [[ -z ${AGENT_JAR:-} ]]; then
    has "$W/deploy.log" "body=runtime-$nonce" || ok="placeholder did not fetch the runtime URL"
    has "$W/deploy.log" "agent ended: exit status 0" || ok="agent did not end cleanly"
  fi
  result deploy-env "$ok"
  [[ $ok == ok ]] || log "see $W/deploy.log"
  grep -aE 'PXE-REIMAGE-DEPLOY-ENV|AGENT' "$W/deploy.log" | sed 's/^/  /' >&2
}

lab() {
  deploy_env
  . "$W/deploy/deploy-env.env"
  # shellcheck source=../lab/lib.sh
  . "$REPO/lab/lib.sh"
  local p=pxa- s=10.231.70 lw
  LAB_RA=0 "$REPO/lab/netns.sh" up "$p" "$s" >/dev/null
  lw=$(lab_workdir "$p")
  mkdir -p "$lw/www"; echo "runtime-lab" >"$lw/www/index.html"
  lab_dnsmasq_start "$p" "$s" "$lw" plain
  lab_httpd_start "$p" "$s" "$lw"
  local rc=0
  "$REPO/lab/qemu-boot.sh" --prefix "$p" --mac 52:54:00:70:00:01 --timeout "$TIMEOUT" --serial-log "$W/lab.log" \
    --marker "${AGENT_MARKER:-AGENT STARTED}" -- -kernel "$DEPLOY_KERNEL" -initrd "$DEPLOY_INITRD" \
    -append "console=ttyS0 pxe.runtime=http://$s.1 pxe.token=x pxe.mac=52:54:00:70:00:01" >"$W/lab.result" || rc=$?
  "$REPO/lab/netns.sh" down "$p" >/dev/null
  if ((rc == 0)) && grep -aqE "PXE-REIMAGE-DEPLOY-ENV: up ip=$s\." "$W/lab.log"; then result deploy-env-lab ok
  else result deploy-env-lab "rc=$rc, see $W/lab.log"; fi
  tail -n1 "$W/lab.result" >&2
  grep -aE 'Linux version|Run /init|PXE-REIMAGE-DEPLOY-ENV|AGENT' "$W/lab.log.ts" | cut -c1-110 | sed 's/^/  /' >&2
}

case $what in
  demo) demo ;;
  deploy) deploy ;;
  lab) lab ;;
  all) demo; deploy; lab ;;
  *) echo "usage: $0 [demo|deploy|lab|all]" >&2; exit 2 ;;
esac
((fails == 0))

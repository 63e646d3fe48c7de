#!/usr/bin/env bash
# Imaging throughput on this host, end to end through the real pieces: `pxe-runtime serve` (loopback, HTTP only)
# serves a raw image and the real deploy agent (shaded jar, production JVM flags) writes it to a regular file,
# against two baselines on the same filesystem:
#   agent     deploy-image job: from the agent's "deploying image" event to its "image written, fsynced and
#             verified" event (download + SHA-256 + write + fsync; first-boot volume excluded)
#   curl|dd   curl http://127.0.0.1:PORT/images/<sha> | dd of=FILE bs=4M conv=fsync   (naive download baseline)
#   dd        dd if=/dev/zero of=FILE bs=4M count=N conv=fsync                          (the disk's write limit)
# REPS runs of each, interleaved (agent, curl, dd, agent, ...), median reported. The image is half random, half
# zeros, raw, with an MBR (the first-boot step needs a partition table).
# Usage: bench/imaging.sh [imageMiB=512] [reps=3] [workdir=/var/tmp/pxr-imaging]  (the image stays there for reuse)
# Env: JAVA (java), AGENT_JVM_FLAGS ("-XX:+UseSerialGC -Xmx96m"), AGENT_JAR (another agent build, e.g. for
# before/after comparisons), NO_BUILD=1 (use the jars as they are).
set -euo pipefail
mib=${1:-512}; reps=${2:-3}; work=${3:-/var/tmp/pxr-imaging}
java=${JAVA:-java}; agent_flags=${AGENT_JVM_FLAGS:--XX:+UseSerialGC -Xmx96m}
repo=$(cd "$(dirname "$0")/.." && pwd)
mac=52:54:00:be:0c:01; token=bench-admin-token-0123456789
for c in curl jq sfdisk mkfs.vfat mcopy dd; do command -v $c >/dev/null || { echo "$c missing" >&2; exit 2; }; done
[[ ${NO_BUILD:-} == 1 ]] || (cd "$repo" && mvn -o -q -DskipTests install)
runtime_jar=$repo/agent-runtime/target/pxe-runtime.jar; agent_jar=${AGENT_JAR:-$repo/deploy-agent/target/deploy-agent.jar}

mkdir -p "$work"; work=$(cd "$work" && pwd); : >"$work/agent.log"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
now() { date +%s.%N; }

# --- image: first half random, second half zeros, MBR with one partition ------------------------------------
img=$work/bench-$mib.img
if [[ ! -f $img || $(stat -c %s "$img") != $((mib << 20)) ]]; then
  head -c $(((mib / 2) << 20)) /dev/urandom >"$img"
  truncate -s $((mib << 20)) "$img"
  printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null
fi
size=$(stat -c %s "$img")

# --- runtime: serve on 127.0.0.1 (DHCP off, TFTP off), free HTTP port -----------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -rf "$work/data"; mkdir -p "$work/data" "$work/files/deploy" "$work/loaders"
cat >"$work/runtime.yaml" <<EOF
address: 127.0.0.1
dataDir: $work/data
dhcp: {mode: off}
tftp: {port: 0, root: $work/loaders}
http: {port: $port, bind: 127.0.0.1, filesRoot: $work/files, apiToken: $token}
deploy: {kernel: deploy/vmlinuz, cmdline: quiet}
machines:
  - {mac: $mac, name: bench1, action: local}
EOF
"$java" -jar "$runtime_jar" serve --config "$work/runtime.yaml" >"$work/runtime.log" 2>&1 &
pids+=($!)
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
sha=$(api -X POST "$base/api/v1/images" -d "{\"name\":\"bench\",\"source\":\"$img\",\"blockMap\":false}" | jq -r .sha256)

# --- the agent's fake machine: everything under $work/machine, the "disk" is $work/machine/dev/vda --------------
m=$work/machine; disk=$m/dev/vda
rm -rf "$m"; mkdir -p "$m/proc/self" "$m/sys/block/vda/queue" "$m/sys/class/net/eth0" "$m/dev" "$m/work"
echo "proc /proc proc rw 0 0" >"$m/proc/self/mounts"
disk_bytes=$((size + (8 << 20)))
echo $((disk_bytes / 512)) >"$m/sys/block/vda/size"; echo 0 >"$m/sys/block/vda/removable"
echo 0 >"$m/sys/block/vda/queue/rotational"
echo $mac >"$m/sys/class/net/eth0/address"; echo up >"$m/sys/class/net/eth0/operstate"; echo 1 >"$m/sys/class/net/eth0/type"

agent_run() { # one reimage with a fresh agent JVM (as after a real netboot); prints MB/s
  rm -f "$disk"; truncate -s $disk_bytes "$disk"
  local job script boot_token apid state t
  job=$(api -X POST "$base/api/v1/machines/bench1/reimage" -d '{"image":"bench"}' | jq -r .id)
  script=$(curl -sf "$base/boot/$mac.ipxe")
  boot_token=$(grep -o 'pxe\.token=[0-9a-f]*' <<<"$script" | cut -d= -f2)
  echo "quiet pxe.runtime=$base pxe.token=$boot_token pxe.mac=$mac" >"$m/cmdline"
  # shellcheck disable=SC2086
  "$java" $agent_flags -jar "$agent_jar" --cmdline "$m/cmdline" --proc "$m/proc" --sys "$m/sys" --dev "$m/dev" \
    --workdir "$m/work" --tool wipefs=true --tool blkdiscard=true --reboot-command true --poweroff-command true \
    >>"$work/agent.log" 2>&1 &
  apid=$!; pids+=($apid)
  for _ in $(seq 1200); do
    state=$(api "$base/api/v1/jobs/$job" | jq -r .state)
    [[ $state == succeeded || $state == failed ]] && break
    sleep 0.25
  done
  kill $apid; wait $apid 2>/dev/null || true
  [[ $state == succeeded ]] || { echo "agent job $job $state: $(api "$base/api/v1/jobs/$job" | jq -r .message)" >&2; exit 1; }
  t=$(api "$base/api/v1/jobs/$job" | python3 -c '
import json, sys, datetime
def ts(v):
    if isinstance(v, (int, float)): return float(v)
    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
ev = json.load(sys.stdin)["events"]
t0 = [ts(e["time"]) for e in ev if (e.get("message") or "").startswith("deploying image")][0]
t1 = [ts(e["time"]) for e in ev if (e.get("message") or "").startswith("image written")][0]
print(t1 - t0)')
  awk -v b="$size" -v t="$t" 'BEGIN { printf "%.1f\n", b / t / 1e6 }'
}

curl_run() {
  rm -f "$work/curl.img"
  local t0 t1; t0=$(now)
  curl -sf "$base/images/$sha" | dd of="$work/curl.img" bs=4M conv=fsync status=none
  t1=$(now)
  [[ $(stat -c %s "$work/curl.img") == "$size" ]] || { echo "curl|dd wrote a short file" >&2; exit 1; }
  awk -v b="$size" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f\n", b / (z - a) / 1e6 }'
}

dd_run() {
  rm -f "$work/dd.img"
  local t0 t1; t0=$(now)
  dd if=/dev/zero of="$work/dd.img" bs=4M count=$((size / (4 << 20))) conv=fsync status=none
  t1=$(now)
  awk -v b="$size" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f\n", b / (z - a) / 1e6 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# imaging bench: $mib MiB raw image (half random, half zeros), $reps reps, $(nproc) cpus, $(date -u +%FT%TZ)"
echo "# host: $(uname -r), $(java -version 2>&1 | head -1), disk: $(df --output=source,fstype "$work" | tail -1)"
echo "# load before: $(uptime | sed 's/.*load average/load average/')"
a=(); c=(); d=()
for i in $(seq "$reps"); do
  a+=("$(agent_run)"); c+=("$(curl_run)"); d+=("$(dd_run)")
  echo "rep $i: agent ${a[-1]} MB/s, curl|dd ${c[-1]} MB/s, dd ${d[-1]} MB/s"
done
echo "# load after:  $(uptime | sed 's/.*load average/load average/')"
printf '%-10s %8s   %s\n' what "MB/s" "runs (MB/s)"
printf '%-10s %8s   %s\n' agent "$(printf '%s\n' "${a[@]}" | median)" "${a[*]}"
printf '%-10s %8s   %s\n' "curl|dd" "$(printf '%s\n' "${c[@]}" | median)" "${c[*]}"
printf '%-10s %8s   %s\n' dd "$(printf '%s\n' "${d[@]}" | median)" "${d[*]}"
grep -h "wrote .* bytes at" "$work/agent.log" | sort -u | sed "s/^/# agent: /" | tail -n "$reps"
rm -f "$work/curl.img" "$work/dd.img" "$disk"

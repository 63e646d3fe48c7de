#!/usr/bin/env bash
# Imaging throughput inside a qemu machine (TCG, BIOS, 1 vCPU, 512 MiB RAM, blank raw virtio disk) booted into the
# deploy environment by our runtime (`serve --config`, DHCP mode, lab namespaces PREFIX{srv,lan,cli}). One boot:
#   curl|dd  a `run` job: sh -c 'wget -q -O - http://RUNTIME:8080/images/<sha> | dd of=/dev/vda bs=4M conv=fsync'
#   dd       a `run` job: sh -c 'dd if=/dev/zero of=/dev/vda bs=4M count=N conv=fsync'        (the disk's limit)
#   agent    `pxe-runtime reimage --disk /dev/vda --wait` last (it reboots the machine; without --allow-reboot
#            qemu then exits): from the job's "deploying image" to its "image written, fsynced and verified"
#            event (download + SHA-256 + write + fsync + verify; first-boot volume excluded)
# The run jobs time themselves with the guest's /proc/uptime and print "T start end" (their stdout comes back as
# job log events). The image is half random, half zeros, raw, with an MBR (the first-boot step needs one).
# Usage (root): bench/imaging-vm.sh [imageMiB=128] [reps=2]     Env: NO_BUILD=1, LAB_PREFIX (pxv-), LAB_SUBNET
# (10.231.90), WORK (/var/tmp/pxr-imaging-vm), AGENT_REPS (1; each further one boots qemu again).
set -euo pipefail
mib=${1:-128}; reps=${2:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=${LAB_PREFIX:-pxv-}; subnet=${LAB_SUBNET:-10.231.90}
work=${WORK:-/var/tmp/pxr-imaging-vm}
mac=52:54:00:90:00:01; machine=vmbench; url=http://$subnet.1:8080
for c in curl jq sfdisk qemu-system-x86_64 ip python3; do command -v $c >/dev/null || { echo "$c missing" >&2; exit 2; }; done
[[ $(id -u) == 0 ]] || { echo "needs root (namespaces, tap)" >&2; exit 2; }
jdkbin=$(dirname "$(readlink -f "$(command -v java)")")
if [[ ${NO_BUILD:-} != 1 ]]; then
  (cd "$repo" && mvn -o -q -DskipTests install)
  PATH=$jdkbin:$PATH bash "$repo/boot-assets/build-deploy-env.sh" "$repo/lab/work/deploy-assets" \
    "$repo/deploy-agent/target/deploy-agent.jar" >/dev/null
fi
jar=$repo/agent-runtime/target/pxe-runtime.jar; assets=$repo/lab/work/deploy-assets
mkdir -p "$work"; work=$(cd "$work" && pwd)
export LAB_WORK=$work/lab LAB_PREFIX=$prefix LAB_SUBNET=$subnet
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash "$repo/lab/netns.sh" down "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
srv() { ip netns exec "${prefix}srv" "$@"; }

# --- image (MBR + first half random, rest zeros) and a blank disk ---------------------------------------------
img=$work/bench-$mib.img
if [[ ! -f $img || $(stat -c %s "$img") != $((mib << 20)) ]]; then
  head -c $(((mib / 2) << 20)) /dev/urandom >"$img"
  truncate -s $((mib << 20)) "$img"
  printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null
fi
size=$(stat -c %s "$img")
disk=$work/disk.img; rm -f "$disk"; truncate -s 512M "$disk"
rm -rf "$work/data" "$work/lab" "$work"/job-*.json "$work"/serial* "$work"/reimage*.log "$work"/qemu-boot*.log
mkdir -p "$work/data"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"; token=$(cat "$work/token")
java -jar "$jar" image add bench "$img" --data-dir "$work/data" >"$work/image-add.log" 2>&1
sha=$(sha256sum "$img" | cut -d' ' -f1)

# --- lab + runtime (plan `deploy`: the machine boots the deploy environment and its agent waits for jobs) -------
bash "$repo/lab/netns.sh" down "$prefix" >/dev/null 2>&1 || true
bash "$repo/lab/netns.sh" up "$prefix" "$subnet" >"$work/netns.log" 2>&1
cat >"$work/runtime.yaml" <<EOF
interface: eth0
dataDir: $work/data
dhcp: {mode: dhcp}
http: {port: 8080, filesRoot: $assets, apiTokenFile: $work/token}
deploy: {kernel: deploy-vmlinuz, initrds: [deploy-initrd.img], cmdline: pxe.onexit=poweroff}
agent: {pollSeconds: 5, allowedCommands: [sh]}
machines:
  - {mac: "$mac", name: $machine, action: deploy}
EOF
srv java -jar "$jar" serve --config "$work/runtime.yaml" >"$work/runtime.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do grep -q 'PxeRuntime - ready' "$work/runtime.log" && break; sleep 0.5; done
grep -q 'PxeRuntime - ready' "$work/runtime.log" || { tail "$work/runtime.log" >&2; exit 1; }
api() { srv curl -sf --max-time 10 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

echo "# VM imaging bench: $mib MiB raw image (half random, half zeros), qemu TCG BIOS 1 vCPU 512 MiB, 512 MiB raw" \
  "virtio disk, $(nproc) host cpus, $(date -u +%FT%TZ)"
echo "# load before: $(uptime | sed 's/.*load average/load average/')"
qemu_start() { # N: boot the machine (network first, then the disk), wait until its agent registered
  local n0 t0; t0=$(date +%s)
  n0=$(api "$url/api/v1/events?machine=$machine" | jq '[.[] | select(.phase == "registered")] | length')
  bash "$repo/lab/qemu-boot.sh" --prefix "$prefix" --firmware bios --mac "$mac" --disk "$disk" --mem 512 --smp 1 \
    --timeout 900 --serial-log "$work/serial-$1.log" --marker "PXE-VMBENCH-NEVER-PRINTED" >"$work/qemu-boot-$1.log" 2>&1 &
  qpid=$!; pids+=("$qpid")
  if [[ $1 == 1 ]]; then # later boots: the agent takes the queued reimage job at once
    for _ in $(seq 300); do
      (($(api "$url/api/v1/events?machine=$machine" | jq '[.[] | select(.phase == "registered")] | length') > n0)) && break
      kill -0 $qpid 2>/dev/null || { echo "qemu ended before the agent registered" >&2; tail "$work/serial-$1.log" >&2; exit 1; }
      sleep 1
    done
    echo "# agent registered $(($(date +%s) - t0)) s after qemu start"
  fi
}
qemu_start 1

await_job() { # ID TIMEOUT: waits for a terminal state, prints the job JSON
  local s
  for _ in $(seq "$2"); do
    s=$(api "$url/api/v1/jobs/$1" | jq -r .state)
    [[ $s == succeeded || $s == failed || $s == cancelled ]] && break
    sleep 1
  done
  api "$url/api/v1/jobs/$1"
}
run_timed() { # NAME SHELL-CMD [CHECK]: a run job that times itself in the guest; prints MB/s seconds [hash-MB/s]
  # CHECK: then hash the image's range of the disk (busybox sha256sum, timed too) and compare with the image's
  local cmd="a=\$(cut -d' ' -f1 /proc/uptime); $2; b=\$(cut -d' ' -f1 /proc/uptime); echo \"T \$a \$b\""
  [[ -n ${3:-} ]] && cmd+="; h=\$(head -c $size /dev/vda | sha256sum); c=\$(cut -d' ' -f1 /proc/uptime); echo \"H \$b \$c \$h\""
  local id json t h
  id=$(api -X POST "$url/api/v1/machines/$machine/jobs" \
    -d "$(jq -nc --arg c "$cmd" '{type: "run", command: ["sh", "-c", $c]}')" | jq -r .id)
  json=$(await_job "$id" 600); echo "$json" >"$work/job-$1-$id.json"
  [[ $(jq -r .state <<<"$json") == succeeded ]] || { echo "$1 job $id: $(jq -c '[.state, .message]' <<<"$json")" >&2
    jq -r '.events[].message' <<<"$json" >&2; exit 1; }
  t=$(jq -r '.events[].message' <<<"$json" | sed -n 's/^stdout: T \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' | tail -1)
  awk -v b="$size" -v t="$t" 'BEGIN { split(t, x, " "); printf "%.1f %.2f", b / (x[2] - x[1]) / 1e6, x[2] - x[1] }'
  if [[ -n ${3:-} ]]; then
    h=$(jq -r '.events[].message' <<<"$json" | sed -n 's/^stdout: H //p' | tail -1)
    [[ $(awk '{ print $3 }' <<<"$h") == "$sha" ]] || { echo "$1 job $id: disk sha256 ($h) is not the image's" >&2; exit 1; }
    awk -v b="$size" '{ printf " %.1f", b / ($2 - $1) / 1e6 }' <<<"$h"
  fi
  echo
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
c=(); d=(); ct=(); dt=(); hs=()
for i in $(seq "$reps"); do
  read -r r s h < <(run_timed curl "wget -q -O - $url/images/$sha | dd of=/dev/vda bs=4M conv=fsync 2>/dev/null" check)
  [[ -n $h ]] || exit 1
  c+=("$r"); ct+=("$s"); hs+=("$h")
  read -r r s < <(run_timed dd "dd if=/dev/zero of=/dev/vda bs=4M count=$((size / (4 << 20))) conv=fsync 2>/dev/null")
  [[ -n $s ]] || exit 1
  d+=("$r"); dt+=("$s")
  echo "rep $i: wget|dd ${c[-1]} MB/s (${ct[-1]} s; sha256sum of the disk ${hs[-1]} MB/s), dd ${d[-1]} MB/s (${dt[-1]} s)"
done

# --- the agent, last: the deploy reboots the machine (qemu exits then). Further agent runs: reimage again (plan
# deploy) and boot a fresh qemu on the same disk; its agent takes the queued job at once. -------------------------
agent_run() { # N: one reimage --wait; sets ar (MB/s) and as (seconds)
  local log=$work/reimage-$1.log job
  srv java -jar "$jar" reimage "$machine" --image bench --disk /dev/vda --wait --timeout 600 --url "$url" \
    --token-file "$work/token" >"$log" 2>&1 &
  local cli=$!; pids+=("$cli")
  if (($1 > 1)); then
    for _ in $(seq 60); do grep -q queued "$log" && break; sleep 0.5; done
    qemu_start "$1"
  fi
  wait $cli || { echo "reimage $1 failed:" >&2; cat "$log" >&2; exit 1; }
  job=$(grep -o 'j-[0-9a-f-]*' "$log" | head -1)
  api "$url/api/v1/jobs/$job" >"$work/job-agent-$job.json"
  read -r ar as < <(python3 -c '
import json, sys, datetime
def ts(v):
    if isinstance(v, (int, float)): return float(v)
    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
ev = json.load(open(sys.argv[1]))["events"]
t0 = [ts(e["time"]) for e in ev if (e.get("message") or "").startswith("deploying image")][0]
t1 = [ts(e["time"]) for e in ev if (e.get("message") or "").startswith("image written")][0]
print("%.1f %.2f" % (int(sys.argv[2]) / (t1 - t0) / 1e6, t1 - t0))' "$work/job-agent-$job.json" "$size")
  jq -r '.events[].message' "$work/job-agent-$job.json" | grep -E '^wrote' | sed 's/^/# agent: /'
  # the agent reboots: without --allow-reboot qemu exits (bounded), and the tap is free for the next boot
  for _ in $(seq 120); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.5; done
  kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true
}
a=(); at=()
for i in $(seq "${AGENT_REPS:-1}"); do
  ar="" as=""; agent_run "$i"; [[ -n $as ]] || exit 1
  a+=("$ar"); at+=("$as"); echo "agent $i: $ar MB/s ($as s)"
done
echo "# load after:  $(uptime | sed 's/.*load average/load average/')"
echo
echo "| what (in the VM, $mib MiB) | MB/s | runs (MB/s) | seconds |"
echo "| --- | ---: | --- | --- |"
echo "| agent: download + SHA-256 + write + fsync + verify | $(median "${a[@]}") | ${a[*]} | ${at[*]} |"
echo "| \`wget -O - URL \| dd of=/dev/vda bs=4M conv=fsync\` (naive, unverified) | $(median "${c[@]}") | ${c[*]} | ${ct[*]} |"
echo "| \`head -c SIZE /dev/vda \| sha256sum\` after each naive write (busybox, hash check only) | $(median "${hs[@]}") | ${hs[*]} | |"
echo "| \`dd if=/dev/zero of=/dev/vda bs=4M count=$((size / (4 << 20))) conv=fsync\` (the disk's limit) | $(median "${d[@]}") | ${d[*]} | ${dt[*]} |"
echo

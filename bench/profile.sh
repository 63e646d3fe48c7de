#!/usr/bin/env bash
# bench/profile.sh dhcp|tftp: a JFR recording of the runtime under load, and its hottest frames.
#
#   sudo bench/profile.sh dhcp [RATE] [SECONDS]   perfdhcp at RATE (4000) for SECONDS (10), INFO logging
#   sudo bench/profile.sh tftp [TRANSFERS]        TRANSFERS (5) curl downloads of the 64 MiB file, blksize 1468
#
# Extra JVM flags through BENCH_JVM_ARGS (e.g. -Dorg.slf4j.simpleLogger.log.io.pxereimage.runtime.pxe=warn).
# Writes $BENCH_WORK/profile-MODE.jfr and prints the top leaf frames and the top frames in our own code
# (jdk.ExecutionSample, Java threads only; time in the kernel shows up under the frame that made the syscall).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-dhcp}
S=$BENCH_SUBNET
bench_require java perfdhcp curl jfr
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_cleanup
bench_up
w=$BENCH_WORK/profile
rm -rf "$w"; mkdir -p "$w/root" "$w/data"
jfr_file=$BENCH_WORK/profile-$mode.jfr
touch "$w/root/vmlinuz"
if [[ $mode == tftp ]]; then
  head -c $((64 << 20)) /dev/urandom >"$w/root/big.bin"
fi
cat >"$w/runtime.yaml" <<EOF
address: $S.1
interface: eth0
dataDir: $w/data
dhcp: {mode: dhcp, rangeStart: $S.10, rangeEnd: $S.250, subnetMask: 255.255.255.0, leaseSeconds: 3600}
tftp: {root: $w/root}
http: {port: 8080, filesRoot: $w/root}
boot: {answerUnknown: true, defaultBoot: {kernel: vmlinuz}}
EOF
# shellcheck disable=SC2086
bench_java srv "$w/runtime.log" ${BENCH_JVM_ARGS:-} -XX:StartFlightRecording=settings=profile,filename="$jfr_file",dumponexit=true \
  -- serve --config "$w/runtime.yaml"
rt=$BENCH_LAST
case $mode in
  dhcp)
    rate=${2:-4000} secs=${3:-10}
    ip netns exec "${BENCH_PREFIX}cli" perfdhcp -4 -l eth0 -r 2000 -R 200 -p 5 "$S.1" >/dev/null 2>&1 || true  # warm-up
    ip netns exec "${BENCH_PREFIX}cli" perfdhcp -4 -l eth0 -r "$rate" -R 200 -p "$secs" -W 500000 "$S.1" 2>&1 |
      grep -E '^Rate|drops ratio|avg delay' ;;
  tftp)
    for ((i = 0; i < ${2:-5}; i++)); do
      ip netns exec "${BENCH_PREFIX}cli" curl -sS -o /dev/null -w '%{speed_download} B/s\n' --tftp-blksize 1468 "tftp://$S.1/big.bin"
    done ;;
  *) bench_die "mode must be dhcp or tftp" ;;
esac
bench_stop "$rt"   # dumponexit writes the recording
[[ -s $jfr_file ]] || bench_die "no recording in $jfr_file"
set +o pipefail   # head closes the pipes early
jfr print --stack-depth 40 --events jdk.ExecutionSample "$jfr_file" >"$w/samples.txt"
echo "== $(grep -c 'jdk.ExecutionSample' "$w/samples.txt") samples; top leaf frames =="
awk '/stackTrace = \[/ {getline; sub(/^ +/, ""); sub(/ +line:.*/, ""); print}' "$w/samples.txt" | sort | uniq -c | sort -rn | head -20
echo "== top frames in io.pxereimage (first one on each stack) =="
awk '/stackTrace = \[/ {s = 1; next} s && /io\.pxereimage/ {sub(/^ +/, ""); sub(/ +line:.*/, ""); print; s = 0} /^\]/ {s = 0}' "$w/samples.txt" |
  sort | uniq -c | sort -rn | head -15

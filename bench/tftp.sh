#!/usr/bin/env bash
# bench/tftp.sh: TFTP read throughput, our runtime vs dnsmasq, same clients, same run, alternating.
#
#   sudo bench/tftp.sh [OUT.md]
#
# Both servers run at once in their own namespaces on the lab bridge (runtime SUBNET.1, dnsmasq SUBNET.3) and
# serve the same 64 MiB random file; every repetition fetches it from one, then the other, with
# `curl --tftp-blksize B`, `busybox tftp -b B` and bench/tftp-window.py (asks for windowsize BENCH_WINDOW, 8), and
# checks its sha256. curl and busybox cannot ask for windowsize, so with them both servers run lock-step (one ACK
# per block); dnsmasq does not implement windowsize, so it runs lock-step with tftp-window.py too. Before
# measuring, each server serves the file twice (JIT warm-up for the JVM, page cache for both), not counted.
# Env: BENCH_TFTP_CLIENTS ("curl busybox window"), BENCH_WINDOW (8), BENCH_REPS (5, for blksize 1468),
#      BENCH_REPS_512 (3), BENCH_SIZE_MIB (64), BENCH_BLKSIZES ("1468 512"),
#      BENCH_PREFIX (pxb-), BENCH_SUBNET (10.231.50), BENCH_WORK (bench/work), BENCH_JAR.
# Prints a markdown table on stdout (and into OUT.md if given); raw numbers go to $BENCH_WORK/tftp-runs.tsv.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=${1:-}
reps=${BENCH_REPS:-5}
reps512=${BENCH_REPS_512:-3}
size_mib=${BENCH_SIZE_MIB:-64}
blksizes=${BENCH_BLKSIZES:-1468 512}
read -r -a clients <<<"${BENCH_TFTP_CLIENTS:-curl busybox window}"
window=${BENCH_WINDOW:-8}
S=$BENCH_SUBNET
bench_require java dnsmasq curl busybox sha256sum python3
[[ -r $BENCH_JAR ]] || bench_die "no $BENCH_JAR: mvn -o -q -DskipTests package -pl agent-runtime"

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_cleanup
bench_up
bench_server_ns dm 3

w=$BENCH_WORK/tftp
mkdir -p "$w/root" "$w/data"
file=big-${size_mib}m.bin
# Random (incompressible) bytes, made once and kept in the work directory.
if [[ ! -s $w/root/$file ]] || [[ $(stat -c %s "$w/root/$file") != $((size_mib << 20)) ]]; then
  bench_log "making $file"
  head -c $((size_mib << 20)) /dev/urandom >"$w/root/$file"
fi
want=$(sha256sum "$w/root/$file" | cut -d' ' -f1)
bytes=$(stat -c %s "$w/root/$file")

cat >"$w/runtime.yaml" <<EOF
address: $S.1
interface: eth0
dataDir: $w/data
dhcp: {mode: proxy}
tftp: {root: $w/root}
http: {port: 8080, filesRoot: $w/root}
boot: {answerUnknown: false}
EOF
bench_java srv "$w/runtime.log" -- serve --config "$w/runtime.yaml"
rt_pid=$BENCH_LAST
bench_start dm "$w/dnsmasq.log" dnsmasq --conf-file=/dev/null --port=0 --keep-in-foreground --user=root \
  --bind-interfaces --interface=eth0 --except-interface=lo --log-facility=- --pid-file="$w/dnsmasq.pid" \
  --enable-tftp --tftp-root="$w/root"
dm_pid=$BENCH_LAST
bench_wait_log "$w/dnsmasq.log" 'TFTP root' 10 "$dm_pid"

# Client output on tmpfs: disk write-back must not be part of the measurement.
dl=/dev/shm/${BENCH_PREFIX}tftp.$$
trap 'rm -f "$dl"; bench_cleanup' EXIT

# fetch SERVER_IP CLIENT BLKSIZE: prints "seconds ok|bad|fail". Timed inside the client namespace.
fetch() {
  local ip=$1 client=$2 blk=$3 t rc=0
  rm -f "$dl"
  case $client in
    curl) t=$(ip netns exec "${BENCH_PREFIX}cli" timeout 120 bash -c \
            's=$EPOCHREALTIME; curl -sS -o "$1" --tftp-blksize "$2" "tftp://$3/$4" || exit $?; echo "$s $EPOCHREALTIME"' \
            _ "$dl" "$blk" "$ip" "$file") || rc=$? ;;
    window) t=$(ip netns exec "${BENCH_PREFIX}cli" timeout 120 bash -c \
            's=$EPOCHREALTIME; python3 "$5" "$3" "$4" "$1" "$2" "$6" >/dev/null || exit $?; echo "$s $EPOCHREALTIME"' \
            _ "$dl" "$blk" "$ip" "$file" "$BENCH_DIR/tftp-window.py" "$window") || rc=$? ;;
    busybox) t=$(ip netns exec "${BENCH_PREFIX}cli" timeout 120 bash -c \
            's=$EPOCHREALTIME; busybox tftp -g -b "$2" -r "$4" -l "$1" "$3" || exit $?; echo "$s $EPOCHREALTIME"' \
            _ "$dl" "$blk" "$ip" "$file") || rc=$? ;;
  esac
  if ((rc != 0)); then echo "0 fail"; return; fi
  local sec
  sec=$(awk '{printf "%.6f", $2 - $1}' <<<"$t")
  if [[ $(sha256sum "$dl" | cut -d' ' -f1) == "$want" ]]; then echo "$sec ok"; else echo "$sec bad"; fi
}

runs=$BENCH_WORK/tftp-runs.tsv
printf 'server\tclient\tblksize\trep\tseconds\tMB_s\tsha256\tserver_cpu_s\n' >"$runs"
declare -A ip=([runtime]=$S.1 [dnsmasq]=$S.3) pid=([runtime]=$rt_pid [dnsmasq]=$dm_pid)
tick=$(getconf CLK_TCK)

bench_log "warm-up: two transfers from each server (not counted)"
for srv in runtime dnsmasq; do
  for client in curl busybox; do
    r=$(fetch "${ip[$srv]}" "$client" 1468)
    [[ $r == *ok ]] || bench_die "warm-up transfer from $srv ($client) failed: $r"
  done
done

for blk in $blksizes; do
  n=$reps; [[ $blk == 512 ]] && n=$reps512
  for ((rep = 1; rep <= n; rep++)); do
    for client in "${clients[@]}"; do
      # Alternate which server goes first, so neither always follows the other's page-cache/scheduler state.
      order=(runtime dnsmasq); ((rep % 2 == 0)) && order=(dnsmasq runtime)
      for srv in "${order[@]}"; do
        c0=$(bench_cpu_ticks "${pid[$srv]}")
        read -r sec sha < <(fetch "${ip[$srv]}" "$client" "$blk")
        c1=$(bench_cpu_ticks "${pid[$srv]}")
        mbs=$(awk -v b="$bytes" -v s="$sec" 'BEGIN {printf "%.1f", (s > 0 ? b / s / 1e6 : 0)}')
        cpu=$(awk -v d=$((c1 - c0)) -v t="$tick" 'BEGIN {printf "%.2f", d / t}')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$srv" "$client" "$blk" "$rep" "$sec" "$mbs" "$sha" "$cpu" >>"$runs"
        bench_log "$srv $client blksize $blk rep $rep: $mbs MB/s ($sec s, sha256 $sha, server CPU $cpu s)"
      done
    done
  done
done
rm -f "$dl"

{
  echo "TFTP read of a $size_mib MiB file (MB = 10^6 bytes), sha256 checked every run; curl and busybox run lock-step;"
  echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| server | client | blksize | runs ok | median MB/s | min | max | server CPU s/transfer (median) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  for blk in $blksizes; do
    for client in "${clients[@]}"; do
      for srv in runtime dnsmasq; do
        sel() { awk -F'\t' -v s="$srv" -v c="$client" -v b="$blk" -v col="$1" \
          'NR > 1 && $1 == s && $2 == c && $3 == b && $7 == "ok" {print $col}' "$runs"; }
        total=$(awk -F'\t' -v s="$srv" -v c="$client" -v b="$blk" 'NR > 1 && $1 == s && $2 == c && $3 == b' "$runs" | wc -l)
        ok=$(sel 6 | wc -l)
        name=$srv; [[ $srv == runtime ]] && name="**runtime**"
        label=$client; [[ $client == window ]] && label="tftp-window.py (asks windowsize $window)"
        printf '| %s | %s | %s | %s/%s | %s | %s | %s | %s |\n' "$name" "$label" "$blk" "$ok" "$total" \
          "$(sel 6 | bench_median)" "$(sel 6 | bench_min)" "$(sel 6 | bench_max)" "$(sel 8 | bench_median)"
      done
    done
  done
} | tee ${out:+"$out"}
bad=$(awk -F'\t' 'NR > 1 && $7 != "ok"' "$runs" | wc -l)
((bad == 0)) || { bench_log "$bad transfers failed or had a wrong checksum (see $runs)"; exit 1; }

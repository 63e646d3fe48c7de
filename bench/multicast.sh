#!/usr/bin/env bash
# bench/multicast.sh: our multicast image transfer vs udpcast and uftp, same topology, same run.
#
#   sudo bench/multicast.sh [RESULTS.md]        (default: bench/work/multicast-<date>.md)
#   sudo MC_QUICK=1 bench/multicast.sh          64 MiB, N = 1 and 4, loss 0 and 1 %: a few minutes, for iteration
#
# Topology (namespaces ${P}*, default pxy-, 10.231.103.0/24): the sender in ${P}srv (eth0 .1) with a tbf qdisc
# capping its egress at MC_CAP (1gbit), N receivers ${P}r1..${P}rN (eth0 .11..) on one bridge (no IGMP snooping:
# every receiver port sees every group). Each tool is told the same cap (our --rate, udp-sender --max-bitrate,
# uftp -R), so that the tbf queue is the backstop, not the pacer.
#
# Loss: this kernel has no netem (nor gact, iptables, nft). bench/lossy/recvloss.c, LD_PRELOADed into every
# receiver process of every tool, drops MC_LOSS % of the UDP datagrams the receiver reads (recvfrom, recvmsg,
# recvmmsg, recv, read on SOCK_DGRAM sockets), data and control alike: receiver-side loss, the same as netem
# loss on the switch port towards that receiver. Each receiver gets its own random stream.
#
# Per cell (N x loss) and tool: wall time from the sender's start to the last receiver's completion, goodput =
# image bytes / wall time (per receiver: each receives the whole image), wire = bytes transmitted by all hosts'
# eth0 (sender data + receivers' feedback, interface counters) / image bytes (unicast to N receivers would be
# ~N x 1.03), and whether every receiver's output has the image's SHA-256.
#
# Environment: MC_SIZE_MIB (512; quick 64), MC_RECEIVERS ("1 4 8"; quick "1 4"), MC_LOSS ("0 1 5"; quick "0 1"),
# MC_TOOLS ("ours udpcast uftp"), MC_CAP (1gbit), MC_RUN_TIMEOUT (300 s per transfer), MC_OUT (receiver outputs,
# on tmpfs so that the disk is not what is measured: /dev/shm/${P}mcast), BENCH_SKIP_BUILD=1 (jars as they are),
# MC_SENDER_JVM / MC_RX_JVM (extra JVM flags for our sender / receivers), MC_OURS_ARGS (extra SenderMain args),
# MC_RX_ARGS (extra MulticastFileDeploy args, e.g. --checkpoint-ms 600000).
# Raw rows: $BENCH_WORK/multicast-runs.tsv; logs: $BENCH_WORK/mcast/<cell>/.
set -euo pipefail
export BENCH_PREFIX=${BENCH_PREFIX:-pxy-} BENCH_SUBNET=${BENCH_SUBNET:-10.231.103}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

P=$BENCH_PREFIX
S=$BENCH_SUBNET
if [[ ${MC_QUICK:-0} == 1 ]]; then
  size_mib=${MC_SIZE_MIB:-64}; counts=${MC_RECEIVERS:-"1 4"}; losses=${MC_LOSS:-"0 1"}
else
  size_mib=${MC_SIZE_MIB:-512}; counts=${MC_RECEIVERS:-"1 4 8"}; losses=${MC_LOSS:-"0 1 5"}
fi
tools=${MC_TOOLS:-"ours udpcast uftp"}
cap=${MC_CAP:-1gbit}
run_timeout=${MC_RUN_TIMEOUT:-300}
results=${1:-$BENCH_WORK/multicast-$(date +%Y%m%d-%H%M%S).md}
out_root=${MC_OUT:-/dev/shm/${P}mcast}
agent_jar=$BENCH_REPO/deploy-agent/target/deploy-agent.jar
sender_cp=$BENCH_REPO/agent-runtime/target/test-classes:$BENCH_JAR
shim=$BENCH_WORK/recvloss.so
tsv=$BENCH_WORK/multicast-runs.tsv
GROUP=239.231.103.1 DATA_GROUP=239.231.103.2 UDPCAST_GROUP=239.231.103.3 UFTP_PUB=239.231.103.4 UFTP_PRIV=239.231.103.5

bench_require java udp-sender udp-receiver uftp uftpd gcc sha256sum tc
trap 'bench_cleanup; rm -rf "$out_root"' EXIT
trap 'exit 130' INT TERM
bench_cleanup
mkdir -p "$BENCH_WORK" "$(dirname "$results")"

# cap_bps: MC_CAP in bits per second (tc syntax: 1gbit, 500mbit, ...)
cap_bps() {
  local v=${cap%bit} m=1
  case $v in *g) m=1000000000; v=${v%g} ;; *m) m=1000000; v=${v%m} ;; *k) m=1000; v=${v%k} ;; esac
  echo $((v * m))
}
CAP_BPS=$(cap_bps)

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  bench_log "building the jars (sender test classes, deploy agent)"
  (cd "$BENCH_REPO" && mvn -o -q -DskipTests install)
fi
[[ -f $agent_jar && -f $BENCH_JAR && -d $BENCH_REPO/agent-runtime/target/test-classes ]] ||
  bench_die "build first: mvn -o -q -DskipTests install"
gcc -O2 -shared -fPIC -Wall -Wextra -o "$shim" "$here/lossy/recvloss.c" -ldl

image=$BENCH_WORK/mcast-image-${size_mib}M.bin
if [[ ! -f $image ]]; then
  bench_log "generating the ${size_mib} MiB image (random, cached as $image)"
  head -c $((size_mib << 20)) /dev/urandom >"$image.tmp" && mv "$image.tmp" "$image"
fi
size=$(stat -c %s "$image")
sha=$(sha256sum "$image" | cut -d' ' -f1)
cat "$image" >/dev/null # page cache: every tool reads it from memory

# Topology: the lab's srv/lan/cli (cli unplugged) plus the receivers, made once for the largest N; receivers
# beyond N of a cell have their bridge port down so that they cost nothing.
max_n=0
for n in $counts; do ((n > max_n)) && max_n=$n; done
bench_up
ip -n "${P}lan" link set p-cli down
for ((i = 1; i <= max_n; i++)); do bench_server_ns "r$i" $((10 + i)); done
ip netns exec "${P}srv" tc qdisc replace dev eth0 root tbf rate "$cap" burst 256k latency 20ms
for ns in "${P}srv" $(for ((i = 1; i <= max_n; i++)); do echo "${P}r$i"; done); do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 # no MLD/RA noise in the counters
done

tx_bytes() { ip netns exec "${P}$1" cat /sys/class/net/eth0/statistics/tx_bytes; }
wire_total() { # sender + receivers 1..N
  local n=$1 t i
  t=$(tx_bytes srv)
  for ((i = 1; i <= n; i++)); do t=$((t + $(tx_bytes "r$i"))); done
  echo "$t"
}

# lossy NS LOG STATS CMD...: a receiver process with the loss shim (always preloaded, so every run pays the same).
lossy() {
  local ns=$1 log=$2 stats=$3; shift 3
  local -a wrap=()
  # MC_STRACE=1: syscall counts of each receiver (LOG.strace), to see which receive calls a tool makes
  [[ ${MC_STRACE:-0} == 1 ]] && wrap=(strace -f -qq -c -o "$log.strace")
  bench_start "$ns" "$log" env LD_PRELOAD="$shim" RECVLOSS="$loss_frac" RECVLOSS_STATS="$stats" "${wrap[@]}" "$@"
}

# wait_all SECONDS PID...: waits for every PID (reaped); returns 1 if any was still running at the deadline.
wait_all() {
  local secs=$1 pid deadline=$((SECONDS + $1)); shift
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || return 1
      sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
  done
}

# run_ours / run_udpcast / run_uftp N DIR: one transfer; the receivers' outputs are DIR/out/r<i>.img (uftp: a dir).
run_ours() {
  local n=$1 d=$2 i rx=() list=""
  for ((i = 1; i <= n; i++)); do
    head -c 32 /dev/urandom >"$d/r$i.token" # the sender's key file; the job carries it in hex
    list+="${list:+,}$((1000 + i)):$d/r$i.token"
    # the agent's own deploy path (MulticastDeploy: hashes the complete prefix while the rest arrives, as a deploy
    # does) onto a file; the URL is only for an HTTP fill, which the bench has no server for (such a run fails)
    printf '{"type":"deploy-image","id":"bench-r%d","image":{"name":"bench","url":"http://%s:9/none","sha256":"%s","sizeBytes":%d,"compression":"none","blockMap":null},"target":{"device":"/dev/null","rule":null},"firstBoot":null,"multicast":{"controlGroup":"%s","controlPort":9310,"receiverId":%d,"token":"%s","announceWaitSeconds":30}}\n' \
      "$i" "$S.1" "$sha" "$size" "$GROUP" $((1000 + i)) "$(xxd -p -c 64 "$d/r$i.token")" >"$d/r$i.job.json"
    rm -rf "$d/r$i.state"
    # shellcheck disable=SC2086
    lossy "r$i" "$d/r$i.log" "$d/r$i.loss" java -XX:+UseSerialGC ${MC_RX_JVM:-} -cp "$agent_jar" \
      io.pxereimage.agent.MulticastFileDeploy --job "$d/r$i.job.json" --out "$d/out/r$i.img" \
      --state-dir "$d/r$i.state" --iface eth0 ${MC_RX_ARGS:-}
    rx+=("$BENCH_LAST")
  done
  # the receivers are listening before the clock starts (as udpcast's and uftp's C receivers are after a short sleep): 8 JVMs
  # starting on 2 cores that takes 3-5 s, which a fixed sleep put inside our wall time (runs A-C)
  local deadline=$((SECONDS + 60))
  for ((i = 1; i <= n; i++)); do
    until grep -q "multicast: waiting up to" "$d/r$i.log" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.1; done
  done
  sleep 0.2
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  bench_start srv "$d/sender.log" java -XX:+UseSerialGC ${MC_SENDER_JVM:-} -cp "$sender_cp" io.pxereimage.runtime.multicast.SenderMain \
    --image "$image" --sha256 "$sha" --iface eth0 --group $GROUP --port 9310 --data-group $DATA_GROUP \
    --data-port 9311 --rate $((CAP_BPS / 8)) --receivers "$list" ${MC_OURS_ARGS:-}
  wait_all "$run_timeout" "$BENCH_LAST" "${rx[@]}" || return 1
  t1=$(date +%s.%N)
}

run_udpcast() {
  local n=$1 d=$2 i rx=()
  for ((i = 1; i <= n; i++)); do
    lossy "r$i" "$d/r$i.log" "$d/r$i.loss" udp-receiver --file "$d/out/r$i.img" --interface eth0 --nokbd \
      --portbase 9400 --mcast-rdv-address $UDPCAST_GROUP
    rx+=("$BENCH_LAST")
  done
  sleep 0.5
  t0=$(date +%s.%N)
  # --nopointopoint: multicast also for one receiver (the same topology as the others); --full-duplex: it is
  bench_start srv "$d/sender.log" udp-sender --file "$image" --interface eth0 --nokbd --min-receivers "$n" \
    --portbase 9400 --mcast-rdv-address $UDPCAST_GROUP --mcast-data-address $UDPCAST_GROUP --nopointopoint \
    --full-duplex --max-bitrate "$((CAP_BPS / 1000000))m"
  wait_all "$run_timeout" "$BENCH_LAST" "${rx[@]}" || return 1
  t1=$(date +%s.%N)
}

run_uftp() {
  local n=$1 d=$2 i rx=() ids=""
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$d/out/r$i"
    ids+="${ids:+,}0x$(printf %08x $((0x100 + i)))"
    lossy "r$i" "$d/r$i.log" "$d/r$i.loss" uftpd -d -q -I eth0 -M $UFTP_PUB -U "0x$(printf %08x $((0x100 + i)))" \
      -D "$d/out/r$i" -B 4194304
    rx+=("$BENCH_LAST")
  done
  sleep 0.5
  t0=$(date +%s.%N)
  # closed group (-H): starts as soon as all N registered; -B: the same 4 MiB socket buffers our receiver asks for
  bench_start srv "$d/sender.log" uftp -I eth0 -M $UFTP_PUB -P $UFTP_PRIV -H "$ids" -R $((CAP_BPS / 1000)) \
    -B 4194304 -D r.img "$image"
  wait_all "$run_timeout" "$BENCH_LAST" || return 1
  t1=$(date +%s.%N)
  for pid in "${rx[@]}"; do bench_stop "$pid"; done
  for ((i = 1; i <= n; i++)); do mv "$d/out/r$i/r.img" "$d/out/r$i.img" 2>/dev/null || true; done
}

machine=$(bench_machine | grep -vi dnsmasq)
[[ -f $tsv ]] || printf 'date\ttool\treceivers\tloss_pct\tsize\tseconds\tgoodput_MiBps\twire_ratio\tverified\tloss_seen\n' >"$tsv"
rows=()
for n in $counts; do
  for ((i = 1; i <= max_n; i++)); do
    ip -n "${P}lan" link set "p-r$i" "$( ((i <= n)) && echo up || echo down)"
  done
  for loss in $losses; do
    loss_frac=$(awk -v l="$loss" 'BEGIN {printf "%.4f", l / 100}')
    for tool in $tools; do
      d=$BENCH_WORK/mcast/n$n-l$loss-$tool
      rm -rf "$d" "$out_root/x"; mkdir -p "$d" "$out_root/x"
      ln -sfn "$out_root/x" "$d/out"
      bench_log "$tool: $n receivers, $loss % loss, $size_mib MiB"
      w0=$(wire_total "$n")
      status=ok
      "run_$tool" "$n" "$d" || status=timeout
      for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
      BENCH_PIDS=()
      w1=$(wire_total "$n")
      [[ $status == ok ]] || t1=$(date +%s.%N)
      good=0 seen=""
      for ((i = 1; i <= n; i++)); do
        [[ -f $d/out/r$i.img ]] && [[ $(sha256sum "$d/out/r$i.img" | cut -d' ' -f1) == "$sha" ]] && good=$((good + 1))
        seen+="${seen:+ }$(sed -n 's/received=\([0-9]*\) dropped=\([0-9]*\)/\2\/\1/p' "$d/r$i.loss" 2>/dev/null || true)"
      done
      rm -rf "$out_root/x"
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
      mibps=$(awk -v s="$size" -v t="$secs" -v st="$status" 'BEGIN {if (st != "ok") print "-"; else printf "%.1f", s / 1048576 / t}')
      ratio=$(awk -v w="$((w1 - w0))" -v s="$size" 'BEGIN {printf "%.3f", w / s}')
      verified="$good/$n"
      [[ $status == ok ]] || verified+=" ($status)"
      # a tool that ended without every image (udpcast drops receivers it thinks dead) has no goodput
      ((good == n)) || mibps="($mibps: incomplete)"
      bench_log "$tool n=$n loss=$loss%: ${secs}s ${mibps} MiB/s wire ${ratio} verified $verified (dropped/read: $seen)"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$tool" "$n" "$loss" "$size" "$secs" \
        "$mibps" "$ratio" "$verified" "$seen" >>"$tsv"
      rows+=("$n|$loss|$tool|$secs|$mibps|$ratio|$verified")
    done
  done
done

{
  echo "# Multicast benchmark (bench/multicast.sh)"
  echo
  echo "$machine"
  echo "- udpcast $(dpkg-query -W -f='${Version}' udpcast), uftp $(dpkg-query -W -f='${Version}' uftp); image ${size_mib} MiB; cap $cap (tbf on the sender's egress); receiver-side loss (LD_PRELOAD shim)"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  cur=""
  for r in "${rows[@]}"; do
    IFS='|' read -r n loss tool secs mibps ratio verified <<<"$r"
    if [[ $cur != "$n|$loss" ]]; then
      cur="$n|$loss"
      echo
      echo "### $n receiver(s), $loss % loss"
      echo
      echo "| tool | wall s | goodput MiB/s | % of cap | wire bytes / image byte | outputs with the image's SHA-256 |"
      echo "|---|---|---|---|---|---|"
    fi
    pct=$(awk -v m="$mibps" -v c="$CAP_BPS" 'BEGIN {if (m !~ /^[0-9.]+$/) print "-"; else printf "%.0f", m * 1048576 * 8 / c * 100}')
    echo "| $tool | $secs | $mibps | $pct | $ratio | $verified |"
  done
} >"$results"
bench_log "results in $results"
cat "$results"

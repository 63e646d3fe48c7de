#!/usr/bin/env bash
# Shared helpers for the benchmarks in bench/. Source it: `. bench/lib.sh`.
#
# Topology: the lab's namespaces (lab/lib.sh: ${P}srv, ${P}lan with br0, ${P}cli) plus one extra namespace per
# further server under test, all on the same bridge, so that several servers run at once and every measurement
# can alternate between them without restarts (a warm JVM, the same background load for both):
#   ${P}srv  eth0 SUBNET.1   our runtime
#   ${P}dm   eth0 SUBNET.3   dnsmasq          (bench_server_ns)
#   ...      eth0 SUBNET.N   more variants
#   ${P}cli  eth0 SUBNET.2   clients: curl, busybox tftp, perfdhcp (perfdhcp needs an address: it acts as a relay)
# Everything started here is recorded and stopped by bench_cleanup (call it from an EXIT trap).

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BENCH_REPO=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../lab/lib.sh
. "$BENCH_REPO/lab/lib.sh"

BENCH_PREFIX=${BENCH_PREFIX:-pxb-}
BENCH_SUBNET=${BENCH_SUBNET:-10.231.50}
BENCH_WORK=${BENCH_WORK:-$BENCH_DIR/work}
BENCH_JAR=${BENCH_JAR:-$BENCH_REPO/agent-runtime/target/pxe-runtime.jar}
BENCH_PIDS=()       # processes we started (their own pids: `ip netns exec` execs the program)
BENCH_EXTRA_NS=()   # namespaces made by bench_server_ns

bench_log() { printf '%s bench: %s\n' "$(date +%T.%3N)" "$*" >&2; }
bench_die() { bench_log "ERROR: $*"; exit 1; }

bench_require() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null || bench_die "missing command $c"; done
  [[ $(id -u) == 0 ]] || bench_die "needs root (network namespaces)"
}

# bench_up: lab namespaces without the IPv6 RA sender (no iPXE here), client address SUBNET.2.
bench_up() {
  LAB_RA=0 lab_ns_up "$BENCH_PREFIX" "$BENCH_SUBNET"
  ip -n "${BENCH_PREFIX}cli" addr replace "$BENCH_SUBNET.2/24" dev eth0
  mkdir -p "$BENCH_WORK"
}

# bench_server_ns NAME HOSTOCTET: another server namespace ${P}NAME with eth0 = SUBNET.HOSTOCTET on the bridge.
bench_server_ns() {
  local ns="${BENCH_PREFIX}$1" ip="$BENCH_SUBNET.$2"
  lab_ns_exists "$ns" && bench_ns_del "$ns"
  ip netns add "$ns"
  BENCH_EXTRA_NS+=("$ns")
  ip -n "$ns" link set lo up
  ip -n "${BENCH_PREFIX}lan" link add "p-$1" type veth peer name eth0 netns "$ns"
  ip -n "${BENCH_PREFIX}lan" link set "p-$1" master br0 up
  ip -n "$ns" addr add "$ip/24" brd + dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
}

bench_ns_del() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [[ -n $pids ]] && kill -KILL $pids 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
}

# bench_start NS LOG CMD...: run CMD in namespace ${P}NS in the background, stdout+stderr to LOG. Sets BENCH_LAST.
bench_start() {
  local ns="${BENCH_PREFIX}$1" log=$2; shift 2
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  BENCH_LAST=$!
  BENCH_PIDS+=("$BENCH_LAST")
}

# bench_wait_log LOG REGEX SECONDS PID: until LOG matches, or fail if PID died or time ran out.
bench_wait_log() {
  local log=$1 re=$2 secs=$3 pid=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    grep -qE "$re" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; bench_die "process $pid exited; see $log"; }
    sleep 0.1
  done
  tail -5 "$log" >&2
  bench_die "'$re' not seen in $log after ${secs}s"
}

# bench_stop PID: TERM, up to 3 s, KILL; reaps it.
bench_stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 15); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid ns
  for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
  BENCH_PIDS=()
  for ns in "${BENCH_EXTRA_NS[@]}"; do bench_ns_del "$ns"; done
  BENCH_EXTRA_NS=()
  # Server namespaces of a child script that was killed before its own trap ran (the prefix is ours alone).
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case $ns in "${BENCH_PREFIX}"srv | "${BENCH_PREFIX}"lan | "${BENCH_PREFIX}"cli) ;; "${BENCH_PREFIX}"*) bench_ns_del "$ns" ;; esac
  done
  lab_ns_down "$BENCH_PREFIX"
}

# bench_cpu_ticks PID: user+system CPU time of a process, in clock ticks (all threads).
bench_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# bench_java NS LOG [JVM ARGS...] -- RUNTIME ARGS...: start the runtime jar, wait for "ready". Sets BENCH_LAST.
bench_java() {
  local ns=$1 log=$2; shift 2
  local -a jvm=()
  while [[ $# -gt 0 && $1 != -- ]]; do jvm+=("$1"); shift; done
  shift
  bench_start "$ns" "$log" java "${jvm[@]}" -jar "$BENCH_JAR" "$@"
  bench_wait_log "$log" 'PxeRuntime - ready' 30 "$BENCH_LAST"
}

# bench_machine: the machine facts the docs quote, as markdown bullet lines.
bench_machine() {
  local jdk dm
  jdk=$(java -version 2>&1 | sed -n 2p)
  dm=$(dnsmasq --version | head -1)
  echo "- date: $(date -u +'%Y-%m-%d %H:%M UTC'), git $(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null)"
  echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "- kernel: $(uname -r); JDK: $jdk"
  echo "- $dm; curl $(curl --version | head -1 | awk '{print $2}'); $(busybox | head -1 | awk '{print $1, $2}'); perfdhcp $(perfdhcp -v 2>&1 | awk '{print $2}')"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_median / bench_min / bench_max: of numbers on stdin, one a line.
bench_median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
bench_min() { sort -g | head -1; }
bench_max() { sort -g | tail -1; }

#!/usr/bin/env bash
# bench/run-all.sh: both benchmarks in one run, bounded in time, results as markdown.
#
#   sudo bench/run-all.sh [RESULTS.md]      (default: bench/work/results-<date>.md)
#
# Builds the runtime jar unless BENCH_SKIP_BUILD=1, then runs bench/tftp.sh and bench/dhcp.sh one after the other
# (each alone on the network: its own namespaces, torn down by its own trap), and writes the machine facts and
# both tables into RESULTS.md. The whole run is killed after BENCH_TIMEOUT seconds (570); namespaces and processes
# are cleaned up on any exit. Everything else is configured through the env of tftp.sh and dhcp.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

results=${1:-$BENCH_WORK/results-$(date +%Y%m%d-%H%M%S).md}
limit=${BENCH_TIMEOUT:-570}
mkdir -p "$BENCH_WORK" "$(dirname "$results")"
rm -f "$BENCH_WORK/tftp-table.md" "$BENCH_WORK/dhcp-table.md"
child=
finish() {
  # The child's own trap cleans up on TERM; this is the backstop if it was killed harder or never got to it.
  [[ -n $child ]] && kill -0 "$child" 2>/dev/null && { kill -TERM "$child"; wait "$child" 2>/dev/null || true; }
  bench_cleanup
}
trap finish EXIT
trap 'exit 130' INT TERM
start=$SECONDS

run() {  # run SECONDS_LEFT SCRIPT OUT: the script under `timeout`, in the background so the trap can reach it
  timeout -k 5 "$1" "$2" "$3" &
  child=$!
  wait "$child"
}

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  bench_log "building the runtime jar"
  (cd "$BENCH_REPO" && mvn -o -q -DskipTests package -pl agent-runtime)
fi
machine=$(bench_machine)
rc=0
left=$((limit - (SECONDS - start)))
bench_log "TFTP benchmark (${left}s left)"
run "$left" "$here/tftp.sh" "$BENCH_WORK/tftp-table.md" || rc=$?
left=$((limit - (SECONDS - start)))
bench_log "DHCP benchmark (${left}s left)"
# dhcp.sh ends its max-rate search 20 s before the limit, so that its tables still get printed.
((left > 30)) && { BENCH_DEADLINE=$(($(date +%s) + left - 20)) run "$left" "$here/dhcp.sh" "$BENCH_WORK/dhcp-table.md" || rc=$?; }

{
  echo "# Benchmark results"
  echo
  echo "$machine"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); wall time $((SECONDS - start)) s"
  echo
  echo "## TFTP (bench/tftp.sh)"
  echo
  cat "$BENCH_WORK/tftp-table.md" 2>/dev/null || echo "(no result)"
  echo
  echo "## DHCP (bench/dhcp.sh)"
  echo
  cat "$BENCH_WORK/dhcp-table.md" 2>/dev/null || echo "(no result)"
} >"$results"
bench_log "results in $results (exit $rc)"
cat "$results"
exit "$rc"

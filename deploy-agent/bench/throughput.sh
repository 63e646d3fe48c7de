#!/usr/bin/env bash
# Throughput of the deploy agent writing a file from a local HTTP server, vs curl | dd and plain dd.
# Usage: deploy-agent/bench/throughput.sh [imageMiB=512] [java=java] [compression=none|zstd] [workdir]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mib=${1:-512}; java=${2:-java}; comp=${3:-none}; work=${4:-/tmp/pxg-bench}
cd "$here/.."
mvn -o -q -pl deploy-agent -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
cd "$here"
cp="target/test-classes:target/classes:$(cat target/bench.cp)"
exec java ${BENCH_JVM_FLAGS:+"-Dbench.jvmFlags=$BENCH_JVM_FLAGS"} -cp "$cp" io.pxereimage.agent.ThroughputBench "$work" "$mib" "$here/target/deploy-agent.jar" "$java" "$comp"

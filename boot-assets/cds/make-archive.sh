#!/usr/bin/env bash
# cds/make-archive.sh ROOT WORK: a static AppCDS archive ROOT/jre/lib/server/agent.jsa for
# `java -jar /agent/deploy-agent.jar`. Class list = JDK classes a training run loads (CdsTraining.java, run
# on the image's own JRE) + every class in the agent jar. Dumped inside ROOT (chroot) so the jar's recorded path
# is /agent/deploy-agent.jar, as at boot. On success the JDK's default archive is dropped (the new one is
# complete on its own). Exit non-zero: no archive, nothing changed.
set -euo pipefail
root=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jsa=/jre/lib/server/agent.jsa
log() { echo "cds: $*" >&2; }
mkdir -p "$work/cds"
javac -d "$work/cds/classes" --release 17 "$here/CdsTraining.java"
jar --create --file "$work/cds/training.jar" --main-class CdsTraining -C "$work/cds/classes" .
# The training runs on the host with the image's JRE (same classes, host libraries), started with -jar like the
# agent (jar opening and manifest classes are in the list too).
(cd "$work/cds" && "$root/jre/bin/java" -Xshare:off -XX:DumpLoadedClassList="$work/cds/train.lst" \
  -Djava.util.logging.ConsoleHandler.level=OFF -jar training.jar 2>"$work/cds/train.err") \
  || { log "training failed: $(tail -3 "$work/cds/train.err")"; exit 1; }
{
  # Class names, plus the @lambda-proxy / @lambda-form-invoker lines: archived lambdas and LambdaForms, which are
  # slow to spin at run time under TCG. The training's own classes and lambdas stay out.
  grep -v 'CdsTraining' "$work/cds/train.lst"
  jar tf "$root/agent/deploy-agent.jar" | grep '\.class$' | grep -v -e '^META-INF/' -e 'module-info' | sed 's/\.class$//'
} | awk '!seen[$0]++' >"$root/tmp/cds.lst"
n=$(wc -l <"$root/tmp/cds.lst")
# The dump must see the same JVM options that matter for the archive (GC, compressed oops) as the boot.
# No /proc in the chroot: the loader cannot resolve $ORIGIN, so the JRE's library path is given explicitly.
export LD_LIBRARY_PATH=/jre/lib:/jre/lib/server
if ! chroot "$root" /jre/bin/java -Xshare:dump -XX:+UseSerialGC -XX:SharedClassListFile=/tmp/cds.lst \
    -XX:SharedArchiveFile=$jsa -cp /agent/deploy-agent.jar >"$work/cds/dump.log" 2>&1; then
  log "dump failed: $(grep -v Warning "$work/cds/dump.log" | tail -3)"; rm -f "$root$jsa" "$root/tmp/cds.lst"; exit 1
fi
rm -f "$root/tmp/cds.lst"
if ! chroot "$root" /jre/bin/java -Xshare:on -XX:+UseSerialGC -XX:SharedArchiveFile=$jsa \
    -cp /agent/deploy-agent.jar -version >/dev/null 2>"$work/cds/check.log"; then
  log "archive does not map: $(tail -3 "$work/cds/check.log")"; rm -f "$root$jsa"; exit 1
fi
rm -f "$root/jre/lib/server/classes.jsa"
log "agent.jsa: $n classes listed, $(( $(stat -c %s "$root$jsa") / 1048576 )) MiB"

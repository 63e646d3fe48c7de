#!/usr/bin/env bash
# build-deploy-env.sh OUTDIR [AGENT_JAR]
# The deployment boot environment (network-booted, runs from RAM):
#   OUTDIR/deploy-vmlinuz     Debian cloud kernel (same package and cache as lab/build-assets.sh)
#   OUTDIR/deploy-initrd.img  newc cpio, zstd (gzip if the kernel lacks CONFIG_RD_ZSTD): busybox, a jlink'd JRE in
#                             /jre, the agent at /agent/deploy-agent.jar, disk tools + their libraries, virtio/fat
#                             modules, /init (deploy-init.sh) that starts the network and runs the agent
#   OUTDIR/deploy-env.env     paths, sizes, kernel version, the kernel command line fragment
# AGENT_JAR defaults to deploy-agent/target/deploy-agent.jar.
# Cached: the JRE by JDK identity (boot-assets/cache/jre-<key>), the result by a hash over every input
# (kernel package, JDK, agent jar, busybox, tools, these scripts); unchanged inputs: no work.
# Env: BOOT_ASSETS_ZSTD_LEVEL (9), BOOT_ASSETS_CA_CERT=PEM (the only trusted CA; default: an empty truststore), BOOT_ASSETS_NO_CDS=1,
#      BOOT_ASSETS_CACHE, LAB_CACHE, LAB_KERNEL_PKG.
set -euo pipefail
# shellcheck disable=SC2034  # read by lib.sh
BA_NAME=build-deploy-env
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1 || $# == 2)) || { echo "usage: $0 OUTDIR [AGENT_JAR]" >&2; exit 2; }
mkdir -p "$1"; OUT=$(cd "$1" && pwd)
JAR=${2:-$BA_REPO/deploy-agent/target/deploy-agent.jar}
[[ -s $JAR ]] || ba_die "agent jar $JAR missing (build deploy-agent first, or pass AGENT_JAR)"
JAR=$(realpath "$JAR")
CA=${BOOT_ASSETS_CA_CERT:-}
JLINK=$(realpath "$(command -v jlink)") || ba_die "jlink missing (openjdk-17-jdk-headless)"
JDK=${JLINK%/bin/jlink}
MODS=java.base,java.net.http,java.logging,jdk.crypto.ec,jdk.unsupported
JLINK_OPTS=(--strip-debug --no-header-files --no-man-pages --compress=2 --generate-cds-archive)
# Disk tools the agent runs (resolved through PATH, real files; aliases become symlinks in the image).
TOOLS=(sfdisk mkfs.fat blkdiscard wipefs blockdev partx blkid lsblk mtools)
ALIASES=(mkfs.fat:mkfs.vfat mtools:mcopy mtools:mdir mtools:mtype mtools:mformat mtools:mlabel mtools:mdel)
MODULES=(virtio_pci virtio_blk virtio_net virtio_rng virtio_scsi sd_mod fat vfat nls_cp437 nls_ascii nls_utf8)
for c in jlink strip cpio zstd ldd keytool "${TOOLS[@]}"; do command -v "$c" >/dev/null || ba_die "$c missing: run lab/install-deps.sh"; done
tool_paths=(); for t in "${TOOLS[@]}"; do tool_paths+=("$(realpath "$(command -v "$t")")"); done
# mtools converts short names through iconv to its DOS codepage (default 850; 437 is FAT's usual one): without
# glibc's gconv modules for them every mcopy fails with "Error converting to codepage 850 Invalid argument".
GCONV_DIR=/usr/lib/x86_64-linux-gnu/gconv
gconv_files=("$GCONV_DIR/IBM850.so" "$GCONV_DIR/IBM437.so" "$GCONV_DIR/gconv-modules" "$GCONV_DIR/gconv-modules.cache")
for f in "${gconv_files[@]}"; do [[ -e $f ]] || ba_die "$f missing (libc6)"; done

ba_lock "$BA_CACHE/.lock-deploy"
ba_kernel
SELF=("${BASH_SOURCE[0]}" "$BA_DIR/lib.sh" "$BA_DIR/deploy-init.sh" "$BA_DIR/udhcpc.script" "$BA_DIR/cds/CdsTraining.java"
  "$BA_DIR/cds/make-archive.sh"
  "$BA_REPO/lab/kernel-lib.sh")
# Bump JRE_RECIPE when the JRE steps below change (the whole-script hash would re-jlink on every edit).
JRE_RECIPE=1
jre_key=$(echo "$JRE_RECIPE $MODS ${JLINK_OPTS[*]}" | ba_key "$JDK/release" "$JDK/lib/server/libjvm.so" ${CA:+"$CA"})
key=$(echo "$LAB_KPKG $jre_key $BA_ZSTD_LEVEL ${TOOLS[*]} ${ALIASES[*]} ${MODULES[*]} ${BOOT_ASSETS_NO_CDS:-}" \
  | ba_key "${SELF[@]}" "$BA_BUSYBOX" "$JAR" "${tool_paths[@]}" "${gconv_files[@]}")
if [[ $(cat "$OUT/.deploy-env-key" 2>/dev/null) == "$key" && -s $OUT/deploy-initrd.img && -s $OUT/deploy-vmlinuz ]]; then
  ba_log "up to date: $OUT/deploy-initrd.img"
  exit 0
fi
t0=$EPOCHREALTIME
elapsed() { ba_since "$t0"; }

# --- JRE (cached per JDK) ------------------------------------------------------------------------------
JRE=$BA_CACHE/jre-$jre_key JT=$BA_CACHE/.jre-$jre_key.tmp
if [[ ! -x $JRE/bin/java ]]; then
  ba_log "jlink $MODS"
  rm -rf "$JT"
  jlink --add-modules "$MODS" "${JLINK_OPTS[@]}" --output "$JT" >/dev/null
  strip --strip-unneeded "$JT/lib/server/libjvm.so"
  # Heaps here are far below 32 GB: compressed oops always, the no-coops archive is dead weight.
  rm -f "$JT/lib/server/classes_nocoops.jsa" "$JT/lib/classlist" "$JT/bin/keytool"
  # HttpClient builds the default SSLContext even for plain http://, and parsing ~140 CA certificates costs
  # seconds under TCG: the truststore is empty, or holds only the operator's CA (BOOT_ASSETS_CA_CERT).
  ks=$JT/lib/security/cacerts
  rm -f "$ks"
  keytool -genkeypair -alias tmp -keyalg EC -dname CN=tmp -keystore "$ks" -storetype PKCS12 -storepass changeit \
    -keypass changeit >/dev/null 2>&1
  keytool -delete -alias tmp -keystore "$ks" -storepass changeit >/dev/null
  if [[ -n $CA ]]; then
    keytool -importcert -noprompt -alias pxe-reimage-ca -file "$CA" -keystore "$ks" -storepass changeit >/dev/null
  fi
  rm -rf "$BA_CACHE"/jre-*   # older JDKs/recipes: keep the cache from growing
  mv "$JT" "$JRE"
  ba_log "JRE ready in $(elapsed) s: $(du -sm "$JRE" | cut -f1) MB"
fi

# --- root tree -----------------------------------------------------------------------------------------
work=$(mktemp -d "$BA_CACHE/.build-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{proc,sys,dev,run,tmp,root,etc,agent}
cp -a "$JRE" "$root/jre"
ba_libs "$root" "$root/jre/bin/java" "$root"/jre/lib/*.so "$root/jre/lib/server/libjvm.so"
ba_elf "$root" "${tool_paths[@]}"
ba_elf "$root" "${gconv_files[@]}"
[[ -d $GCONV_DIR/gconv-modules.d ]] && cp -a "$GCONV_DIR/gconv-modules.d" "$root$GCONV_DIR/"
for a in "${ALIASES[@]}"; do
  src=$(realpath "$(command -v "${a%%:*}")")
  ln -sf "${src##*/}" "$root$(dirname "$src")/${a#*:}"
done
ba_busybox "$root"
ba_modules "$root" "${MODULES[@]}" | tr '\n' ' ' >"$work/modules.txt"
cp "$JAR" "$root/agent/deploy-agent.jar"
install -m 755 "$BA_DIR/deploy-init.sh" "$root/init"
install -m 755 "$BA_DIR/udhcpc.script" "$root/etc/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
# mtools looks for a config; an empty one keeps it quiet.
: >"$root/etc/mtools.conf"
# Every program must find all its libraries inside the image (asked of the image's own loader).
for f in "${tool_paths[@]}" /jre/bin/java /jre/lib/server/libjvm.so; do
  if chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "$f" 2>&1 | grep -q 'not found'; then
    ba_die "$f: libraries missing in the image: $(chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "$f" 2>&1 | grep 'not found' | tr -d '\t')"
  fi
done
# CDS checks the jar's path, size and mtime: fix the mtime before dumping (ba_cpio sets the same).
touch -h -d @0 "$root/agent/deploy-agent.jar"
if [[ -z ${BOOT_ASSETS_NO_CDS:-} ]]; then
  "$BA_DIR/cds/make-archive.sh" "$root" "$work" || ba_log "AppCDS archive skipped (see above); the JDK's default archive is used"
fi
ba_cpio "$root" "$work/deploy-initrd.img"

cp "$LAB_VMLINUZ" "$OUT/deploy-vmlinuz.tmp"; mv "$OUT/deploy-vmlinuz.tmp" "$OUT/deploy-vmlinuz"
mv "$work/deploy-initrd.img" "$OUT/deploy-initrd.img"
unpacked=$(du -sk --apparent-size "$root" | cut -f1)
size=$(stat -c %s "$OUT/deploy-initrd.img")
cat >"$OUT/deploy-env.env" <<ENV
# generated by boot-assets/build-deploy-env.sh
DEPLOY_KERNEL=$OUT/deploy-vmlinuz
DEPLOY_INITRD=$OUT/deploy-initrd.img
DEPLOY_KERNEL_VERSION=$LAB_KVER
DEPLOY_INITRD_BYTES=$size
DEPLOY_UNPACKED_KIB=$unpacked
DEPLOY_COMPRESSION="$(ba_rd_compress | cut -d' ' -f1)"
DEPLOY_AGENT_SHA256=$(sha256sum "$JAR" | cut -d' ' -f1)
# kernel command line: console=ttyS0 pxe.runtime=http://HOST:PORT pxe.token=TOKEN pxe.mac=MAC [pxe.debug]
ENV
echo "$key" >"$OUT/.deploy-env-key"
ba_log "built in $(elapsed) s: initrd $((size / 1048576)) MiB ($size bytes, $((unpacked / 1024)) MiB unpacked); $(cat "$work/modules.txt")"

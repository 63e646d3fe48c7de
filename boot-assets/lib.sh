# shellcheck shell=bash
# boot-assets/lib.sh: helpers shared by build-deploy-env.sh and build-demo-image.sh. Source it.
# The kernel comes from lab/kernel-lib.sh (same download and cache as lab/build-assets.sh).

BA_DIR=${BA_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BA_REPO=$(cd "$BA_DIR/.." && pwd)
BA_CACHE=${BOOT_ASSETS_CACHE:-$BA_DIR/cache}
BA_LAB_CACHE=${LAB_CACHE:-$BA_REPO/lab/cache}
BA_BUSYBOX=${BA_BUSYBOX:-/bin/busybox}

ba_log() { printf '%s %s: %s\n' "$(date +%T.%3N)" "${BA_NAME:-boot-assets}" "$*" >&2; }
ba_die() { ba_log "ERROR: $*"; exit 1; }
# ba_since T0: seconds since T0 (an $EPOCHREALTIME value), one decimal.
ba_since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

# ba_lock FILE: serialise parallel builds on a shared cache (fd 8, bounded wait).
ba_lock() {
  mkdir -p "$(dirname "$1")"
  exec 8>"$1"
  flock -w 600 8 || ba_die "lock $1 busy for 600 s"
}

# ba_kernel: sets LAB_KPKG LAB_KVER LAB_VMLINUZ LAB_KCONFIG LAB_KMODDIR (downloads once, under the lab's lock).
ba_kernel() {
  # shellcheck source=../lab/kernel-lib.sh
  . "$BA_REPO/lab/kernel-lib.sh"
  mkdir -p "$BA_LAB_CACHE"
  (
    exec 9>"$BA_LAB_CACHE/.lock"
    flock -w 300 9 || ba_die "lab cache lock busy"
    lab_kernel_fetch "$BA_LAB_CACHE" >/dev/null
  ) || ba_die "kernel fetch failed"
  lab_kernel_fetch "$BA_LAB_CACHE" || ba_die "kernel fetch failed"
  [[ -d $LAB_KMODDIR ]] || ba_die "no modules in $LAB_KDIR"
}

# ba_rd_compress: zstd when the kernel can unpack it (fast under TCG), else gzip. Prints the command.
# Level 9: -19 saves ~7 % (1.8 of 25 MB for the deploy env) but takes 10x longer (40 s vs 4 s here).
BA_ZSTD_LEVEL=${BOOT_ASSETS_ZSTD_LEVEL:-9}
ba_rd_compress() {
  if grep -qx 'CONFIG_RD_ZSTD=y' "$LAB_KCONFIG"; then echo "zstd -$BA_ZSTD_LEVEL -T0 -q -c"; else echo "gzip -9 -n -c"; fi
}

# ba_busybox ROOT: static busybox plus a symlink for every applet whose path is still free.
ba_busybox() {
  local root=$1 a
  if ldd "$BA_BUSYBOX" >/dev/null 2>&1; then ba_die "$BA_BUSYBOX is dynamically linked: install busybox-static"; fi
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin}
  cp "$BA_BUSYBOX" "$root/bin/busybox"
  # Real tools copied before this call win over busybox's applets of the same name.
  while read -r a; do
    local n=${a##*/}
    [[ -e $root/bin/$n || -e $root/sbin/$n || -e $root/usr/bin/$n || -e $root/usr/sbin/$n ]] && continue
    ln -s /bin/busybox "$root/$a"
  done < <("$BA_BUSYBOX" --list-full)
}

# ba_modules ROOT NAME...: copy the named modules that are not built in, with their dependencies, into
# ROOT/lib/modules/KVER and write ROOT/lib/modules/load.list (paths in load order). Prints what it did.
ba_modules() {
  local root=$1; shift
  local dep=$BA_CACHE/modules.dep-$LAB_KVER m
  if [[ ! -s $dep ]]; then
    mkdir -p "$BA_CACHE"
    # The .deb ships no modules.dep (depmod runs at install time): busybox depmod computes it.
    "$BA_BUSYBOX" depmod -n -b "$LAB_KDIR" "$LAB_KVER" >"$dep.tmp" && mv "$dep.tmp" "$dep"
  fi
  mkdir -p "$root/lib/modules/$LAB_KVER"
  : >"$root/lib/modules/load.list"
  local -A seen=()
  _ba_visit() {   # depth-first: dependencies before the module itself
    local path=$1 d line
    [[ -n ${seen[$path]:-} ]] && return 0
    seen[$path]=1
    line=$(grep -m1 "^$path:" "$dep") || ba_die "module $path not in modules.dep"
    for d in ${line#*:}; do _ba_visit "$d"; done
    mkdir -p "$root/lib/modules/$LAB_KVER/$(dirname "$path")"
    cp "$LAB_KMODDIR/$path" "$root/lib/modules/$LAB_KVER/$path"
    echo "$path" >>"$root/lib/modules/load.list"
  }
  for m in "$@"; do
    local re=${m//[-_]/[-_]}
    if grep -qE "/$re\.ko\$" "$LAB_KMODDIR/modules.builtin"; then echo "builtin:$m"; continue; fi
    local path
    path=$(grep -oE "^[^:]*/$re\.ko:" "$dep" | head -n1); path=${path%:}
    [[ -n $path ]] || ba_die "module $m neither built in nor in $LAB_KVER"
    _ba_visit "$path"
    echo "module:$m"
  done
  # A modules.dep for the copied set, so busybox modprobe works in the guest too.
  grep -F -f <(sed 's/$/:/' "$root/lib/modules/load.list") "$dep" >"$root/lib/modules/$LAB_KVER/modules.dep" || true
}

# ba_elf ROOT FILE...: copy ELF files to the same path under ROOT, plus their libraries (ba_libs).
ba_elf() {
  local root=$1 f; shift
  for f in "$@"; do
    [[ -e $f ]] || ba_die "missing $f"
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
  ba_libs "$root" "$@"
}

# ba_libs ROOT FILE...: copy every library ldd names for FILEs (and the dynamic loader) to its path under ROOT.
ba_libs() {
  local root=$1 f lib; shift
  local -a libs=()
  for f in "$@"; do
    while read -r lib; do libs+=("$lib"); done < <(ldd "$f" 2>/dev/null | grep -oE '(=> )?/[^ ]+' | sed 's/^=> //')
  done
  for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# ba_cpio ROOT OUTFILE: reproducible newc archive (sorted, root-owned, mtime 0), compressed per ba_rd_compress.
ba_cpio() {
  local root=$1 out=$2 comp
  comp=$(ba_rd_compress)
  find "$root" -exec touch -h -d @0 {} +
  # shellcheck disable=SC2086
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
    | $comp >"$out.tmp"
  mv "$out.tmp" "$out"
}

# ba_key FILE...: short hash over files (contents) and extra words on stdin.
ba_key() { { cat; sha256sum "$@"; } | sha256sum | cut -c1-16; }

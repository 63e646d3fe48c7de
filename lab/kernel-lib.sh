# shellcheck shell=bash
# kernel-lib.sh: the Debian cloud kernel for lab machines and boot assets. Source it.
#
#   lab_kernel_fetch CACHE   resolves linux-image-cloud-amd64 to its versioned package, downloads and unpacks it
#                            once into CACHE/kernel/<pkg>/ (boot/ + lib/modules/, never installed) and sets
#                            LAB_KPKG, LAB_KDIR, LAB_VMLINUZ, LAB_KVER, LAB_KCONFIG, LAB_KMODDIR.
# Callers hold their own lock on CACHE (build-assets.sh uses CACHE/.lock).
# Env: LAB_KERNEL_PKG (skip the apt lookup), LAB_REFRESH_KERNEL=1 (ask apt again even if one is cached).

_lab_klog() { echo "kernel: $*" >&2; }

lab_kernel_resolve() {
  local cache=$1 pkg
  if [[ -n ${LAB_KERNEL_PKG:-} ]]; then echo "$LAB_KERNEL_PKG"; return; fi
  # Reuse the last resolved package unless a refresh is asked for: keeps reruns offline and instant.
  if [[ -z ${LAB_REFRESH_KERNEL:-} && -s $cache/kernel/current ]]; then cat "$cache/kernel/current"; return; fi
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  if [[ -z $pkg ]]; then
    _lab_klog "apt lists empty or stale; running apt-get update"
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
  fi
  [[ -n $pkg ]] || { _lab_klog "cannot resolve linux-image-cloud-amd64"; return 1; }
  echo "$pkg"
}

# shellcheck disable=SC2034  # the LAB_* results are read by the callers
lab_kernel_fetch() {
  local cache=$1 tmp deb
  mkdir -p "$cache/kernel"
  LAB_KPKG=$(lab_kernel_resolve "$cache") || return 1
  LAB_KDIR=$cache/kernel/$LAB_KPKG
  if [[ ! -d $LAB_KDIR/boot ]]; then
    _lab_klog "downloading $LAB_KPKG"
    tmp=$(mktemp -d "$cache/kernel/dl.XXXXXX")
    # apt's sandbox user cannot write into root-owned temp dirs; the warning is harmless.
    (cd "$tmp" && apt-get download -q "$LAB_KPKG" 2>&1 | grep -v unsandboxed >&2) || true
    deb=$(find "$tmp" -maxdepth 1 -name "*.deb" | head -n1)
    [[ -n $deb ]] || { _lab_klog "apt-get download $LAB_KPKG failed"; rm -rf "$tmp"; return 1; }
    mkdir -p "$tmp/x"
    dpkg-deb -x "$deb" "$tmp/x"
    rm -rf "$LAB_KDIR"; mkdir -p "$LAB_KDIR"
    mv "$tmp/x/boot" "$LAB_KDIR/boot"
    # Keep the modules too: initramfs builds pick virtio/fat modules from here.
    if [[ -d $tmp/x/lib/modules ]]; then mv "$tmp/x/lib" "$LAB_KDIR/lib"; fi
    rm -rf "$tmp"
  fi
  echo "$LAB_KPKG" >"$cache/kernel/current"
  LAB_VMLINUZ=$(find "$LAB_KDIR/boot" -name "vmlinuz-*" | head -n1)
  LAB_KVER=${LAB_VMLINUZ##*/vmlinuz-}
  LAB_KCONFIG=$LAB_KDIR/boot/config-$LAB_KVER
  LAB_KMODDIR=$LAB_KDIR/lib/modules/$LAB_KVER
}

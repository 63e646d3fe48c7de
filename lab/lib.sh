#!/usr/bin/env bash
# Function library for the PXE lab. Source it: `. lab/lib.sh`.
# Topology (per PREFIX):  ${P}srv eth0 (SUBNET.1/24) ── p-srv ┐
#                                                  ${P}lan br0 ├─ tap0..tapN (qemu)
#                         ${P}cli eth0 (no address) ── p-cli ┘
# All functions are bounded in time and safe to call twice.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck disable=SC2034  # used by the scripts that source this file
LAB_MARKER_DEFAULT="PXE-REIMAGE-MARKER: init reached"

# Per-prefix scratch directory (pid files, logs, staged roots). Override with LAB_WORK.
lab_workdir() { local d="${LAB_WORK:-$LAB_DIR/work}/$1"; mkdir -p "$d"; echo "$d"; }

lab_log() { printf '%s lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
lab_die() { lab_log "ERROR: $*"; exit 1; }

lab_check_prefix() { [[ $1 =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,8}$ ]] || lab_die "bad prefix '$1' (max 9 chars: netns names stay short)"; }
lab_check_subnet() { [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || lab_die "bad subnet '$1' (want three octets, e.g. 10.231.9)"; }

lab_ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# lab_ns_up PREFIX SUBNET
lab_ns_up() {
  local p=$1 s=$2 n
  lab_check_prefix "$p"; lab_check_subnet "$s"
  if lab_ns_exists "${p}srv" && lab_ns_exists "${p}lan" && lab_ns_exists "${p}cli"; then
    lab_log "namespaces ${p}{srv,lan,cli} already up"; return 0
  fi
  lab_ns_down "$p"   # clear any half-built remains
  for n in srv lan cli; do
    ip netns add "${p}$n"
    ip -n "${p}$n" link set lo up
  done
  # The switch namespace must not talk itself: no IPv6 link-local, DAD, MLD or RS from the
  # bridge or its ports (keeps packet captures clean). Must be set before links come up.
  ip netns exec "${p}lan" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # The client namespace stays IPv4-only too, so user-space clients do not add RS/MLD noise.
  ip netns exec "${p}cli" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "${p}lan" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "${p}lan" link set br0 up
  ip -n "${p}lan" link add p-srv type veth peer name eth0 netns "${p}srv"
  ip -n "${p}lan" link add p-cli type veth peer name eth0 netns "${p}cli"
  ip -n "${p}lan" link set p-srv master br0 up
  ip -n "${p}lan" link set p-cli master br0 up
  ip -n "${p}srv" addr add "$s.1/24" brd + dev eth0
  ip -n "${p}srv" link set eth0 up
  ip -n "${p}srv" route add 224.0.0.0/4 dev eth0
  ip -n "${p}cli" link set eth0 up
  ip -n "${p}cli" route add 224.0.0.0/4 dev eth0 2>/dev/null || true
  # iPXE waits ~15 s for a router advertisement; the lab's "router" sends one (LAB_RA=0: off).
  if [[ ${LAB_RA:-1} == 1 ]]; then lab_ra_start "$p" "$(lab_workdir "$p")"; fi
  lab_log "namespaces ${p}srv (eth0 $s.1/24), ${p}lan (br0), ${p}cli up (RA ${LAB_RA:-1})"
}

# lab_ns_down PREFIX: kill what runs inside our namespaces, then delete them.
lab_ns_down() {
  local p=$1 n pids
  lab_check_prefix "$p"
  for n in cli srv lan; do
    lab_ns_exists "${p}$n" || continue
    pids=$(ip netns pids "${p}$n" 2>/dev/null || true)
    if [[ -n $pids ]]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "${p}$n" 2>/dev/null || true); [[ -z $pids ]] && break; sleep 0.2
      done
      # shellcheck disable=SC2086
      if [[ -n $pids ]]; then kill -KILL $pids 2>/dev/null || true; fi
    fi
    ip netns del "${p}$n" 2>/dev/null || true
  done
  return 0
}

# lab_tap_add PREFIX N: create tapN on the bridge (idempotent). Prints the name.
lab_tap_add() {
  local p=$1 t="tap$2"
  if ! ip -n "${p}lan" link show "$t" >/dev/null 2>&1; then
    ip -n "${p}lan" tuntap add dev "$t" mode tap
    ip -n "${p}lan" link set "$t" master br0 up
  fi
  echo "$t"
}

# lab_ra_start PREFIX WORKDIR: a router-advertisement-only dnsmasq in ${P}srv (ULA prefix, no
# DHCPv6, no DNS). iPXE otherwise waits ~15 s for an RA before it boots. Idempotent.
lab_ra_start() {
  local p=$1 w=$2 ula
  mkdir -p "$w"
  [[ -s $w/ra.pid ]] && kill -0 "$(cat "$w/ra.pid")" 2>/dev/null && return 0
  # Distinct ULA per prefix so parallel labs never share one.
  ula="fd$(printf '%s' "$p" | cksum | awk '{printf "%02x:%04x", $1 % 256, ($1 / 256) % 65536}')::"
  ip netns exec "${p}srv" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
  ip -n "${p}srv" addr add "${ula}1/64" dev eth0 nodad 2>/dev/null || true
  ip netns exec "${p}srv" dnsmasq --conf-file=/dev/null --port=0 --keep-in-foreground --bind-interfaces \
    --interface=eth0 --enable-ra --dhcp-range="${ula},ra-only,64,10m" --ra-param=eth0,4,1800 \
    --pid-file="$w/ra.pid" --dhcp-leasefile="$w/ra.leases" --log-facility="$w/ra.log" &
  echo $! >"$w/ra.pid"
}

lab_stop_pidfile() {  # lab_stop_pidfile FILE: TERM, wait <= 3 s, KILL.
  local f=$1 pid
  [[ -s $f ]] || return 0
  pid=$(cat "$f"); rm -f "$f"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 15); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# lab_webroot WORKDIR ASSETS SUBNET: stage TFTP/HTTP roots and the iPXE script.
#   WORKDIR/tftp: ipxe.efi snponly.efi undionly.kpxe boot.ipxe vmlinuz initrd.img
#   WORKDIR/www:  boot.ipxe vmlinuz initrd.img ipxe.efi (for UEFI HTTP boot)
# Kernel args: console=ttyS0 plus $LAB_KERNEL_ARGS. `initrd=initrd.img` is required by
# Debian's ipxe.efi (EFI stub) and harmless under BIOS.
lab_webroot() {
  local w=$1 a=$2 s=$3 f
  mkdir -p "$w/tftp" "$w/www"
  for f in vmlinuz initrd.img ipxe.efi snponly.efi undionly.kpxe; do
    ln -f "$a/$f" "$w/tftp/$f" 2>/dev/null || cp -f "$a/$f" "$w/tftp/$f"
  done
  for f in vmlinuz initrd.img ipxe.efi; do ln -f "$a/$f" "$w/www/$f" 2>/dev/null || cp -f "$a/$f" "$w/www/$f"; done
  cat >"$w/www/boot.ipxe" <<IPXE
#!ipxe
echo PXE-REIMAGE-IPXE: script reached \${net0/mac} \${net0/ip} \${platform}
kernel http://$s.1/vmlinuz initrd=initrd.img console=ttyS0 ${LAB_KERNEL_ARGS:-} pxe.mac=\${net0/mac}
initrd http://$s.1/initrd.img
boot
IPXE
  # Same script over TFTP, for servers/tests without HTTP.
  sed "s|http://$s.1/|tftp://$s.1/|" "$w/www/boot.ipxe" >"$w/tftp/boot.ipxe"
}

# lab_httpd_start PREFIX SUBNET WORKDIR: busybox httpd on SUBNET.1:80 in ${P}srv, verbose log.
lab_httpd_start() {
  local p=$1 s=$2 w=$3
  lab_stop_pidfile "$w/httpd.pid"
  ip netns exec "${p}srv" busybox httpd -f -vv -p "$s.1:80" -h "$w/www" 2>>"$w/httpd.log" &
  echo $! >"$w/httpd.pid"
}

# lab_dnsmasq_start PREFIX SUBNET WORKDIR MODE [EXTRA dnsmasq ARGS...]
#  MODE full : DHCP server (SUBNET.100-199) + TFTP + PXE boot file selection.
#  MODE httpboot: like full, but EDK2 PXE (arch 7, not iPXE) gets a missing file so it fails
#             fast and OVMF moves on to UEFI HTTP boot (arch 16), which gets http://SUBNET.1/ipxe.efi.
#  MODE plain: DHCP addresses only, no boot information (the "other" server beside a proxy).
#  MODE proxy: ProxyDHCP only (dhcp-range=SUBNET.0,proxy) + TFTP; pair it with another DHCP server.
# iPXE (option 175) gets the HTTP script; EFI x64 (arch 7/9) gets ipxe.efi; BIOS gets undionly.kpxe.
lab_dnsmasq_start() {
  local p=$1 s=$2 w=$3 mode=$4; shift 4
  local -a args=(--conf-file=/dev/null --port=0 --keep-in-foreground --user=root --bind-interfaces
    --interface=eth0 --except-interface=lo --log-dhcp --log-facility="$w/dnsmasq.log"
    --pid-file="$w/dnsmasq.pid.d" --dhcp-leasefile="$w/dnsmasq.leases"
    --dhcp-match=set:ipxe,175 --dhcp-match=set:efi64,option:client-arch,7
    --dhcp-match=set:efi64,option:client-arch,9)
  case $mode in
    full)
      args+=(--dhcp-range="$s.100,$s.199,255.255.255.0,10m" --dhcp-authoritative --no-ping
        --dhcp-option=tag:ipxe,encap:175,176,1   # iPXE: no ProxyDHCP wait
        --dhcp-boot="tag:ipxe,http://$s.1/boot.ipxe"
        --dhcp-boot="tag:!ipxe,tag:efi64,ipxe.efi,,$s.1"
        --dhcp-boot="tag:!ipxe,tag:!efi64,undionly.kpxe,,$s.1") ;;
    httpboot)
      args+=(--dhcp-range="$s.100,$s.199,255.255.255.0,10m" --dhcp-authoritative --no-ping
        --dhcp-vendorclass=set:httpc,HTTPClient
        --dhcp-option-force=tag:httpc,60,HTTPClient   # UEFI HTTP boot needs 60=HTTPClient echoed
        --dhcp-option=tag:ipxe,encap:175,176,1
        --dhcp-boot="tag:ipxe,http://$s.1/boot.ipxe"
        --dhcp-boot="tag:!ipxe,tag:httpc,http://$s.1/ipxe.efi"
        --dhcp-boot="tag:!ipxe,tag:!httpc,missing.efi,,$s.1") ;;
    plain)
      args+=(--dhcp-range="$s.100,$s.199,255.255.255.0,10m" --dhcp-authoritative --no-ping) ;;
    proxy)
      # In proxy mode dnsmasq answers through --pxe-service (BINL-style, port 4011 for EFI).
      args+=(--dhcp-range="$s.0,proxy" --pxe-prompt="lab,0"
        --pxe-service="tag:ipxe,x86PC,iPXE script,http://$s.1/boot.ipxe"
        "--pxe-service=tag:!ipxe,x86PC,iPXE,undionly"
        "--pxe-service=tag:!ipxe,X86-64_EFI,iPXE EFI,ipxe.efi"
        --pxe-service="tag:ipxe,X86-64_EFI,iPXE script,http://$s.1/boot.ipxe") ;;
    *) lab_die "dnsmasq mode must be full|httpboot|plain|proxy" ;;
  esac
  [[ $mode == plain ]] || args+=(--enable-tftp --tftp-root="$w/tftp")
  lab_stop_pidfile "$w/dnsmasq.pid"
  : >"$w/dnsmasq.log"
  # LAB_DNSMASQ_NS=cli runs it in the client namespace (a second DHCP server beside a proxy).
  ip netns exec "${p}${LAB_DNSMASQ_NS:-srv}" dnsmasq "${args[@]}" "$@" &
  echo $! >"$w/dnsmasq.pid"
  # Ready when the log says so (bounded).
  for _ in $(seq 50); do grep -qE 'TFTP root|DHCP, IP range' "$w/dnsmasq.log" 2>/dev/null && return 0; sleep 0.1; done
  lab_die "dnsmasq did not start; see $w/dnsmasq.log"
}

# lab_capture_start PREFIX FILE [BPF FILTER...]: tcpdump on ${P}srv eth0 -> FILE (pcap).
# Server-side capture gives a timeline that works for any PXE server implementation.
lab_capture_start() {
  local p=$1 f=$2; shift 2
  local -a filter=("$@")
  ((${#filter[@]})) || filter=(udp or tcp port 80 or tcp port 8080 or icmp6)
  ip netns exec "${p}srv" tcpdump -i eth0 -Z root -U --immediate-mode -s "${LAB_CAP_SNAPLEN:-0}" -w "$f" "${filter[@]}" 2>"$f.log" &
  echo $! >"$f.pid"
  for _ in $(seq 30); do grep -q 'listening on' "$f.log" 2>/dev/null && return 0; sleep 0.1; done
  lab_log "tcpdump not ready: $(cat "$f.log")"
}
# --immediate-mode + a short grace: otherwise packets still in the kernel ring are lost on TERM.
lab_capture_stop() { sleep 0.3; lab_stop_pidfile "$1.pid"; }

# lab_timeline PCAP SERIAL_LOG: merged, sorted timeline in seconds since qemu start
# (qemu-boot.sh writes the start epoch to SERIAL_LOG.t0 and stamped lines to SERIAL_LOG.ts).
# Network events come from a server-side capture, so it works for any server implementation:
# DHCP messages, TFTP RRQ + end of each transfer, HTTP GET + end of each connection, RAs.
lab_timeline() {
  local pcap=$1 serial=$2 t0
  t0=$(cat "$serial.t0")
  {
    if [[ -s $pcap ]]; then
      # No TCP reassembly: with a short snaplen the response headers are then still decoded.
      tshark -r "$pcap" -o tcp.desegment_tcp_streams:FALSE \
        -T fields -E separator='|' -e frame.time_epoch -e udp.dstport -e dhcp.option.dhcp \
        -e dhcp.option.vendor_class_id -e dhcp.option.client_system_architecture -e dhcp.file \
        -e tftp.source_file -e http.request.uri -e http.response.code -e icmpv6.type \
        -e udp.srcport -e tcp.stream -e tcp.len -e udp.length -e tftp.opcode 2>/dev/null |
      awk -F'|' -v t0="$t0" '
        BEGIN { split("DISCOVER OFFER REQUEST DECLINE ACK NAK RELEASE INFORM", mt, " ") }
        { t = $1 - t0; ev = "" }
        $3 != "" { ev = "DHCP" mt[$3+0] " port " $2; if ($4 != "") ev = ev " vc=" $4;
                   if ($5 != "") ev = ev " arch=" $5; if ($6 != "") ev = ev " file=" $6 }
        $7 != "" && $15 == "1" { ev = "TFTP RRQ " $7; tftp[$11] = $7 }
        $8 != "" { ev = "HTTP GET " $8; http[$12] = $8 }
        $9 != "" { ev = "HTTP " $9 }
        $10 == "134" { ev = "IPv6 router advertisement" }
        ev != "" { printf "%8.3f  net     %s\n", t, ev }
        # Transfer ends: last packet seen on the client port / TCP connection of each request.
        ($2 in tftp) { tend[$2] = t; tbytes[$2] += $14 - 12 }
        ($12 != "" && ($12 in http)) { hend[$12] = t; hbytes[$12] += $13 }
        END {
          for (k in tend) printf "%8.3f  net     TFTP done %s (~%d bytes)\n", tend[k], tftp[k], tbytes[k]
          for (k in hend) printf "%8.3f  net     HTTP done %s (%d bytes both ways)\n", hend[k], http[k], hbytes[k]
        }'
    fi
    grep -E 'Linux version|EFI stub|PXE-REIMAGE|Start PXE|Start HTTP|NBP file|Configuring \(|iPXE initialising' "$serial.ts" |
      awk '{ t = $1; $1 = ""; sub(/^ +/, ""); gsub(/\033\[[0-9;?]*[a-zA-Z]/, ""); sub(/.*Linux version/, "Linux version");
             printf "%8.3f  serial  %s\n", t, substr($0, 1, 100) }'
  } | sort -s -n -k1,1
}

# --- Demos (demo-deploy.sh, demo-lease.sh): the steps they share. ---
lab_step() { printf '\n== %s\n' "$*"; }

# lab_demo_build ROOT JAR AGENT_JAR ASSETS: dependencies, the maven build (not with DEMO_SKIP_BUILD), then the
# deploy environment and the demo image in ASSETS.
lab_demo_build() {
  local root=$1 jar=$2 agent_jar=$3 assets=$4
  lab_step "dependencies"
  "$LAB_DIR/install-deps.sh"

  lab_step "build (runtime, deploy agent)"
  if [[ -z ${DEMO_SKIP_BUILD:-} ]]; then
    (cd "$root" && { mvn -B -o -q -DskipTests install || mvn -B -q -DskipTests install; }) || lab_die "maven build failed"
  fi
  [[ -f $jar && -f $agent_jar ]] || lab_die "no $jar or $agent_jar"

  lab_step "boot environment and demo image (cached recipes from Debian packages)"
  "$root/boot-assets/build-deploy-env.sh" "$assets" "$agent_jar"
  "$root/boot-assets/build-demo-image.sh" "$assets"
}

# lab_demo_catalog JAR ASSETS DATA WORKDIR: a fresh DATA dir whose catalog holds the demo image (offline), and a
# new random API token in WORKDIR/api-token.
lab_demo_catalog() {
  local jar=$1 assets=$2 data=$3 w=$4
  lab_step "image catalog"
  rm -rf "$data"; mkdir -p "$data"
  java -jar "$jar" image add demo "$assets/demo-disk.img" --data-dir "$data"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$w/api-token"
  chmod 600 "$w/api-token"
}

# lab_demo_config DATA ASSETS TOKEN_FILE: prints the first part of a demo's runtime.yaml (DHCP on eth0, the deploy
# environment); the demo adds its agent, pool and machines.
lab_demo_config() {
  cat <<EOT
interface: eth0
dataDir: $1
dhcp: {mode: dhcp}
http:
  port: 8080
  filesRoot: $2
  apiTokenFile: $3
deploy:
  kernel: deploy-vmlinuz
  initrds: [deploy-initrd.img]
  cmdline: pxe.onexit=poweroff
EOT
}

# lab_demo_serve PREFIX WORKDIR JAR SECONDS: shows WORKDIR/runtime.yaml, runs `pxe-runtime serve` with it in
# PREFIXsrv (log WORKDIR/server.log, pid WORKDIR/server.pid) and waits up to SECONDS until it is ready.
lab_demo_serve() {
  local p=$1 w=$2 jar=$3 secs=$4 log=$2/server.log
  cat "$w/runtime.yaml"
  ip netns exec "${p}srv" java -jar "$jar" serve --config "$w/runtime.yaml" >"$log" 2>&1 &
  echo $! >"$w/server.pid"
  for _ in $(seq $((secs * 10))); do
    grep -q ' PxeRuntime - ready' "$log" 2>/dev/null && break
    kill -0 "$(cat "$w/server.pid")" 2>/dev/null || { cat "$log" >&2; lab_die "runtime exited"; }
    sleep 0.1
  done
  grep -q ' PxeRuntime - ready' "$log" || lab_die "runtime not ready after $secs s; see $log"
}

# lab_demo_stop_serve WORKDIR: stops the runtime lab_demo_serve started (never fails: used in EXIT traps).
lab_demo_stop_serve() {
  if [[ -f $1/server.pid ]]; then
    kill "$(cat "$1/server.pid")" 2>/dev/null || true
    wait "$(cat "$1/server.pid")" 2>/dev/null || true
    rm -f "$1/server.pid"
  fi
}

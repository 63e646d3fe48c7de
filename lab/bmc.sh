#!/usr/bin/env bash
# bmc.sh: a real IPMI BMC (OpenIPMI ipmi_sim) for one lab machine; ipmitool then drives the qemu VM.
#
#   bmc.sh start NAME [--prefix P] [--mac MAC] [--tap N] [--disk FILE] [--firmware bios]
#                     [--bmc-addr ADDR:PORT] [--serial-log FILE] [--mem MB] [-- EXTRA QEMU ARGS]
#   bmc.sh stop NAME [--prefix P]
#   bmc.sh status NAME [--prefix P]           # prints "power=on|off boot=pxe|default|none"
#
# The machine starts powered off. ipmi_sim runs in ${P}lan and listens on ADDR:PORT; an ADDR other than
# 127.0.0.1 is added to br0 there, so the PXE server in ${P}srv (eth0 = SUBNET.1) reaches the BMC over the lab
# switch and nothing outside the lab namespaces does. Default ADDR:PORT = SUBNET.(240+N):623 (tap N).
# The VM's virtual KCS interface talks to the simulator over 127.0.0.1:(9100+N) in ${P}lan (ipmi-bmc-extern).
# Credentials: user admin, password $BMC_PASSWORD (default "password"), kept in lan.conf (mode 600).
# Work dir: $(lab_workdir P)/bmc-NAME (lan.conf, bmc.emu, chassis, state/, qemu.pid, boot, serial log).
# ipmi_sim calls `chassis 0x20 get|set power|boot|reset ...`, which is `bmc.sh _chassis WORKDIR ...`:
#   power on  -> qemu (setsid, detached) with `-boot once=n,order=c` if `bootdev pxe` is pending, else order=c
#                and no NIC option ROM (so a machine without a bootable disk does not PXE-boot by itself)
#   power off -> SIGTERM, 3 s, SIGKILL; a zombie qemu (PID 1 here reaps nobody) counts as off.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# "Running" = the process exists and is not a zombie (field 3 of /proc/PID/stat, after the "(comm)").
alive() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}
pidof_file() { cat "$1" 2>/dev/null || true; }
stop_pid() {  # TERM, <= 3 s, KILL
  local pid=$1
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 30); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 20); do alive "$pid" || return 0; sleep 0.1; done
}

# ---- called by ipmi_sim: _chassis WORKDIR DEVICE get|set ARGS ----
chassis() {
  local w=$1 op=$3; shift 3
  # shellcheck source=/dev/null
  . "$w/machine.env"
  local qpid; qpid=$(pidof_file "$w/qemu.pid")
  case $op in
    get)
      for parm in "$@"; do
        case $parm in
          power) alive "$qpid" && echo "power:1" || echo "power:0" ;;
          boot) echo "boot:$(cat "$w/boot" 2>/dev/null || echo default)" ;;
          *) echo "invalid parameter $parm"; return 1 ;;
        esac
      done ;;
    set)
      while (($#)); do
        local parm=$1 val=${2:-}; shift 2 || { echo "no value for $parm"; return 1; }
        case $parm in
          power) if [[ $val == 1 ]]; then power_on "$w"; else stop_pid "$qpid"; fi ;;
          reset) [[ $val == 1 ]] && { stop_pid "$qpid"; power_on "$w"; } ;;
          boot) case $val in pxe|default|none) echo "$val" >"$w/boot" ;; *) echo "bad boot $val"; return 1 ;; esac ;;
          *) echo "invalid parameter $parm"; return 1 ;;
        esac
      done ;;
    check) ;;
    *) echo "bad operation $op"; return 1 ;;
  esac
}

power_on() {
  local w=$1 boot=order=c nic="$NIC,romfile="
  alive "$(pidof_file "$w/qemu.pid")" && return 0
  # A pending `bootdev pxe` is one-time: network first for this power-on, then the disk on reboots.
  # Otherwise the NIC has no option ROM: SeaBIOS would fall back to PXE after a failing disk by itself.
  if [[ $(cat "$w/boot" 2>/dev/null) == pxe ]]; then boot=once=n,order=c nic=$NIC; echo default >"$w/boot"; fi
  printf '%s bmc: power on -boot %s\n' "$(date +%T.%3N)" "$boot" >>"$w/events"
  date +%s.%N >"$SERIAL_LOG.t0"
  # setsid: own session, no tie to ipmi_sim (it reads our stdout to the end: keep it away from qemu).
  setsid ip netns exec "${PREFIX}lan" "${QEMU[@]}" -device "$nic" -boot "$boot" </dev/null >>"$SERIAL_LOG" 2>>"$w/qemu.err" &
  echo $! >"$w/qemu.pid"
}

# ---- start / stop ----
name=${2:-}
cmd=${1:-}
[[ $cmd == _chassis ]] && { shift; chassis "$@"; exit; }
[[ -n $name && $name =~ ^[a-zA-Z0-9_.-]+$ ]] || { sed -n '2,9p' "$0"; exit 2; }
shift 2
prefix=${LAB_PREFIX:-pxl-} mac=52:54:00:12:34:56 tap=0 disk="" fw=bios bmcaddr="" log="" mem=512 extra=()
while (($#)); do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --mac) mac=$2; shift 2 ;;
    --tap) tap=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --firmware) fw=$2; shift 2 ;;
    --bmc-addr) bmcaddr=$2; shift 2 ;;
    --serial-log) log=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bmc: unknown argument $1" >&2; exit 2 ;;
  esac
done
lab_check_prefix "$prefix"
w="$(lab_workdir "$prefix")/bmc-$name"

bmc_stop() {
  [[ -d $w ]] || return 0
  stop_pid "$(pidof_file "$w/qemu.pid")"
  stop_pid "$(pidof_file "$w/ipmi_sim.pid")"
  local a; a=$(cat "$w/addr" 2>/dev/null || true)
  [[ -n $a && $a != 127.0.0.1 ]] && ip -n "${prefix}lan" addr del "$a/24" dev br0 2>/dev/null || true
  rm -f "$w/qemu.pid" "$w/ipmi_sim.pid" "$w/addr" "$w/lan.conf"
}

case $cmd in
  stop) bmc_stop; lab_log "bmc $name stopped"; exit 0 ;;
  status)
    p=$(chassis "$w" 0x20 get power boot | tr '\n' ' ')
    p=${p//power:1/power=on}; p=${p//power:0/power=off}; echo "${p//boot:/boot=}"; exit 0 ;;
  start) ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac

[[ $fw == bios ]] || lab_die "--firmware: only bios for now"
[[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || lab_die "bad --mac $mac"
[[ $tap =~ ^[0-9]+$ ]] || lab_die "bad --tap"
lab_ns_exists "${prefix}lan" || lab_die "namespace ${prefix}lan missing: run netns.sh up first"
if [[ -z $bmcaddr ]]; then
  srvip=$(ip -n "${prefix}srv" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
  [[ -n $srvip ]] || lab_die "no address on ${prefix}srv eth0"
  bmcaddr="${srvip%.*}.$((240 + tap)):623"
fi
addr=${bmcaddr%:*} port=${bmcaddr##*:}
[[ $port =~ ^[0-9]+$ && -n $addr ]] || lab_die "bad --bmc-addr $bmcaddr (want ADDR:PORT)"
vmport=$((9100 + tap))
log=${log:-$w/serial.log}
bmc_stop
mkdir -p "$w/state"
chmod 700 "$w"
lab_tap_add "$prefix" "$tap" >/dev/null
if [[ $addr != 127.0.0.1 ]]; then
  ip -n "${prefix}lan" addr replace "$addr/24" dev br0
fi
echo "$addr" >"$w/addr"

qemu=(qemu-system-x86_64 -accel tcg -m "$mem" -smp 1 -nographic -display none -nodefaults -monitor none -serial stdio
  -netdev "tap,id=n0,ifname=tap$tap,script=no,downscript=no" -device virtio-rng-pci
  -chardev "socket,id=ipmi0,host=127.0.0.1,port=$vmport,reconnect=10"
  -device ipmi-bmc-extern,chardev=ipmi0,id=bmc0 -device isa-ipmi-kcs,bmc=bmc0)
if [[ -n $disk ]]; then
  [[ -f $disk ]] || lab_die "disk $disk not found"
  qemu+=(-drive "file=$disk,format=raw,if=virtio")
fi
qemu+=("${extra[@]}")
{ echo "PREFIX=$prefix"; echo "NIC=virtio-net-pci,netdev=n0,mac=$mac"; echo "SERIAL_LOG=$(printf %q "$log")"; declare -p qemu | sed 's/^declare -a qemu=/QEMU=/'; } \
  >"$w/machine.env"
echo default >"$w/boot"
: >"$w/events"
mkdir -p "$(dirname "$log")"
: >"$log"
printf '#!/bin/sh\nexec %q _chassis %q "$@"\n' "$SELF" "$w" >"$w/chassis"
chmod +x "$w/chassis"

umask 077
cat >"$w/lan.conf" <<EOF
name "$name"
set_working_mc 0x20
  startlan 1
    addr $addr $port
    priv_limit admin
    allowed_auths_callback none md5 straight
    allowed_auths_user none md5 straight
    allowed_auths_operator none md5 straight
    allowed_auths_admin none md5 straight
    guid a123456789abcdefa123456789abcd$(printf '%02x' "$tap")
  endlan
  serial 15 127.0.0.1 $vmport codec VM
  chassis_control "$w/chassis 0x20"
  user 2 true "admin" "${BMC_PASSWORD:-password}" admin 10 md5
EOF
cat >"$w/bmc.emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
setsid ip netns exec "${prefix}lan" ipmi_sim -c "$w/lan.conf" -f "$w/bmc.emu" -s "$w/state" -n \
  </dev/null >"$w/ipmi_sim.log" 2>&1 &
echo $! >"$w/ipmi_sim.pid"
# Ready when the simulator listens on its LAN port (UDP) or gone.
for _ in $(seq 50); do
  alive "$(cat "$w/ipmi_sim.pid")" || { cat "$w/ipmi_sim.log" >&2; lab_die "ipmi_sim exited"; }
  ip netns exec "${prefix}lan" ss -Hlun "sport = :$port" | grep -q . && break
  sleep 0.1
done
lab_log "bmc $name: ipmi_sim pid $(cat "$w/ipmi_sim.pid") at $addr:$port (ns ${prefix}lan), VM link 127.0.0.1:$vmport, serial $log"
echo "BMC name=$name addr=$addr port=$port workdir=$w"

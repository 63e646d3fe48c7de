#!/usr/bin/env bash
# netns.sh up|down PREFIX [SUBNET]     (defaults: $LAB_PREFIX, $LAB_SUBNET)
# netns.sh tap PREFIX N                 create tapN on the lab bridge (prints its name)
# `up` builds ${PREFIX}srv / ${PREFIX}lan / ${PREFIX}cli (see lib.sh); `down` removes everything
# (killing processes left inside) and is safe to call twice.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd=${1:-}; p=${2:-${LAB_PREFIX:-}}; s=${3:-${LAB_SUBNET:-}}
case $cmd in
  up)   [[ -n $p && -n $s ]] || lab_die "usage: $0 up PREFIX SUBNET"; lab_ns_up "$p" "$s" ;;
  down) [[ -n $p ]] || lab_die "usage: $0 down PREFIX"; lab_ns_down "$p"; lab_log "namespaces ${p}* removed" ;;
  tap)  [[ -n $p && -n ${3:-} ]] || lab_die "usage: $0 tap PREFIX N"; lab_tap_add "$p" "$3" ;;
  *)    echo "usage: $0 up|down|tap PREFIX [SUBNET|N]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need (Debian packages), then `mvn verify`, which runs
# unit tests (surefire), namespace integration tests and qemu end-to-end tests (failsafe).
# Run as root on a fresh Debian 12 machine:   sudo lab/test.sh
# With CI=true a missing prerequisite fails the run instead of skipping a test.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "lab/test.sh: run as root (network namespaces, qemu taps, ports 67/69)" >&2
  exit 2
fi
lab/install-deps.sh
# Each test class removes its own namespaces before and after it runs (also after a killed run), so nothing
# here touches namespaces that something else on the machine may be using.
exec mvn -B -ntp verify "$@"

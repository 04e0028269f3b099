#!/usr/bin/env bash
# System packages the test suite runs for real (npm cannot install them): redis-server.
# Installs them with apt-get when missing: as root, or through passwordless sudo (GitHub's runners);
# otherwise says how.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi
if { [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; } && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test dependencies: ${missing[*]}" >&2
  "${as_root[@]}" apt-get update -qq >/dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged service; the tests start their own instances on free ports.
  if command -v service >/dev/null 2>&1; then "${as_root[@]}" service redis-server stop >/dev/null 2>&1 || true; fi
else
  echo "The tests need: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

#!/usr/bin/env bash
# Stops every process `npm run cluster:up` started, by PID, and removes the cluster's state.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=local-lib.sh
source "$here/local-lib.sh"

if [[ ! -d $CLUSTER_DIR ]]; then
  clog "cluster '$CLUSTER_NAME' is not up (no $CLUSTER_DIR); nothing to stop"
  exit 0
fi
pids=()
[[ -f $CLUSTER_DIR/pids.txt ]] && mapfile -t pids <"$CLUSTER_DIR/pids.txt"
if bash "$TOOLCHAIN_DIR/build.sh" --check 2>/dev/null; then
  toolchain_env
  kwokctl_env
  "$TOOLCHAIN_KWOKCTL" --name "$CLUSTER_NAME" delete cluster >"$CLUSTER_DIR/delete.log" 2>&1 || true
fi
# Whatever kwokctl did not stop is stopped here, by the PIDs recorded at start.
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null || continue
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
done
for pid in "${pids[@]}"; do
  ! kill -0 "$pid" 2>/dev/null || cdie "process $pid of cluster '$CLUSTER_NAME' is still running"
done
rm -rf "$CLUSTER_DIR"
clog "cluster '$CLUSTER_NAME' stopped (${#pids[@]} processes) and $CLUSTER_DIR removed"

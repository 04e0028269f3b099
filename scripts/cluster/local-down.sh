#!/usr/bin/env bash
# Stops every process `npm run cluster:up` started, by PID, and removes the cluster's state: on a
# real node also its pods, shims, mounts, bridge, iptables chains, kubepods cgroups and stack
# state, and the engine and registry when cluster:up started them.
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
have_toolchain=0
if bash "$TOOLCHAIN_DIR/build.sh" --check 2>/dev/null; then
  have_toolchain=1
  toolchain_env
  kwokctl_env
fi
if [[ $(cat "$CLUSTER_DIR/mode" 2>/dev/null) == real ]]; then
  # shellcheck source=real-node.sh
  source "$here/real-node.sh"
  # shellcheck source=deploy-target.sh
  source "$here/deploy-target.sh"
  # The node first, while nothing can restart its pods.
  real_node_down
  cluster_engine_down
fi
if ((have_toolchain)); then
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
mnt=''
while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done < <(awk -v p="$CLUSTER_DIR/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
rm -rf "$CLUSTER_DIR"
clog "cluster '$CLUSTER_NAME' stopped (${#pids[@]} processes) and $CLUSTER_DIR removed"

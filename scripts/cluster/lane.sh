#!/usr/bin/env bash
# The cluster lane (`npm run test:cluster`): every deploy path against local control planes, with
# the real Pulumi CLI and providers. Builds (or finds cached) the toolchain, starts a Docker engine
# and a registry on 127.0.0.1:5001, then three control planes:
#   tasknote-local  16443  one real node (kubelet, containerd, CNI, CoreDNS): pods really run
#   tasknote-other  16444  kwok fake nodes: the wrong-cluster guard's target, the GitOps copy
#   tasknote-fake   16445  kwok fake nodes in 3 zones: prod's topology, which one node cannot hold
# and runs test/cluster against them (or, with --bench, bench/deploy.ts). docs/deploy.md lists
# each test file with the kind of node it runs on. Everything it started is stopped and removed
# on exit.
#
# Where this machine cannot run it (not root, no Go), it says why and exits 0 on a laptop;
# under CI (CI=true) or with TASKNOTE_CLUSTER_REQUIRED=1 that is a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../containers/engine.sh
source "$repo/scripts/containers/engine.sh"
# shellcheck source=../containers/base-image.sh
source "$repo/scripts/containers/base-image.sh"

required=0
[[ ${CI:-} == true || ${TASKNOTE_CLUSTER_REQUIRED:-0} == 1 ]] && required=1
unavailable() {
  if ((required)); then die "cluster lane cannot run: $1"; fi
  log "cluster lane skipped: $1"
  exit 0
}
command -v go >/dev/null || unavailable 'no Go toolchain on PATH (the control plane and Pulumi are built from Go modules)'
if reason=$(engine_unavailable_reason); then unavailable "$reason"; fi
# shellcheck source=local-lib.sh
source "$here/local-lib.sh"
# shellcheck source=real-node.sh
source "$here/real-node.sh"
if reason=$(real_node_unavailable_reason); then unavailable "$reason"; fi

lane_started=$EPOCHSECONDS
bash "$here/toolchain/build.sh"
while IFS= read -r line; do
  [[ $line == TOOLCHAIN_*=* ]] && export "${line?}"
done < <(bash "$here/toolchain/build.sh" --print-env)
toolchain_s=$((EPOCHSECONDS - lane_started))

LANE_DIR=$(mktemp -d /tmp/tasknote-cluster-lane.XXXXXX)
export TASKNOTE_CLUSTER_STATE=$LANE_DIR/clusters
clusters_down() {
  TASKNOTE_CLUSTER_NAME=tasknote-fake bash "$here/local-down.sh" || true
  TASKNOTE_CLUSTER_NAME=tasknote-other bash "$here/local-down.sh" || true
  TASKNOTE_CLUSTER_NAME=tasknote-local bash "$here/local-down.sh" || true
}
LOGS_DIR=${TMPDIR:-/tmp}/tasknote-cluster-lane-logs
cleanup() {
  # The lane's log and every component's, kept for a look after the run.
  rm -rf "$LOGS_DIR" && mkdir -p "$LOGS_DIR"
  cp "$LANE_DIR/lane.log" "$LOGS_DIR/" 2>/dev/null || true
  local c
  for c in "$LANE_DIR"/clusters/*; do
    mkdir -p "$LOGS_DIR/$(basename "$c")"
    cp -r "$c"/kwok/clusters/*/logs/. "$LOGS_DIR/$(basename "$c")/" 2>/dev/null || true
    cp -r "$c"/node/logs "$LOGS_DIR/$(basename "$c")/node" 2>/dev/null || true
  done
  log "logs kept in $LOGS_DIR"
  clusters_down
  engine_stop
  rm -rf "$LANE_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine_install
TASKNOTE_REGISTRY_PORT=5001 engine_start
base_image_ensure

export TASKNOTE_LANE_KUBECONFIG TASKNOTE_LANE_OTHER_KUBECONFIG TASKNOTE_LANE_FAKE_KUBECONFIG
TASKNOTE_LANE_KUBECONFIG=$(TASKNOTE_CLUSTER_NAME=tasknote-local TASKNOTE_CLUSTER_PORT=16443 bash "$here/local-up.sh")
TASKNOTE_LANE_OTHER_KUBECONFIG=$(TASKNOTE_CLUSTER_NAME=tasknote-other TASKNOTE_CLUSTER_PORT=16444 bash "$here/local-up.sh" --fake-only)
TASKNOTE_LANE_FAKE_KUBECONFIG=$(TASKNOTE_CLUSTER_NAME=tasknote-fake TASKNOTE_CLUSTER_PORT=16445 bash "$here/local-up.sh" --fake-only)
export TASKNOTE_LANE_AUDIT_LOG=$(dirname "$TASKNOTE_LANE_KUBECONFIG")/audit.log
export TASKNOTE_LANE_FAKE_AUDIT_LOG=$(dirname "$TASKNOTE_LANE_FAKE_KUBECONFIG")/audit.log
# The real node's images (pause, CoreDNS, the PostgreSQL and Redis stand-ins, test clients), as
# NODE_IMAGE_*=localhost:5001/…@sha256:… for the tests.
while IFS= read -r line; do
  [[ $line == NODE_IMAGE_*=* ]] && export "${line?}"
done <"$(dirname "$TASKNOTE_LANE_KUBECONFIG")/images.env"

# The real Pulumi CLI and providers, isolated from the user's own ~/.pulumi.
export PULUMI_HOME=$LANE_DIR/pulumi-home
export PULUMI_BACKEND_URL=file://$LANE_DIR/pulumi-state
export PULUMI_CONFIG_PASSPHRASE=lane-$RANDOM$RANDOM$RANDOM
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_DISABLE_REGISTRY_RESOLVE=true
mkdir -p "$LANE_DIR/pulumi-state"
# The Docker CLI's config (and its docker-buildx plugin) for this lane only.
export DOCKER_CONFIG=$LANE_DIR/docker-config
bash "$here/toolchain/install-plugins.sh"
export PATH=$(dirname "$TOOLCHAIN_PULUMI"):$(dirname "$TOOLCHAIN_KUBECTL"):$PATH
export TASKNOTE_LANE_DIR=$LANE_DIR TASKNOTE_LANE_BASE_IMAGE=$BASE_IMAGE TASKNOTE_LANE_REGISTRY=$REGISTRY

log "toolchain ready in ${toolchain_s} s; clusters, engine and registry up; running test/cluster"
cd "$repo"
status=0
if [[ ${1:-} == --bench ]]; then
  npx tsx bench/deploy.ts || status=$?
else
  npx jest --config test/cluster/jest.config.js "$@" || status=$?
fi
log "cluster lane finished in $((EPOCHSECONDS - lane_started)) s"
exit "$status"

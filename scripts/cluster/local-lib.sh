# The local control plane of `npm run cluster:up`: names, ports and state; sourced.
# shellcheck source=toolchain/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolchain/lib.sh"

clog() { printf '[cluster] %s\n' "$*" >&2; }
cdie() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# One cluster per name; a second one (for the wrong-cluster test) takes another name and port.
CLUSTER_NAME=${TASKNOTE_CLUSTER_NAME:-tasknote-local}
CLUSTER_PORT=${TASKNOTE_CLUSTER_PORT:-16443}
CLUSTER_STATE_ROOT=${TASKNOTE_CLUSTER_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/tasknote-cluster}
CLUSTER_DIR=$CLUSTER_STATE_ROOT/$CLUSTER_NAME
# The kubeconfig this cluster writes; its one context is named after the cluster.
CLUSTER_KUBECONFIG=$CLUSTER_DIR/kubeconfig

# Loads the toolchain's binary paths (TOOLCHAIN_*), building what is missing.
toolchain_env() {
  local line
  # Already loaded by the caller (the lane): nothing to build or print again.
  [[ -x ${TOOLCHAIN_KWOKCTL:-} && -x ${TOOLCHAIN_KUBELET:-} ]] && return 0
  while IFS= read -r line; do
    [[ $line == TOOLCHAIN_*=* ]] && export "${line?}"
  done < <(bash "$TOOLCHAIN_DIR/build.sh" --print-env) || cdie 'the toolchain build failed (see above)'
  [[ -n ${TOOLCHAIN_KWOKCTL:-} ]] || cdie 'the toolchain build printed no binary paths'
}

kwokctl_env() {
  export KWOK_WORKDIR=$CLUSTER_DIR/kwok
  export KWOK_KUBE_APISERVER_BINARY=$TOOLCHAIN_KUBE_APISERVER
  export KWOK_KUBE_CONTROLLER_MANAGER_BINARY=$TOOLCHAIN_KUBE_CONTROLLER_MANAGER
  export KWOK_KUBE_SCHEDULER_BINARY=$TOOLCHAIN_KUBE_SCHEDULER
  export KWOK_KUBECTL_BINARY=$TOOLCHAIN_KUBECTL
  export KWOK_ETCD_BINARY=$TOOLCHAIN_ETCD
  export KWOK_CONTROLLER_BINARY=$TOOLCHAIN_KWOK
  export KWOK_KUBE_VERSION=$KUBERNETES_VERSION
  # kwokctl runs kubectl from PATH for its own readiness checks: ours, of the same version.
  PATH=$(dirname "$TOOLCHAIN_KUBECTL"):$PATH
}

kubectl_local() { "$TOOLCHAIN_KUBECTL" --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }

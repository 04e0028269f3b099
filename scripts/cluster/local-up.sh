#!/usr/bin/env bash
# Starts a real Kubernetes control plane on 127.0.0.1 (`npm run cluster:up`): etcd, the API server
# (RBAC, default admission plugins with PodSecurity), the controller manager and the scheduler,
# built from Go modules (scripts/cluster/toolchain), and by default ONE REAL NODE that runs the
# pods (real-node.sh): kubelet and kube-proxy, a private containerd with runc and the CNI bridge,
# CoreDNS as the cluster's DNS pod, and hostPath volumes under the cluster's state. It also brings
# up what a deploy needs when it is not running yet (a Docker engine, and a registry on
# 127.0.0.1:5001 with the node's system and stand-in images), and writes a ready stack settings
# file for a dev deploy beside the kubeconfig. It prints both paths.
#
#   npm run cluster:up                         one real node
#   npm run cluster:up -- --fake-nodes 3       plus 3 kwok fake nodes in 3 zones, tainted NoSchedule
#   npm run cluster:up -- --fake-only          kwok's 3 fake nodes only, nothing runs (no Go-built
#                                              node, no engine): scheduling and API tests
#   TASKNOTE_CLUSTER_NAME=other TASKNOTE_CLUSTER_PORT=16444 npm run cluster:up -- --fake-only
#
# Fake nodes have TEST-NET addresses that exist only in API objects: kwok marks the pods scheduled
# there Running and Ready without running anything. Ingresses and NetworkPolicies are stored and
# validated but not enforced on either kind of node.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=local-lib.sh
source "$here/local-lib.sh"

mode=real fake_nodes=0
while (($#)); do
  case $1 in
    --fake-only) mode=fake fake_nodes=3 ;;
    --fake-nodes)
      [[ ${2:-} =~ ^[0-9]+$ ]] || cdie "--fake-nodes needs a count (received '${2:-}'; allowed: 0 to 9)"
      fake_nodes=$2
      shift
      ;;
    *) cdie "unknown option '$1' (allowed: --fake-only, --fake-nodes N)" ;;
  esac
  shift
done
((fake_nodes <= 9)) || cdie "--fake-nodes ($fake_nodes) must be at most 9"

toolchain_env
kwokctl_env
if [[ $mode == real ]]; then
  # shellcheck source=real-node.sh
  source "$here/real-node.sh"
  # shellcheck source=deploy-target.sh
  source "$here/deploy-target.sh"
  if reason=$(real_node_unavailable_reason); then cdie "no real node can run here: $reason (--fake-only starts a cluster of fake nodes)"; fi
fi

if [[ -f $CLUSTER_DIR/pids.txt ]]; then
  cdie "cluster '$CLUSTER_NAME' is already up (state in $CLUSTER_DIR); 'npm run cluster:down' stops it"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$CLUSTER_PORT") 2>/dev/null; then
  cdie "127.0.0.1:$CLUSTER_PORT is taken by another program; choose another with TASKNOTE_CLUSTER_PORT"
fi
mkdir -p "$CLUSTER_DIR"
echo "$mode" >"$CLUSTER_DIR/mode"
: >"$CLUSTER_DIR/pids.txt"
started=$EPOCHSECONDS
# A start that fails half-way stops what it started.
trap 'status=$?; if ((status != 0)); then bash "$here/local-down.sh" >&2 || true; fi' EXIT

# kwokctl generates the PKI and runs each component from the given binaries. Every listener is
# pinned to loopback (kwokctl's defaults bind 0.0.0.0) by patches that override its own flags.
# Ports derive from the API server's, so clusters on neighbouring ports never collide.
etcd_port=$((CLUSTER_PORT + 100)) etcd_peer=$((CLUSTER_PORT + 200)) kwok_port=$((CLUSTER_PORT + 300))
arg() { printf '      - {key: %s, value: "%s", override: true}\n' "$1" "$2"; }
# An argument kwokctl does not pass itself is appended (an override of it would be ignored).
add() { printf '      - {key: %s, value: "%s"}\n' "$1" "$2"; }
pki=$KWOK_WORKDIR/clusters/$CLUSTER_NAME/pki
{
  echo 'apiVersion: config.kwok.x-k8s.io/v1alpha1'
  echo 'kind: KwokctlConfiguration'
  if [[ $mode == real ]]; then
    # In-cluster clients dial https://10.0.0.1 (the `kubernetes` Service) and the bridge address.
    echo 'options:'
    echo "  kubeApiserverCertSANs: [\"$KUBERNETES_SERVICE_IP\", \"$NODE_IP\"]"
  fi
  echo 'componentsPatches:'
  echo '  - name: etcd'
  echo '    extraArgs:'
  arg listen-client-urls "http://127.0.0.1:$etcd_port"
  arg advertise-client-urls "http://127.0.0.1:$etcd_port"
  arg listen-peer-urls "http://127.0.0.1:$etcd_peer"
  arg initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer"
  arg initial-cluster "node0=http://127.0.0.1:$etcd_peer"
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    echo "  - name: $component"
    echo '    extraArgs:'
    arg bind-address 127.0.0.1
    if [[ $mode == real && $component == kube-apiserver ]]; then
      # The `kubernetes` Service's endpoint: the relay on the bridge (real-node.sh). kubelet is
      # dialled at its InternalIP, with a client certificate, for logs, exec and port-forward.
      add advertise-address "$NODE_IP"
      add kubelet-preferred-address-types InternalIP
      add kubelet-client-certificate "$pki/admin.crt"
      add kubelet-client-key "$pki/admin.key"
    fi
  done
  echo '  - name: kwok-controller'
  echo '    extraArgs:'
  arg server-address "127.0.0.1:$kwok_port"
  if [[ $mode == real ]]; then
    # kwok manages only the nodes annotated as fake, never the real one.
    arg manage-all-nodes false
    add manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake
  fi
} >"$CLUSTER_DIR/kwokctl.yaml"
# Audit of what Pod Security decided for every pod and workload written: the lane reads it.
cat >"$CLUSTER_DIR/audit-policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch]
    resources:
      - group: ''
        resources: [pods]
      - group: apps
        resources: [deployments, statefulsets, replicasets]
      - group: batch
        resources: [jobs, cronjobs]
  - level: None
YAML
loopback=(--config "$CLUSTER_DIR/kwokctl.yaml" --etcd-port "$etcd_port" --controller-port "$kwok_port")

if [[ $mode == real ]]; then
  real_node_install
  # What a deploy needs, when it is not running yet: an engine and the registry on 127.0.0.1:5001.
  cluster_engine_up
  # The bridge and the guards exist before the first pod can start.
  real_node_network
fi

clog "starting '$CLUSTER_NAME' (Kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION) on https://127.0.0.1:$CLUSTER_PORT"
if ! "$TOOLCHAIN_KWOKCTL" --name "$CLUSTER_NAME" create cluster \
  --runtime binary \
  --kube-apiserver-port "$CLUSTER_PORT" \
  --kubeconfig "$CLUSTER_DIR/kwok-kubeconfig" \
  --wait 120s \
  --kube-audit-policy "$CLUSTER_DIR/audit-policy.yaml" \
  "${loopback[@]}" >"$CLUSTER_DIR/create.log" 2>&1; then
  tail -n 30 "$CLUSTER_DIR/create.log" >&2
  cdie "kwokctl could not start the cluster (log above; component logs in $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs)"
fi
for f in "$KWOK_WORKDIR/clusters/$CLUSTER_NAME"/pids/*.pid; do echo "$(<"$f")"; done >>"$CLUSTER_DIR/pids.txt"
ln -sf "$KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs/audit.log" "$CLUSTER_DIR/audit.log"

# Our own kubeconfig, with one context named after the cluster.
"$TOOLCHAIN_KUBECTL" --kubeconfig "$CLUSTER_DIR/kwok-kubeconfig" config view --raw --minify --flatten --context "kwok-$CLUSTER_NAME" >"$CLUSTER_KUBECONFIG.tmp"
"$TOOLCHAIN_KUBECTL" --kubeconfig "$CLUSTER_KUBECONFIG.tmp" config rename-context "kwok-$CLUSTER_NAME" "$CLUSTER_NAME" >/dev/null
chmod 600 "$CLUSTER_KUBECONFIG.tmp" && mv "$CLUSTER_KUBECONFIG.tmp" "$CLUSTER_KUBECONFIG"

ready=0
for _ in $(seq 150); do
  if kubectl_local get --raw /readyz >/dev/null 2>&1; then ready=1 && break; fi
  sleep 0.2
done
((ready)) || cdie "the API server did not become ready within 30 s (logs in $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs)"

if [[ $mode == real ]]; then
  # The sandbox, DNS and data-store stand-in images the pods need, pushed to the registry (none can
  # be pulled from outside); their references go to images.env for the stack settings below.
  cluster_node_images >"$CLUSTER_DIR/images.env"
  # shellcheck source=/dev/null
  source "$CLUSTER_DIR/images.env"
  real_node_start "$NODE_IMAGE_PAUSE_TAG"
fi

# Fake nodes, one per zone, so topology spread and PodDisruptionBudgets mean something. Beside a
# real node they are tainted: only a pod that tolerates the taint (the topology tests') lands on
# one, and nothing is ever sent to their addresses.
for ((i = 1; i <= fake_nodes; i++)); do
  taints='[]'
  [[ $mode == real ]] && taints='[{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}]'
  cat <<YAML
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: local-$i
spec:
  taints: $taints
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
---
YAML
done | kubectl_local apply -f - >/dev/null

# Claims bind to pre-created volumes of each StorageClass the environments name. On the real node
# each is a directory under the cluster's state (mode 0777: kubelet applies no fsGroup to hostPath,
# and PostgreSQL runs as UID 999); beside fake nodes only, nothing is mounted. A released volume
# keeps its data and is never bound again (Retain), so a new claim always starts empty.
mapfile -t classes < <(sed -n "s/^  storageClass: '\([a-z0-9.-]*\)'.*/\1/p" "$here"/../../environments/{dev,staging,prod}.ts | sort -u)
volumes=6
[[ $mode == real ]] && volumes=12
for class in "${classes[@]}"; do
  cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $class
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Delete
---
YAML
  for ((i = 1; i <= volumes; i++)); do
    if [[ $mode == real ]]; then
      path=$NODE_DIR/volumes/$class-$i
      mkdir -p "$path" && chmod 0777 "$path"
      affinity="nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME]}]}]}}"
    else
      path=/nonexistent/tasknote-local/$class-$i
      affinity=''
    fi
    cat <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $class-$i
  labels: {tasknote.dev/local-cluster: "true"}
spec:
  storageClassName: $class
  capacity: {storage: 512Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $path}
  $affinity
---
YAML
  done
done | kubectl_local apply -f - >/dev/null

kubectl_local wait --for=condition=Ready node --all --timeout=60s >/dev/null ||
  cdie "the nodes did not become Ready (logs: $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs, $CLUSTER_DIR/node/logs)"
if [[ $mode == real ]]; then
  real_node_dns "$NODE_IMAGE_COREDNS"
  cluster_stack_settings
  clog "up in $((EPOCHSECONDS - started)) s: real node $NODE_NAME ($NODE_IP)$( ((fake_nodes)) && echo ", $fake_nodes fake nodes (tainted)"), CoreDNS, StorageClasses ${classes[*]}"
  clog "stack settings for a dev deploy: $CLUSTER_DIR/stack/Pulumi.dev.yaml"
  clog "  npm run deploy -- --env dev --stack-config $CLUSTER_DIR/stack/Pulumi.dev.yaml"
  clog "  (its passphrase is in $CLUSTER_DIR/stack/passphrase, which the file names; PULUMI_CONFIG_PASSPHRASE overrides it)"
else
  clog "up in $((EPOCHSECONDS - started)) s: $fake_nodes fake nodes in zones local-1..$fake_nodes, StorageClasses ${classes[*]}"
fi
clog "kubeconfig: $CLUSTER_KUBECONFIG (context '$CLUSTER_NAME'); stop with 'npm run cluster:down'"
echo "$CLUSTER_KUBECONFIG"

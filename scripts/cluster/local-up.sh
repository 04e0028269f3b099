#!/usr/bin/env bash
# Starts a real Kubernetes control plane on 127.0.0.1 only (`npm run cluster:up`): etcd, the API
# server (RBAC, default admission plugins with PodSecurity), the controller manager and the
# scheduler, all built from Go modules (scripts/cluster/toolchain), plus kwok with three fake nodes
# in three zones. Writes a kubeconfig with one context named after the cluster and prints its path.
#
#   npm run cluster:up                     cluster 'tasknote-local' on https://127.0.0.1:16443
#   TASKNOTE_CLUSTER_NAME=other TASKNOTE_CLUSTER_PORT=16444 npm run cluster:up
#
# There is no kubelet, storage provisioner, ingress controller or network plugin: kwok marks
# scheduled pods Running and Ready (and Job pods Succeeded) without running anything; static
# PersistentVolumes of each environment's StorageClass let claims bind; Ingresses and
# NetworkPolicies are stored and validated but nothing enforces them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=local-lib.sh
source "$here/local-lib.sh"

toolchain_env
kwokctl_env

if [[ -f $CLUSTER_DIR/pids.txt ]]; then
  cdie "cluster '$CLUSTER_NAME' is already up (state in $CLUSTER_DIR); 'npm run cluster:down' stops it"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$CLUSTER_PORT") 2>/dev/null; then
  cdie "127.0.0.1:$CLUSTER_PORT is taken by another program; choose another with TASKNOTE_CLUSTER_PORT"
fi
mkdir -p "$CLUSTER_DIR"
started=$EPOCHSECONDS
# A start that fails half-way stops what it started.
trap 'status=$?; if ((status != 0)); then bash "$here/local-down.sh" >&2 || true; fi' EXIT

# kwokctl generates the PKI and runs each component from the given binaries. Every listener is
# pinned to loopback (kwokctl's defaults bind 0.0.0.0) by patches that override its own flags.
# Ports derive from the API server's, so clusters on neighbouring ports never collide.
etcd_port=$((CLUSTER_PORT + 100)) etcd_peer=$((CLUSTER_PORT + 200)) kwok_port=$((CLUSTER_PORT + 300))
arg() { printf '      - {key: %s, value: "%s", override: true}\n' "$1" "$2"; }
{
  echo 'apiVersion: config.kwok.x-k8s.io/v1alpha1'
  echo 'kind: KwokctlConfiguration'
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
  done
  echo '  - name: kwok-controller'
  echo '    extraArgs:'
  arg server-address "127.0.0.1:$kwok_port"
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
for f in "$KWOK_WORKDIR/clusters/$CLUSTER_NAME"/pids/*.pid; do echo "$(<"$f")"; done >"$CLUSTER_DIR/pids.txt"
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

# Three fake nodes, one per zone, so topology spread and PodDisruptionBudgets mean something.
for i in 1 2 3; do
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
spec: {}
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
---
YAML
done | kubectl_local apply -f - >/dev/null

# Claims bind to pre-created volumes of each StorageClass the environments name; nothing is
# mounted, since no pod really runs. The classes come from the environment files.
mapfile -t classes < <(sed -n "s/^  storageClass: '\([a-z0-9.-]*\)'.*/\1/p" "$here"/../../environments/{dev,staging,prod}.ts | sort -u)
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
  for i in 1 2 3 4 5 6; do
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
  hostPath: {path: /nonexistent/tasknote-local/$class-$i}
---
YAML
  done
done | kubectl_local apply -f - >/dev/null

kubectl_local wait --for=condition=Ready node --all --timeout=60s >/dev/null ||
  cdie "the fake nodes did not become Ready (kwok log: $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs/kwok-controller.log)"
clog "up in $((EPOCHSECONDS - started)) s: 3 nodes in zones local-1..3, StorageClasses ${classes[*]}"
clog "kubeconfig: $CLUSTER_KUBECONFIG (context '$CLUSTER_NAME'); stop with 'npm run cluster:down'"
echo "$CLUSTER_KUBECONFIG"

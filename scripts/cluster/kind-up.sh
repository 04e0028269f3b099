#!/usr/bin/env bash
# Creates the dev cluster: kind cluster `tasknote` (context kind-tasknote, API on 127.0.0.1:6443),
# a local registry on localhost:5001 that the nodes pull from, ingress-nginx on ports 80/443, and
# mailpit as the SMTP relay of environments/dev.ts. This is kind's "local registry" recipe.
# Idempotent: an existing registry or cluster is reused.
set -euo pipefail

CLUSTER=${CLUSTER:-tasknote}
REGISTRY_NAME=${REGISTRY_NAME:-kind-registry}
REGISTRY_PORT=${REGISTRY_PORT:-5001}
REGISTRY_IMAGE=${REGISTRY_IMAGE:-registry:2.8.3}
INGRESS_NGINX_VERSION=${INGRESS_NGINX_VERSION:-controller-v1.11.3}
MAILPIT_IMAGE=${MAILPIT_IMAGE:-axllent/mailpit:v1.21.8}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is missing: $2" >&2; exit 1; }
}
need docker 'install Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/)'
need kind 'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)'
need kubectl 'install kubectl (https://kubernetes.io/docs/tasks/tools/)'
docker info >/dev/null 2>&1 || { echo "error: the Docker daemon does not answer; start Docker Desktop or 'sudo systemctl start docker'" >&2; exit 1; }

# 1. The registry container, on the host's loopback only.
if [ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY_NAME" 2>/dev/null || true)" != 'true' ]; then
  docker rm -f "$REGISTRY_NAME" >/dev/null 2>&1 || true
  docker run -d --restart=always -p "127.0.0.1:${REGISTRY_PORT}:5000" --network bridge --name "$REGISTRY_NAME" "$REGISTRY_IMAGE" >/dev/null
fi

# 2. The cluster. containerd reads registry hosts from certs.d, so step 3 can map localhost:5001.
if ! kind get clusters | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --config=- <<KIND
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  # environments/dev.ts pins this server; the wrong-cluster guard checks it.
  apiServerAddress: 127.0.0.1
  apiServerPort: 6443
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
nodes:
  - role: control-plane
    kubeadmConfigPatches:
      - |
        kind: InitConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            node-labels: "ingress-ready=true"
    extraPortMappings:
      - { containerPort: 80, hostPort: 80, listenAddress: 127.0.0.1, protocol: TCP }
      - { containerPort: 443, hostPort: 443, listenAddress: 127.0.0.1, protocol: TCP }
KIND
fi

# 3. Inside the nodes, localhost:5001 means the registry container, reached by name on the kind network.
for node in $(kind get nodes --name "$CLUSTER"); do
  docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"
  printf '[host."http://%s:5000"]\n' "$REGISTRY_NAME" | docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:${REGISTRY_PORT}/hosts.toml"
done
if [ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REGISTRY_NAME")" = 'null' ]; then
  docker network connect kind "$REGISTRY_NAME"
fi

# 4. Tell tools where the registry is (KEP-1755).
kubectl --context "kind-${CLUSTER}" apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${REGISTRY_PORT}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML

# 5. The ingress controller: ingress-nginx's kind manifest (class nginx, namespace ingress-nginx).
kubectl --context "kind-${CLUSTER}" apply -f "https://raw.githubusercontent.com/kubernetes/ingress-nginx/${INGRESS_NGINX_VERSION}/deploy/static/provider/kind/deploy.yaml"
kubectl --context "kind-${CLUSTER}" -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=180s

# 6. mailpit: the SMTP relay dev sends daily summaries to (UI: kubectl -n mailpit port-forward svc/mailpit 8025).
kubectl --context "kind-${CLUSTER}" apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: mailpit
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mailpit
  namespace: mailpit
spec:
  replicas: 1
  selector:
    matchLabels: { app: mailpit }
  template:
    metadata:
      labels: { app: mailpit }
    spec:
      containers:
        - name: mailpit
          image: ${MAILPIT_IMAGE}
          env:
            - { name: MP_SMTP_AUTH_ACCEPT_ANY, value: "1" }
            - { name: MP_SMTP_AUTH_ALLOW_INSECURE, value: "1" }
          ports:
            - { name: smtp, containerPort: 1025 }
            - { name: http, containerPort: 8025 }
---
apiVersion: v1
kind: Service
metadata:
  name: mailpit
  namespace: mailpit
spec:
  selector: { app: mailpit }
  ports:
    - { name: smtp, port: 1025, targetPort: smtp }
    - { name: http, port: 8025, targetPort: http }
YAML

echo "kind cluster '${CLUSTER}' is ready: context kind-${CLUSTER}, registry localhost:${REGISTRY_PORT}, ingress on http://127.0.0.1"
echo "next: npm run deploy -- --env dev   (docs/deploy.md)"

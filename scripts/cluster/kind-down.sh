#!/usr/bin/env bash
# Deletes the dev kind cluster and its local registry (scripts/cluster/kind-up.sh made both).
# The Pulumi stack `dev` still lists what it deployed: run `npm run destroy -- --env dev` first,
# or `pulumi stack rm dev --force` afterwards, so the next deploy starts from an empty state.
set -euo pipefail

CLUSTER=${CLUSTER:-tasknote}
REGISTRY_NAME=${REGISTRY_NAME:-kind-registry}

kind delete cluster --name "$CLUSTER"
docker rm -f "$REGISTRY_NAME" >/dev/null 2>&1 || true
echo "deleted kind cluster '${CLUSTER}' and registry '${REGISTRY_NAME}'"

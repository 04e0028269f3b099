#!/usr/bin/env bash
# Installs the peer tools that bench:peers compares with `check` into a
# versioned cache outside the clone:
#   ${TASKNOTE_PEERS_CACHE:-~/.cache/tasknote-peers}/<tool>-<version>[-<hash>]/
# Go tools are built from the Go module proxy; Checkov goes into a pinned pip
# venv; kubeconform's schemas are copied out of a pinned PyPI package, so no
# peer fetches anything at run time. A second run builds nothing; a cold run
# prints what it builds.
#
#   bash scripts/peers/install.sh [TOOL...]   install what is missing (all by default)
#   bash scripts/peers/install.sh --print-env print TOOL=path lines (installs first)
#   bash scripts/peers/install.sh --check     exit 1 if anything is missing
# TOOL: kubeconform kube-score kyverno checkov schemas
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
CACHE=${TASKNOTE_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tasknote-peers}

plog() { printf '[peers] %s\n' "$*" >&2; }
pdie() { printf '[peers] error: %s\n' "$*" >&2; exit 1; }

ALL=(schemas kubeconform kube-score kyverno checkov)
mode=install
tools=()
for a in "$@"; do
  case $a in
    --print-env) mode=print ;;
    --check) mode=check ;;
    schemas|kubeconform|kube-score|kyverno|checkov) tools+=("$a") ;;
    *) pdie "unknown argument '$a' (allowed: --print-env, --check, ${ALL[*]})" ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=("${ALL[@]}")

# The cache key: the tool's version plus a hash of versions.env and this
# script's recipe for it, so a changed recipe never reuses a stale build.
tool_dir() {
  local tool=$1 version hash
  case $tool in
    kubeconform) version=$KUBECONFORM_VERSION ;;
    kube-score) version=$KUBE_SCORE_VERSION ;;
    kyverno) version=$KYVERNO_VERSION ;;
    checkov) version=$CHECKOV_VERSION ;;
    schemas) version=k$SCHEMA_KUBERNETES_VERSION-kv$KUBERNETES_VALIDATE_VERSION ;;
  esac
  hash=$( (cat "$here/versions.env"; declare -f "install_${tool//-/_}") | sha256sum | cut -c1-10)
  echo "$CACHE/$tool-$version-$hash"
}

# What each tool's entry point is, inside its directory.
tool_bin() {
  case $1 in
    kubeconform) echo bin/kubeconform ;;
    kube-score) echo bin/kube-score ;;
    kyverno) echo bin/kyverno ;;
    checkov) echo venv/bin/checkov ;;
    schemas) echo schemas ;;
  esac
}

go_env() {
  command -v go >/dev/null || pdie 'go is not on PATH: install Go 1.26 or newer'
  export GOMODCACHE=$CACHE/go/mod GOCACHE=$CACHE/go/build GOPATH=$CACHE/go/path
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
}

go_failed() { pdie "building $1 failed: module $2@$3 (log above). Try: 'go list -m -versions $2' to see what the Go module proxy serves, then change versions.env."; }

install_kubeconform() {
  local out=$1; go_env
  GOBIN=$out/bin go install -trimpath -ldflags '-s -w' "$KUBECONFORM_MODULE/cmd/kubeconform@$KUBECONFORM_VERSION" ||
    go_failed kubeconform "$KUBECONFORM_MODULE" "$KUBECONFORM_VERSION"
}

install_kube_score() {
  local out=$1; go_env
  GOBIN=$out/bin go install -trimpath -ldflags "-s -w -X main.version=${KUBE_SCORE_VERSION#v}" "$KUBE_SCORE_MODULE/cmd/kube-score@$KUBE_SCORE_VERSION" ||
    go_failed kube-score "$KUBE_SCORE_MODULE" "$KUBE_SCORE_VERSION"
}

# kyverno's go.mod has replace directives, which `go install mod@version`
# refuses, so build inside the downloaded module instead. It is very large:
# run it niced; bench:peers runs without it until it is there.
install_kyverno() {
  local out=$1 dir; go_env
  dir=$(go mod download -json "$KYVERNO_MODULE@$KYVERNO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || go_failed kyverno "$KYVERNO_MODULE" "$KYVERNO_VERSION"
  (cd "$dir" && nice -n 10 go build -trimpath -ldflags "-s -w -X github.com/kyverno/kyverno/pkg/version.BuildVersion=$KYVERNO_VERSION" \
    -o "$out/bin/kyverno" ./cmd/cli/kubectl-kyverno) || go_failed kyverno "$KYVERNO_MODULE" "$KYVERNO_VERSION"
}

pick_python() {
  local p
  for p in python3.12 python3.11 python3; do "$p" -c 'import venv' >/dev/null 2>&1 && { echo "$p"; return; }; done
  pdie 'python3 is not on PATH: install Python 3.9 or newer'
}

install_checkov() {
  local out=$1 py; py=$(pick_python)
  "$py" -m venv "$out/venv" || pdie "creating a venv with $py failed (Debian: apt-get install python3-venv)"
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" ||
    pdie "pip install checkov==$CHECKOV_VERSION failed (log above); 'pip index versions checkov' lists what PyPI serves"
}

# kubernetes-validate ships openapi2jsonschema output per Kubernetes version
# (`-local` with refs into _definitions.json, and `-local-strict`, which also
# rejects unknown fields); copy both for the pinned version out as
# kubeconform's schema directory. The layout stays the package's, so the
# kubeconform location template is
#   <dir>/schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json
install_schemas() {
  local out=$1 py tmp src v=v$SCHEMA_KUBERNETES_VERSION flavour; py=$(pick_python)
  tmp=$(mktemp -d)
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" ||
    pdie "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed (log above)"
  (cd "$tmp" && "$py" -m zipfile -e ./*.whl x)
  mkdir -p "$out/schemas"
  for flavour in local local-strict; do
    src=$tmp/x/kubernetes_validate/kubernetes-json-schema/$v-$flavour
    [ -d "$src" ] || pdie "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no $v-$flavour schemas; versions it has: $(find "$tmp/x" -maxdepth 3 -type d -name 'v*-local' -printf '%f ' | sort)"
    cp -r "$src" "$out/schemas/$v-$flavour"
  done
  # The package's schemas carry "$id: https://kubernetes.io/api/<kind>/<version>" and refer to
  # "/api/_definitions.json#...", which its own registry serves. For kubeconform, drop the $id
  # and make the reference relative to the schema file, or it would try to fetch
  # https://kubernetes.io/api/_definitions.json at run time.
  "$py" - "$out/schemas" <<'PY'
import json, pathlib, sys
def fix(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("/api/_definitions.json#"):
            node["$ref"] = ref[len("/api/"):]
        for v in node.values(): fix(v)
    elif isinstance(node, list):
        for v in node: fix(v)
for f in pathlib.Path(sys.argv[1]).rglob("*.json"):
    doc = json.loads(f.read_text())
    fix(doc)
    f.write_text(json.dumps(doc))
PY
  rm -rf "$tmp"
}

ensure() {
  local tool=$1 dir lock; dir=$(tool_dir "$tool")
  if [ -e "$dir/.installed" ]; then return 0; fi
  [ "$mode" = check ] && { plog "missing: $tool ($dir)"; return 1; }
  # Two installs at once (a bench and a by-hand run) must not build into one directory.
  mkdir -p "$CACHE"
  exec {lock}>"$CACHE/.lock-$tool"
  flock "$lock"
  if [ -e "$dir/.installed" ]; then exec {lock}>&-; return 0; fi
  plog "building $tool into $dir"
  local start=$EPOCHSECONDS
  # Installed in place (a venv records its own path); .installed marks it whole.
  rm -rf "$dir"; mkdir -p "$dir"
  "install_${tool//-/_}" "$dir"
  touch "$dir/.installed"
  exec {lock}>&-
  plog "built $tool in $((EPOCHSECONDS - start))s"
}

missing=0
for t in "${tools[@]}"; do ensure "$t" || missing=1; done
[ "$mode" = check ] && exit $missing
if [ "$mode" = print ]; then
  for t in "${tools[@]}"; do
    key=$(echo "$t" | tr 'a-z-' 'A-Z_')
    echo "$key=$(tool_dir "$t")/$(tool_bin "$t")"
  done
fi

#!/usr/bin/env bash
# Builds the local control plane and the Pulumi engine from pinned Go modules
# (versions.env, wrapper modules beside this file) into a cache outside the
# clone, one directory per piece keyed by its version and wrapper files.
# A second run builds nothing.
#
#   bash scripts/cluster/toolchain/build.sh             build what is missing
#   bash scripts/cluster/toolchain/build.sh --print-env print the binaries' paths
#                                                      (KEY=path lines; builds first)
#   bash scripts/cluster/toolchain/build.sh --check     exit 1 if anything is missing
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

mode=build
case ${1:-} in
  --print-env) mode=print ;;
  --check) mode=check ;;
  '') ;;
  *) tdie "unknown option '$1' (allowed: --print-env, --check)" ;;
esac

started=${EPOCHSECONDS}
elapsed() { local s=$((EPOCHSECONDS - started)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
# CPU seconds (user + system) of every process this build has waited for so far, and the load.
# Sets CPU_SO_FAR; never call it as $(…): a subshell's `times` knows none of this shell's children.
cpu_so_far() {
  local f
  f=$(mktemp) && times >"$f"
  CPU_SO_FAR=$(tail -n1 "$f" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.0f", n }')
  rm -f "$f"
}
load_now() { cut -d' ' -f1 /proc/loadavg; }

# piece -> version, as the cache key's readable part
declare -A VERSION_OF=(
  [etcd]=$ETCD_VERSION
  [kubernetes]=$KUBERNETES_VERSION
  [kwok]=$KWOK_VERSION
  [pulumi]=$PULUMI_VERSION
  [pulumi-kubernetes]=$PULUMI_KUBERNETES_VERSION
  [docker-build]=$PULUMI_DOCKER_BUILD_VERSION
  [sealed-secrets]=$SEALED_SECRETS_VERSION
  [external-secrets]=$EXTERNAL_SECRETS_VERSION
  [coredns]=$COREDNS_VERSION
)
PIECES=(etcd kubernetes coredns kwok pulumi pulumi-kubernetes docker-build sealed-secrets external-secrets)

# The directory a piece's binaries live in: version plus a hash of its wrapper
# files, so editing a wrapper (or versions.env) never reuses a stale build.
piece_dir() {
  local piece=$1 hash
  hash=$( (cat "$here/versions.env"; declare -f "build_$piece"; find "$here/$piece" -type f -print0 | sort -z | xargs -0 cat) | sha256sum | cut -c1-12)
  echo "$TOOLCHAIN_CACHE/bin/$piece-${VERSION_OF[$piece]}-$hash"
}

# Fails with the module, the version and what to try.
build_failed() { # piece module version
  tdie "building $1 failed: module $2@$3 (log above). Try: check the Go module proxy answers 'go list -m -json $2@$3'; delete $TOOLCHAIN_CACHE/go/build if the build cache is damaged; or run scripts/cluster/toolchain/update-wrappers.sh $1 after changing versions.env."
}

go_build() { # piece module version out pkg [ldflags]
  local piece=$1 module=$2 version=$3 out=$4 pkg=$5 ldflags=${6:-}
  tlog "building $(basename "$out") ($module@$version), $(elapsed) so far"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$pkg" || build_failed "$piece" "$module" "$version"
}

build_etcd() {
  local out=$1
  (cd "$here/etcd" && go_build etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$out/etcd" .)
}

build_kubernetes() {
  local out=$1 v=$KUBERNETES_VERSION major minor flags cmd src
  major=${v#v}; major=${major%%.*}
  minor=${v#v*.}; minor=${minor%%.*}
  # Unstamped, /version says v0.0.0 and clients pick the wrong behaviour.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    (cd "$here/kubernetes" && go_build kubernetes k8s.io/kubernetes "$v" "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd" "$flags")
  done
  # The pod sandbox's pause binary, from the same module's C source: no image can be pulled here.
  src=$(cd "$here/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes) || build_failed kubernetes k8s.io/kubernetes "$v"
  tlog "building pause (k8s.io/kubernetes@$v build/pause/linux/pause.c)"
  gcc -Os -static -o "$out/pause" "$src/build/pause/linux/pause.c" || build_failed kubernetes k8s.io/kubernetes "$v"
  strip "$out/pause"
}

build_coredns() {
  local out=$1
  (cd "$here/coredns" && go_build coredns github.com/coredns/coredns "$COREDNS_VERSION" "$out/coredns" .)
}

build_kwok() {
  local out=$1 cmd
  for cmd in kwok kwokctl; do
    (cd "$here/kwok" && go_build kwok sigs.k8s.io/kwok "$KWOK_VERSION" "$out/$cmd" "sigs.k8s.io/kwok/cmd/$cmd" \
      "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION#v}")
  done
}

build_pulumi() {
  local out=$1
  # The Node Automation API parses `pulumi version`: it must be stamped.
  (cd "$here/pulumi" && go_build pulumi github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" "$out/pulumi" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION")
}

build_pulumi-kubernetes() {
  local out=$1 module=github.com/pulumi/pulumi-kubernetes/provider/v4 src work
  # main.go embeds files that upstream generates from the committed schema.json
  # (git-ignored there): copy the main package next to the wrapper's go.mod in
  # a scratch directory of the cache, generate them, build.
  # `go list -m` names a module's directory only once it is downloaded: on a cold cache, download first.
  src=$(cd "$here/pulumi-kubernetes" && go mod download "$module" && go list -m -f '{{.Dir}}' "$module") || src=
  [[ -n $src ]] || build_failed pulumi-kubernetes "$module" "$PULUMI_KUBERNETES_MODULE_VERSION"
  src+=/cmd/pulumi-resource-kubernetes
  work=$TOOLCHAIN_CACHE/work/pulumi-kubernetes
  rm -rf "$work" && mkdir -p "$work"
  cp "$here/pulumi-kubernetes/go.mod" "$here/pulumi-kubernetes/go.sum" "$work/"
  cp "$src"/{main.go,generate.go,schema.json,terraform-mapping.json} "$work/"
  chmod -R u+w "$work"
  tlog "generating the provider's embedded schema (version $PULUMI_KUBERNETES_VERSION)"
  (cd "$work" && VERSION=$PULUMI_KUBERNETES_VERSION go run generate.go) || build_failed pulumi-kubernetes "$module" "$PULUMI_KUBERNETES_MODULE_VERSION"
  (cd "$work" && go_build pulumi-kubernetes "$module" "$PULUMI_KUBERNETES_MODULE_VERSION" "$out/pulumi-resource-kubernetes" . \
    "-X $module/pkg/version.Version=$PULUMI_KUBERNETES_VERSION")
  rm -rf "$work"
}

build_docker-build() {
  local out=$1 module=github.com/pulumi/pulumi-docker-build buildx
  (cd "$here/docker-build" && go_build docker-build "$module" "$PULUMI_DOCKER_BUILD_VERSION" "$out/pulumi-resource-docker-build" \
    "$module/provider/cmd/pulumi-resource-docker-build" "-X $module/provider.Version=${PULUMI_DOCKER_BUILD_VERSION#v}")
  # The provider's own BuildKit client speaks only to docker-container, kubernetes and remote
  # builders, which need a BuildKit image that cannot be pulled here; with `exec: true` it runs
  # the docker-buildx CLI plugin instead, which also drives the Docker engine's own BuildKit.
  # Built at the buildx version the provider itself links.
  buildx=$(cd "$here/docker-build" && go list -m -f '{{.Version}}' github.com/docker/buildx)
  (cd "$here/docker-build" && go_build docker-build github.com/docker/buildx "$buildx" "$out/docker-buildx" \
    github.com/docker/buildx/cmd/buildx "-X github.com/docker/buildx/version.Version=$buildx -X github.com/docker/buildx/version.Package=github.com/docker/buildx")
}

build_sealed-secrets() {
  local out=$1 module=github.com/bitnami-labs/sealed-secrets cmd src
  for cmd in controller kubeseal; do
    (cd "$here/sealed-secrets" && go_build sealed-secrets "$module" "$SEALED_SECRETS_VERSION" "$out/$cmd" "$module/cmd/$cmd" \
      "-X main.VERSION=$SEALED_SECRETS_VERSION")
  done
  # The CRD the controller serves, from the same module (into the cache, never into the clone).
  src=$(cd "$here/sealed-secrets" && go list -m -f '{{.Dir}}' "$module") || build_failed sealed-secrets "$module" "$SEALED_SECRETS_VERSION"
  cp "$src/helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml" "$out/sealedsecrets-crd.yaml"
  chmod u+w "$out/sealedsecrets-crd.yaml"
}

build_external-secrets() {
  local out=$1 module=github.com/external-secrets/external-secrets src work
  # Built as the main module (its go.mod and go.sum), from a writable copy of the module.
  src=$(cd "$here/external-secrets" && go mod download -json "$module@$EXTERNAL_SECRETS_VERSION" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))') || src=
  [[ -n $src ]] || build_failed external-secrets "$module" "$EXTERNAL_SECRETS_VERSION"
  work=$TOOLCHAIN_CACHE/work/external-secrets
  rm -rf "$work" && mkdir -p "$(dirname "$work")" && cp -r "$src" "$work" && chmod -R u+w "$work"
  (cd "$work" && go_build external-secrets "$module" "$EXTERNAL_SECRETS_VERSION" "$out/external-secrets" .)
  # The CRDs the operator serves, from the same module (into the cache, never into the clone).
  mkdir -p "$out/crds" && cp "$work"/config/crds/bases/*.yaml "$out/crds/"
  rm -rf "$work"
}

missing=()
for piece in "${PIECES[@]}"; do
  [[ -f $(piece_dir "$piece")/.complete ]] || missing+=("$piece")
done

if [[ $mode == check ]]; then
  ((${#missing[@]} == 0)) || { tlog "not built yet: ${missing[*]}"; exit 1; }
  exit 0
fi

if ((${#missing[@]})); then
  # One build at a time per cache: a second caller waits, then finds the pieces built.
  mkdir -p "$TOOLCHAIN_CACHE"
  exec 9>"$TOOLCHAIN_CACHE/.build.lock"
  if ! flock -n 9; then
    tlog "another build of this toolchain is running; waiting for it"
    flock 9
  fi
  missing=()
  for piece in "${PIECES[@]}"; do
    [[ -f $(piece_dir "$piece")/.complete ]] || missing+=("$piece")
  done
fi

if ((${#missing[@]})); then
  toolchain_go_env
  tlog "cache: $TOOLCHAIN_CACHE; to build: ${missing[*]}"
  for piece in "${missing[@]}"; do
    dir=$(piece_dir "$piece")
    rm -rf "$TOOLCHAIN_CACHE/bin/$piece-"*.partial && mkdir -p "$dir.partial"
    "build_$piece" "$dir.partial"
    touch "$dir.partial/.complete"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    cpu_so_far
    tlog "$piece ${VERSION_OF[$piece]} ready, $(elapsed) so far, $CPU_SO_FAR CPU-seconds so far, load $(load_now)"
  done
  tlog "toolchain built in $(elapsed)"
fi

if [[ $mode == print ]]; then
  echo "TOOLCHAIN_ETCD=$(piece_dir etcd)/etcd"
  k=$(piece_dir kubernetes)
  echo "TOOLCHAIN_KUBE_APISERVER=$k/kube-apiserver"
  echo "TOOLCHAIN_KUBE_CONTROLLER_MANAGER=$k/kube-controller-manager"
  echo "TOOLCHAIN_KUBE_SCHEDULER=$k/kube-scheduler"
  echo "TOOLCHAIN_KUBECTL=$k/kubectl"
  echo "TOOLCHAIN_KUBELET=$k/kubelet"
  echo "TOOLCHAIN_KUBE_PROXY=$k/kube-proxy"
  echo "TOOLCHAIN_PAUSE=$k/pause"
  echo "TOOLCHAIN_COREDNS=$(piece_dir coredns)/coredns"
  k=$(piece_dir kwok)
  echo "TOOLCHAIN_KWOK=$k/kwok"
  echo "TOOLCHAIN_KWOKCTL=$k/kwokctl"
  echo "TOOLCHAIN_PULUMI=$(piece_dir pulumi)/pulumi"
  echo "TOOLCHAIN_PULUMI_KUBERNETES=$(piece_dir pulumi-kubernetes)/pulumi-resource-kubernetes"
  echo "TOOLCHAIN_PULUMI_DOCKER_BUILD=$(piece_dir docker-build)/pulumi-resource-docker-build"
  echo "TOOLCHAIN_DOCKER_BUILDX=$(piece_dir docker-build)/docker-buildx"
  k=$(piece_dir sealed-secrets)
  echo "TOOLCHAIN_SEALED_SECRETS_CONTROLLER=$k/controller"
  echo "TOOLCHAIN_KUBESEAL=$k/kubeseal"
  echo "TOOLCHAIN_SEALED_SECRETS_CRD=$k/sealedsecrets-crd.yaml"
  k=$(piece_dir external-secrets)
  echo "TOOLCHAIN_EXTERNAL_SECRETS=$k/external-secrets"
  echo "TOOLCHAIN_EXTERNAL_SECRETS_CRDS=$k/crds"
fi

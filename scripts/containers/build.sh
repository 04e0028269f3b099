# Builds every service image with BuildKit, pushes it to the private registry
# and reads its digest back from the registry; sourced.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The CA bundle npm needs inside a build; passed as a BuildKit secret only.
NPM_CA_FILE=${TASKNOTE_NPM_CA:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}

# Builds run on the host network (the engine has no bridge). Names this machine
# resolves through /etc/hosts (the npm registry here) are not in a build
# container's own hosts file, so they are passed on.
_build_host_args() {
  local registry_host ip
  registry_host=$(npm config get registry 2>/dev/null | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
  ip=$(getent -s files hosts "$registry_host" | awk 'NR == 1 { print $1 }')
  [[ -z $ip ]] || echo "--add-host=$registry_host:$ip"
}

# image_build <service> <ref> <context-dir> [<log>]: prints the build's
# milliseconds; BuildKit's plain progress (with each step's time) goes to <log>.
image_build() {
  local service=$1 ref=$2 context=$3 log=${4:-} started args=()
  [[ -n $log ]] || log=$(mktemp "${ENGINE_STATE:-/tmp}/build-$service.XXXXXX.log")
  [[ -s $NPM_CA_FILE ]] && args+=(--secret "id=npm_ca,src=$NPM_CA_FILE")
  mapfile -t -O "${#args[@]}" args < <(_build_host_args)
  started=$(now_ms)
  if ! docker_cli build \
    --network host \
    --progress plain \
    --build-arg "NODE_IMAGE=$BASE_IMAGE" \
    --build-arg "SERVICE=$service" \
    --file "$DOCKERFILE" \
    --tag "$ref" \
    "${args[@]}" \
    "$context" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "building $ref failed (last lines above)"
  fi
  echo $(($(now_ms) - started))
}

# The digest the registry itself reports for a tag (Docker-Content-Digest).
registry_digest() {
  local repository=$1 tag=$2
  curl -fsS -o /dev/null -D - \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    --head "http://$REGISTRY/v2/$repository/manifests/$tag" |
    tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }'
}

# image_push <ref>: pushes and prints the registry's digest, after checking
# that it is the one the engine recorded for the push.
image_push() {
  local ref=$1 name=${1#*/} repository tag digest pushed
  repository=${name%:*}
  tag=${name##*:}
  docker_cli push "$ref" >/dev/null || die "pushing $ref to $REGISTRY failed"
  digest=$(registry_digest "$repository" "$tag")
  [[ $digest == sha256:* ]] || die "the registry returned no Docker-Content-Digest for $repository:$tag"
  pushed=$(docker_cli image inspect --format '{{join .RepoDigests " "}}' "$ref")
  [[ " $pushed " == *" $REGISTRY/$repository@$digest "* ]] ||
    die "registry digest $digest of $ref differs from the engine's ($pushed)"
  echo "$digest"
}

# A copy of the build context with a code-only change in one service, to
# time what a developer's edit-and-rebuild of that service costs without
# touching the tree: code_change_context <service> <round>, each round a
# change of its own.
code_change_context() {
  local service=$1 round=$2 dir
  dir=$(mktemp -d "${ENGINE_STATE:-/tmp}/context.XXXXXX")
  tar -C "$REPO_ROOT" --exclude=node_modules --exclude=dist \
    -cf - .dockerignore package.json package-lock.json tsconfig.json services scripts/containers/prod-closure.js scripts/containers/transpile.js |
    tar -C "$dir" -xf -
  printf '\n// code-only change %s made by scripts/containers/build.sh at %s\n' "$round" "$(date -u +%FT%TZ)" \
    >>"$dir/services/$service/src/main.ts"
  echo "$dir"
}

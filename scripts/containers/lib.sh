# Helpers shared by the container scripts; sourced, never run.

# Debian's docker.io client, same version as its dockerd. A client found
# earlier on PATH may be a newer one that needs the buildx plugin for BuildKit,
# which Debian bookworm does not package.
DOCKER_BIN=${TASKNOTE_DOCKER_BIN:-/usr/bin/docker}

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

# Milliseconds since the epoch; bash's EPOCHREALTIME avoids a fork per reading.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

docker_cli() { DOCKER_BUILDKIT=1 "$DOCKER_BIN" "$@"; }

# A TCP port that is free on 127.0.0.1 right now (the kernel picks it).
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"
}

# The one Dockerfile of every service image (--build-arg SERVICE=<name>).
DOCKERFILE=$REPO_ROOT/services/Dockerfile

# The Node image the Dockerfile defaults to, read from its ARG so that the
# offline base always has the same Node major as a build without overrides.
default_node_image() {
  local dockerfile=$DOCKERFILE line
  line=$(grep -m1 -E '^ARG NODE_IMAGE=' "$dockerfile") || die "no 'ARG NODE_IMAGE=<image>' default in $dockerfile"
  echo "${line#ARG NODE_IMAGE=}"
}

# node:24-bookworm-slim -> 24
node_major_of() {
  local tag=${1#*:}
  [[ $tag =~ ^([0-9]+)[.-] || $tag =~ ^([0-9]+)$ ]] || die "cannot read a Node major from image '$1' (expected node:<major>-...)"
  echo "${BASH_REMATCH[1]}"
}

# The services that get an image: every `FROM runtime AS svc-<name>` stage of
# the Dockerfile whose services/<name> exists.
service_names() {
  local name
  while read -r name; do
    [[ -d $REPO_ROOT/services/$name ]] || die "$DOCKERFILE has a stage svc-$name but there is no services/$name"
    echo "$name"
  done < <(sed -nE 's/^FROM[[:space:]]+runtime[[:space:]]+AS[[:space:]]+svc-([a-z0-9-]+)[[:space:]]*$/\1/p' "$DOCKERFILE")
}

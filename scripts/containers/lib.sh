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

# The Node image the Dockerfiles default to, read from their ARG so that the
# offline base always has the same Node major as a build without overrides.
default_node_image() {
  local dockerfile=$REPO_ROOT/services/api/Dockerfile line
  line=$(grep -m1 -E '^ARG NODE_IMAGE=' "$dockerfile") || die "no 'ARG NODE_IMAGE=<image>' default in $dockerfile"
  echo "${line#ARG NODE_IMAGE=}"
}

# node:24-bookworm-slim -> 24
node_major_of() {
  local tag=${1#*:}
  [[ $tag =~ ^([0-9]+)[.-] || $tag =~ ^([0-9]+)$ ]] || die "cannot read a Node major from image '$1' (expected node:<major>-...)"
  echo "${BASH_REMATCH[1]}"
}

# The services that get an image: every services/<name>/Dockerfile.
service_names() {
  local f
  for f in "$REPO_ROOT"/services/*/Dockerfile; do
    [[ -e $f ]] || continue
    basename "$(dirname "$f")"
  done
}

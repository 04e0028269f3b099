#!/usr/bin/env bash
# The fuzz lane against the built api image, under its dev manifest's security context (read-only
# root and the rest): builds and pushes the image with the images lane's engine (scripts/containers),
# then runs scripts/fuzz/image.ts. Uses the engine and registry like the image lane: do not run it beside another lane
# (scripts/fuzz/lane.sh does). Where the engine cannot run it says why and exits 0, except under CI
# (CI=true) or TASKNOTE_IMAGES_REQUIRED=1, where that is a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
containers=$here/../containers
# shellcheck source=../containers/engine.sh
source "$containers/engine.sh"
# shellcheck source=../containers/base-image.sh
source "$containers/base-image.sh"
# shellcheck source=../containers/build.sh
source "$containers/build.sh"

if reason=$(engine_unavailable_reason); then
  if [[ ${TASKNOTE_IMAGES_REQUIRED:-0} == 1 || ${CI:-} == true ]]; then die "fuzz against the image cannot run: $reason"; fi
  log "fuzz against the image skipped: $reason"
  exit 0
fi

st=$(bash "$here/ensure-schemathesis.sh")
engine_install
trap engine_stop EXIT
trap 'exit 130' INT TERM
engine_start
base_image_ensure

cd "$REPO_ROOT"
if [[ ! -d dist/dev ]]; then
  log 'dist/dev is missing: synthesizing it'
  npm run --silent synth -- --env dev >/dev/null
fi
ref=$REGISTRY/tasknote-api:fuzz-$(git rev-parse --short=12 HEAD 2>/dev/null || echo local)
log "building $ref"
build_ms=$(image_build api "$ref" "$REPO_ROOT")
digest=$(image_push "$ref")
log "built in ${build_ms} ms, pushed $REGISTRY/tasknote-api@$digest"
TASKNOTE_DOCKER_BIN=$DOCKER_BIN node --import tsx "$here/image.ts" --st "$st" --image "$REGISTRY/tasknote-api@$digest" "$@"

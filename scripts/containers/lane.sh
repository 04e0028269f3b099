#!/usr/bin/env bash
# The images lane of CI: builds, pushes and runs every service image under
# its dev manifest's constraints, then prints the image report.
#
#   bash scripts/containers/lane.sh
#
# Where this machine cannot run the engine (not root, no cgroups, no apt-get),
# it says why and exits 0 on a laptop; under CI (CI=true) or with
# TASKNOTE_IMAGES_REQUIRED=1 that is a failure: a lane that cannot run fails.
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=engine.sh
source "$here/engine.sh"
# shellcheck source=base-image.sh
source "$here/base-image.sh"
# shellcheck source=build.sh
source "$here/build.sh"

if reason=$(engine_unavailable_reason); then
  if [[ ${TASKNOTE_IMAGES_REQUIRED:-0} == 1 || ${CI:-} == true ]]; then die "images lane cannot run: $reason"; fi
  log "skipped: $reason"
  exit 0
fi

lane_started=$(now_ms)
engine_install
trap engine_stop EXIT
trap 'exit 130' INT TERM
engine_start

started=$(now_ms)
base_image_ensure
base_ms=$(($(now_ms) - started))

cd "$REPO_ROOT"
if [[ ! -d dist/dev ]]; then
  log 'dist/dev is missing: synthesizing it'
  npm run --silent synth -- --env dev >/dev/null
fi

tag=$(git rev-parse --short=12 HEAD 2>/dev/null || echo local)
record=$ENGINE_STATE/images.json
echo '[]' >"$record"

mapfile -t services < <(service_names)
((${#services[@]})) || die "no 'FROM runtime AS svc-<name>' stage in $DOCKERFILE"

# Each image in turn: a cold build, then code-only rebuilds. Cold means an
# empty BuildKit cache, layers and cache mounts (the npm cache) alike: it is
# emptied before each image, so that no image's cold build is helped by one
# built before it. Only the imported base is there. The rebuilds follow a
# code-only change in that service, in WARM_ROUNDS rounds of a change each
# (the report takes the median round).
WARM_ROUNDS=${TASKNOTE_WARM_ROUNDS:-3}
for service in "${services[@]}"; do
  repository=tasknote-$service
  ref=$REGISTRY/$repository:$tag
  docker_cli builder prune --all --force >/dev/null || die 'emptying the BuildKit cache failed'
  log "building $ref (cold)"
  cold_ms=$(image_build "$service" "$ref" "$REPO_ROOT" "$ENGINE_STATE/cold-$service.log")
  digest=$(image_push "$ref")
  log "pushed $REGISTRY/$repository@$digest"
  node -e '
    const fs = require("fs");
    const [file, service, repository, ref, digest, coldMs, coldLog] = process.argv.slice(1);
    const all = JSON.parse(fs.readFileSync(file, "utf8"));
    all.push({ service, repository, ref, digest, coldMs: Number(coldMs), coldLog });
    fs.writeFileSync(file, JSON.stringify(all, null, 2));
  ' "$record" "$service" "$repository" "$ref" "$digest" "$cold_ms" "$ENGINE_STATE/cold-$service.log"

  for ((round = 1; round <= WARM_ROUNDS; round++)); do
    log "rebuilding $repository after a code-only change (warm, round $round of $WARM_ROUNDS)"
    context=$(code_change_context "$service" "$round")
    build_log=$ENGINE_STATE/warm-$service-$round.log
    warm_ms=$(image_build "$service" "$repository:code-change" "$context" "$build_log")
    rm -rf "$context"
    node -e '
      const fs = require("fs");
      const [file, service, warmMs, buildLog] = process.argv.slice(1);
      const all = JSON.parse(fs.readFileSync(file, "utf8"));
      const image = all.find((i) => i.service === service);
      (image.warm ??= []).push({ ms: Number(warmMs), log: buildLog });
      fs.writeFileSync(file, JSON.stringify(all, null, 2));
    ' "$record" "$service" "$warm_ms" "$build_log"
  done
done

export TASKNOTE_IMAGES_RECORD=$record TASKNOTE_IMAGES_BASE=$BASE_IMAGE TASKNOTE_DOCKER_BIN=$DOCKER_BIN
test_status=0
npx jest --config test/images/jest.config.js || test_status=$?

TASKNOTE_LANE_MS=$(($(now_ms) - lane_started)) TASKNOTE_BASE_MS=$base_ms \
  npx tsx scripts/containers/report.ts
exit "$test_status"

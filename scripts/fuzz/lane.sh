#!/usr/bin/env bash
# The fuzz lane (npm run test:fuzz): schemathesis, pinned, from PyPI, in a venv outside the clone,
# as two users and the admin, bounded, failing on any finding:
#   1. against the API as a process (serve), with real PostgreSQL and Redis;
#   2. against the built api image under its dev manifest's security context (read-only root),
#      through the images lane's engine, which, like the other lanes, must not run beside another lane.
# TASKNOTE_FUZZ_LOCAL_ONLY=1 skips the second part on a laptop; under CI=true it is refused.
#
#   bash scripts/fuzz/lane.sh [run.ts options, for part 1]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
bash scripts/ensure-test-deps.sh
st=$(bash "$here/ensure-schemathesis.sh")
status=0
printf '\n--- fuzz: the API as a process ---\n'
node --import tsx "$here/run.ts" --st "$st" "$@" || status=$?
if [[ ${TASKNOTE_FUZZ_LOCAL_ONLY:-0} == 1 ]]; then
  if [[ ${CI:-} == true ]]; then echo 'fuzz: TASKNOTE_FUZZ_LOCAL_ONLY is not allowed under CI: the image part must run' >&2; exit 1; fi
  echo 'fuzz: the image part skipped (TASKNOTE_FUZZ_LOCAL_ONLY=1)'
  exit "$status"
fi
printf '\n--- fuzz: the api image under its dev manifest ---\n'
bash "$here/image.sh" || status=$?
exit "$status"

#!/usr/bin/env bash
# The fuzz lane: schemathesis (pinned, from PyPI, in a venv outside the clone) against a real API
# with real PostgreSQL and Redis, as two users and the admin. Bounded; fails on any finding.
#
#   bash scripts/fuzz/lane.sh [run.ts options]      (npm run test:fuzz)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
bash scripts/ensure-test-deps.sh
st=$(bash "$here/ensure-schemathesis.sh")
exec node --import tsx "$here/run.ts" --st "$st" "$@"

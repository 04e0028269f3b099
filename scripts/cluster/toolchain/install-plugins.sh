#!/usr/bin/env bash
# Installs the built Pulumi providers into PULUMI_HOME (default ~/.pulumi) at the exact versions
# the npm SDKs name, so the engine never tries to download them, and the docker-buildx CLI
# plugin into DOCKER_CONFIG (default ~/.docker) when Docker has none. Builds what is missing first.
#
#   bash scripts/cluster/toolchain/install-plugins.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

while IFS= read -r line; do
  [[ $line == TOOLCHAIN_*=* ]] && export "${line?}"
done < <(bash "$here/build.sh" --print-env)

export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
installed=$("$TOOLCHAIN_PULUMI" plugin ls --json 2>/dev/null || echo '[]')
install() { # name version binary
  if node -e 'const [l, n, v] = process.argv.slice(1); process.exit(JSON.parse(l).some((p) => p.name === n && p.version === v) ? 0 : 1)' "$installed" "$1" "$2"; then
    return 0
  fi
  tlog "installing the $1 provider $2 into ${PULUMI_HOME:-$HOME/.pulumi}"
  "$TOOLCHAIN_PULUMI" plugin install resource "$1" "$2" --file "$3" >/dev/null ||
    tdie "pulumi plugin install resource $1 $2 --file $3 failed"
}
install kubernetes "$PULUMI_KUBERNETES_VERSION" "$TOOLCHAIN_PULUMI_KUBERNETES"
install docker-build "${PULUMI_DOCKER_BUILD_VERSION#v}" "$TOOLCHAIN_PULUMI_DOCKER_BUILD"

# Image builds run `docker buildx` (deploy/components/service-images.ts); Docker Desktop ships it,
# Debian's docker.io does not.
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
if ! docker buildx version >/dev/null 2>&1; then
  mkdir -p "$plugins"
  ln -sf "$TOOLCHAIN_DOCKER_BUILDX" "$plugins/docker-buildx"
  tlog "installed docker-buildx into $plugins"
fi

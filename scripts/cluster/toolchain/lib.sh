# Helpers shared by the toolchain scripts; sourced, never run.
TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$TOOLCHAIN_DIR/versions.env"
# shellcheck source=sealed-secrets/version.env
source "$TOOLCHAIN_DIR/sealed-secrets/version.env"
# shellcheck source=external-secrets/version.env
source "$TOOLCHAIN_DIR/external-secrets/version.env"
# shellcheck source=coredns/version.env
source "$TOOLCHAIN_DIR/coredns/version.env"

# Everything built lives outside the clone. TASKNOTE_TOOLCHAIN_CACHE moves it.
TOOLCHAIN_CACHE=${TASKNOTE_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tasknote-toolchain}

tlog() { printf '[toolchain] %s\n' "$*" >&2; }
tdie() { printf '[toolchain] error: %s\n' "$*" >&2; exit 1; }

# Module and build caches are shared by every toolchain version: they are
# content-addressed, so sharing them only saves work.
toolchain_go_env() {
  command -v go >/dev/null || tdie 'go is not on PATH: install Go 1.24 or newer (Debian: apt-get install golang-go, or the Go toolchain from go.dev)'
  export GOMODCACHE=$TOOLCHAIN_CACHE/go/mod GOCACHE=$TOOLCHAIN_CACHE/go/build
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPATH=$TOOLCHAIN_CACHE/go/path
}

# A private Docker engine and image registry, on loopback only; sourced.
#
# dockerd gets its data-root, exec-root, pidfile and unix socket inside one
# state directory and no TCP socket; the registry listens on 127.0.0.1 only.
# Both are stopped by PID and the state directory (with any overlay mounts
# left under it) is removed by engine_stop, which callers put in an EXIT trap.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENGINE_STATE=''
DOCKERD_PID=''
REGISTRY_PID=''

# Prints why this machine cannot run the engine and returns 1, or returns 0.
engine_unavailable_reason() {
  if [[ $(id -u) -ne 0 ]]; then
    echo 'not root: dockerd needs root to mount overlays and create namespaces'
    return 0
  fi
  if [[ ! -d /sys/fs/cgroup ]]; then
    echo 'no /sys/fs/cgroup: containers cannot be confined'
    return 0
  fi
  if ! command -v dockerd >/dev/null || ! command -v docker-registry >/dev/null || [[ ! -x $DOCKER_BIN ]]; then
    if ! command -v apt-get >/dev/null; then
      echo 'dockerd or docker-registry missing and no apt-get to install them'
      return 0
    fi
  fi
  return 1
}

engine_install() {
  local missing=()
  command -v dockerd >/dev/null && [[ -x $DOCKER_BIN ]] || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  # The lane also needs these: digests over HTTP, and the contract test's Redis.
  command -v curl >/dev/null || missing+=(curl)
  command -v redis-server >/dev/null || missing+=(redis-server)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} with apt-get"
  # Other apt users on the machine hold dpkg's lock for a while: wait, don't fail.
  local apt=(apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
  # The packages enable system services; with no init system here they are not
  # started, and where they are, ours never touches their socket or data.
}

_wait_for() { # description, tries (x0.2s), command...
  local what=$1 tries=$2
  shift 2
  local i
  for ((i = 0; i < tries; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

engine_start() {
  ENGINE_STATE=$(mktemp -d /tmp/tasknote-images.XXXXXX)
  mkdir -p "$ENGINE_STATE"/{data,exec,registry}
  export DOCKER_HOST=unix://$ENGINE_STATE/docker.sock

  local driver_args=()
  [[ -n ${TASKNOTE_DOCKER_STORAGE_DRIVER:-} ]] && driver_args=(--storage-driver "$TASKNOTE_DOCKER_STORAGE_DRIVER")
  # No bridge and no iptables rules: builds and containers use the host
  # network, so nothing is NATed and no docker0 appears on the machine.
  dockerd \
    --host "$DOCKER_HOST" \
    --data-root "$ENGINE_STATE/data" \
    --exec-root "$ENGINE_STATE/exec" \
    --pidfile "$ENGINE_STATE/dockerd.pid" \
    --bridge none --iptables=false --ip-forward=false --ip-masq=false \
    --userland-proxy=false \
    --log-level warn \
    "${driver_args[@]}" \
    >"$ENGINE_STATE/dockerd.log" 2>&1 &
  DOCKERD_PID=$!

  # A fixed port when the caller needs one (the cluster lane's dev registry is localhost:5001).
  local port=${TASKNOTE_REGISTRY_PORT:-}
  if [[ -n $port ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port (TASKNOTE_REGISTRY_PORT) is taken by another program: stop it (a kind registry?) or choose another port"
  fi
  [[ -n $port ]] || port=$(free_port)
  cat >"$ENGINE_STATE/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $ENGINE_STATE/registry/data
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$ENGINE_STATE/registry/config.yml" >"$ENGINE_STATE/registry.log" 2>&1 &
  REGISTRY_PID=$!
  # Docker treats 127.0.0.0/8 registries as plain HTTP without configuration.
  export REGISTRY=127.0.0.1:$port

  if ! _wait_for dockerd 150 docker_cli version; then
    tail -n 20 "$ENGINE_STATE/dockerd.log" >&2
    die 'dockerd did not answer on its socket within 30 s (log above)'
  fi
  if ! _wait_for registry 50 curl -fsS "http://$REGISTRY/v2/"; then
    tail -n 20 "$ENGINE_STATE/registry.log" >&2
    die "the registry did not answer on $REGISTRY within 10 s (log above)"
  fi
  ENGINE_STORAGE_DRIVER=$(docker_cli info --format '{{.Driver}}')
  log "engine up: dockerd pid $DOCKERD_PID ($ENGINE_STORAGE_DRIVER), registry pid $REGISTRY_PID on $REGISTRY"
}

_stop_pid() { # pid, name, seconds
  local pid=$1 name=$2 seconds=$3 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name (pid $pid) ignored SIGTERM for ${seconds} s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

engine_stop() {
  [[ -n $ENGINE_STATE ]] || return 0
  if [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    local ids
    ids=$(docker_cli ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086 # one id per word
    [[ -z $ids ]] || docker_cli rm -f $ids >/dev/null 2>&1 || true
  fi
  _stop_pid "$REGISTRY_PID" registry 5
  _stop_pid "$DOCKERD_PID" dockerd 20
  # dockerd unmounts its layers when it stops cleanly; after a kill, overlay
  # and shm mounts stay behind and rm would fail on them.
  local mnt
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v p="$ENGINE_STATE/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf "$ENGINE_STATE"
  log "engine stopped; removed $ENGINE_STATE"
  ENGINE_STATE=''
}

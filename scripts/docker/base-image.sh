#!/usr/bin/env bash
# Makes the image docker/Dockerfile starts FROM (its NODE_IMAGE default, node:20-bookworm-slim)
# without an image registry, in the engine DOCKER_HOST names: a Debian bookworm minbase root made
# by debootstrap from this machine's apt mirror, with this machine's node and npm in /usr/local
# and its CA bundle (TLS to the npm registry may need a CA only this machine trusts), then
# `docker import`. The root tarball is cached in $SKVD_CACHE and reused while node's version is
# the same. Run by scripts/docker/check.sh, as root.
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh
source "$(dirname "$0")/lib.sh"

tag="$(sed -n 's/^ARG NODE_IMAGE=//p' "$SKVD_ROOT/docker/Dockerfile" | head -n 1)"
[[ -n "$tag" ]] || skvd_die "docker/Dockerfile has no 'ARG NODE_IMAGE=' default"
if docker image inspect "$tag" >/dev/null 2>&1; then
  skvd_log "base image $tag: already in the engine"
  exit 0
fi

node_bin="$(command -v node)"
node_version="$("$node_bin" --version)"
want_major="$(sed -n 's/^node:\([0-9]*\).*/\1/p' <<<"$tag")"
[[ -z "$want_major" || "$node_version" == "v$want_major."* ]] ||
  skvd_die "the Dockerfile wants node $want_major ($tag); this machine has $node_version"
npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
[[ -f "$npm_dir/package.json" ]] || skvd_die "cannot find npm's directory (from $(command -v npm))"

# The mirror apt uses here: one-line sources.list or deb822 .sources.
mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" && $3 ~ /^bookworm$/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'tolower($1) == "uris:" { u = $2 } tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print u; exit } } /^$/ { u = "" }' "$f"
  done
}

tarball="$SKVD_CACHE/base-bookworm-node-$node_version.tar"
if [[ ! -s "$tarball" ]]; then
  url="$(mirror | head -n 1)"
  [[ -n "$url" ]] || skvd_die "no bookworm mirror in /etc/apt/sources.list{,.d}"
  mkdir -p "$SKVD_CACHE"
  rootfs="$(mktemp -d "$SKVD_CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  t0=$SECONDS
  skvd_log "debootstrap --variant=minbase bookworm from $url"
  debootstrap --variant=minbase bookworm "$rootfs" "$url" >"$SKVD_STATE/debootstrap.log" 2>&1 ||
    skvd_die "debootstrap failed: $(tail -n 20 "$SKVD_STATE/debootstrap.log")"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/etc/ssl/certs"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . >"$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  skvd_log "base root with node $node_version: $(du -m "$tarball" | cut -f1) MB in $((SECONDS - t0)) s (cached: $tarball)"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$tarball" "$tag" >/dev/null
skvd_log "base image $tag imported ($(docker run --rm "$tag" node --version), npm $(docker run --rm "$tag" npm --version))"

#!/bin/sh
# Container entrypoint: optional inter-region latency, then the swarmkv bin with the given arguments.
#
# Started as root (compose does this, with cap_add NET_ADMIN, so latency.sh can use tc), it drops to
# the unprivileged swarmkv user before running the node: the node itself never runs as root.
# Started as swarmkv (the image default), it runs the node directly.
set -eu

BIN=/app/bin/swarmkv.js

if [ -n "${SWARMKV_LATENCY_TO:-}" ]; then
  # Never fatal: latency is a test aid, the node starts either way.
  /app/docker/latency.sh || true
fi

if [ "$(id -u)" = 0 ]; then
  # A fresh bind-mounted /data may be owned by root; a named volume already belongs to swarmkv.
  if [ -d /data ] && [ "$(stat -c %u /data)" = 0 ] && [ -z "$(ls -A /data)" ]; then
    chown swarmkv:swarmkv /data
  fi
  # setuid away from 0 clears every capability, NET_ADMIN included.
  exec setpriv --reuid=swarmkv --regid=swarmkv --init-groups -- "$BIN" "$@"
fi
exec "$BIN" "$@"

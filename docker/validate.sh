#!/usr/bin/env bash
# Checks the Docker files without a Docker engine:
#   1. docker/compose.yaml with `docker-compose -f docker/compose.yaml config` (or `docker compose`)
#   2. docker/Dockerfile with dockerfile-utils (pinned); any warning counts as a failure
#   3. docker/*.sh with shellcheck, when it is installed
# Needs: docker-compose (Debian: apt-get install -y docker-compose) or the compose plugin, npx.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0

echo "== compose: docker/compose.yaml"
if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "no docker-compose nor docker compose plugin (Debian: apt-get install -y docker-compose)" >&2
  exit 2
fi
if out="$("${compose[@]}" -f docker/compose.yaml config 2>&1)"; then
  services="$(printf '%s\n' "$out" | awk '/^services:/ {s = 1; next} /^[^ ]/ {s = 0} s && /^  [a-z0-9-]+:$/ {print $1}' | tr -d ':' | tr '\n' ' ')"
  echo "ok: ${compose[*]} config (services: $services)"
else
  printf '%s\n' "$out" >&2
  echo "FAIL: ${compose[*]} config" >&2
  failed=1
fi

echo "== Dockerfile: docker/Dockerfile"
# npm's own warnings are not the Dockerfile's: under `pnpm test`, npm warns about the npm_config_*
# variables pnpm sets ("Unknown env config ...").
if out="$(npx -y dockerfile-utils@0.16.3 lint docker/Dockerfile 2>&1)" && out="$(grep -v '^npm warn ' <<<"$out" || true)" && [[ -z "$out" ]]; then
  echo "ok: dockerfile-utils lint (no errors, no warnings)"
else
  printf '%s\n' "$out" >&2
  echo "FAIL: dockerfile-utils lint" >&2
  failed=1
fi

echo "== shell: docker/*.sh"
if command -v shellcheck >/dev/null 2>&1; then
  if shellcheck docker/*.sh; then echo "ok: shellcheck"; else echo "FAIL: shellcheck" >&2; failed=1; fi
else
  echo "skipped: shellcheck not installed (Debian: apt-get install -y shellcheck)"
fi

exit "$failed"

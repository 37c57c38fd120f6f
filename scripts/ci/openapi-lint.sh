#!/usr/bin/env bash
# Lints the node's OpenAPI document with Redocly's recommended rules. Offline: the CLI is a pinned
# devDependency and reads only the file; telemetry and update checks are off.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node packages/cli/bin/swarmkv.js openapi > "$out/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint --format=stylish "$out/openapi.json" 2>&1 | grep -v -e '^\s*$' -e 'Node.js 2[02]' -e '║' -e '╔' -e '╚'

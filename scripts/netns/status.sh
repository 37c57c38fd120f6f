#!/usr/bin/env bash
# One line per process of the topology: pid, readiness, connected peers, digest.
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
ns_exists "$SKV_CORE_NS" || die "topology $SKV_PREFIX is not up"

printf '%-6s %-4s %-8s %-8s %-6s %-6s %s\n' NAME REG ROLE PID READY PEERS DIGEST
for name in "${SKV_ALL[@]}"; do
  pid="$(skv_pid "$name" || echo -)"
  if [[ "$name" == dht ]]; then
    printf '%-6s %-4s %-8s %-8s\n' dht core bootstrap "$pid"
    continue
  fi
  ready=no peers=- digest=-
  skv_curl "$name" /ready >/dev/null 2>&1 && ready=yes
  if cluster="$(skv_curl "$name" /cluster 2>/dev/null)"; then
    peers="$(json 'd.peers.filter((p) => p.connected).length' <<<"$cluster")"
  fi
  if dig="$(skv_curl "$name" /admin/digest 2>/dev/null)"; then
    digest="$(json 'd.digest.slice(0, 16) + " keys=" + d.keys' <<<"$dig")"
  fi
  printf '%-6s %-4s %-8s %-8s %-6s %-6s %s\n' "$name" "$(skv_region "$name")" "$(skv_role "$name")" \
    "$pid" "$ready" "$peers" "$digest"
done

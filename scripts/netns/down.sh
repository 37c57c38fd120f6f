#!/usr/bin/env bash
# Stops exactly the processes up.sh started (by recorded PID and start time) and deletes the
# namespaces and bridges. Idempotent. `--purge` also deletes the state dir (data, logs, secret).
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
require_cmds ip

purge=0
case "${1:-}" in
  --purge) purge=1 ;;
  "") ;;
  *) die "usage: down.sh [--purge]" ;;
esac

# The nodes together, then the bootstrap.
skv_stop TERM "${SKV_NODES[@]}"
skv_stop TERM dht
# The delay processes (NFQUEUE) run inside the node namespaces: stop them before deleting those.
for name in "${SKV_NODES[@]}"; do skv_wan del "$name"; done

for name in "${SKV_ALL[@]}" core; do
  ns="$(skv_ns "$name")"
  ns_exists "$ns" || continue
  # A process we did not record would keep the namespace alive after `ip netns del`: say so,
  # do not kill what we did not start.
  stray="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
  [[ -z "$stray" ]] || log "warning: processes still in $ns (not started by these scripts?): $stray"
  ip netns del "$ns"
  log "deleted namespace $ns"
done

if ((purge)) && [[ -d "$SKV_STATE" ]]; then
  rm -rf "$SKV_STATE"
  log "purged $SKV_STATE"
fi

#!/usr/bin/env bash
# Restores traffic: `heal.sh` removes every partition, `heal.sh A B` only the one between A and B.
# Idempotent.
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
require_cmds ip iptables

case $# in
  0)
    for name in "${SKV_ALL[@]}"; do
      ns="$(skv_ns "$name")"
      ns_exists "$ns" || continue
      ip netns exec "$ns" iptables -F "$SKV_CHAIN" 2>/dev/null || true
    done
    log "healed all partitions"
    ;;
  2)
    skv_part_apply del "$1" "$2"
    log "healed $1 <-> $2"
    ;;
  *) die "usage: heal.sh [A B]" ;;
esac

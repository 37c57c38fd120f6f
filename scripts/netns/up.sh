#!/usr/bin/env bash
# Brings up the two-region topology in network namespaces and starts every node (see lib.sh).
# Idempotent: what exists is kept, what is missing is made, nodes already running stay.
# On failure it tears down what it made (down.sh) and exits non-zero.
#
#   sudo scripts/netns/up.sh          # then: scripts/netns/status.sh
#
# Environment: SKV_NETNS_PREFIX (namespace prefix, default skv), SKV_NETNS_STATE (state dir:
# pids, logs, data, secret), SKV_NETNS_NET (first two octets, default 10.77), SKV_NETNS_FSYNC,
# SKV_NETNS_WAN_DELAY_MS (one-way delay between the regions, default 40; 0: none),
# SKV_NETNS_WAN_JITTER_MS (default 0), SKV_NETNS_WAN_MODE (auto, netem or nfqueue).
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
require_cmds ip iptables curl node setsid nsenter
[[ -f "$SKV_ROOT/packages/cli/dist/main.js" ]] || die "no build: run 'pnpm install && pnpm build' in $SKV_ROOT"

made_core=0
cleanup_on_failure() {
  local rc=$?
  if ((rc != 0)); then
    log "up failed (exit $rc): tearing down"
    if ((made_core)); then bash "$SKV_DIR/down.sh" || true; fi
  fi
}
trap cleanup_on_failure EXIT

ns_add() {
  ns_exists "$1" && return 0
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# ---- the core router: one bridge per subnet, forwarding between them ----
ns_exists "$SKV_CORE_NS" || made_core=1
ns_add "$SKV_CORE_NS"
ip netns exec "$SKV_CORE_NS" sysctl -qw net.ipv4.ip_forward=1
for region in core "${SKV_REGIONS[@]}"; do
  br="br-$region"
  if ! ip -n "$SKV_CORE_NS" link show "$br" >/dev/null 2>&1; then
    ip -n "$SKV_CORE_NS" link add "$br" type bridge
    ip -n "$SKV_CORE_NS" addr add "$(skv_gw_of_region "$region")/24" dev "$br"
  fi
  ip -n "$SKV_CORE_NS" link set "$br" up
done

# ---- one namespace per node, a veth to its region's bridge ----
for name in "${SKV_ALL[@]}"; do
  ns="$(skv_ns "$name")"
  region="$(skv_region "$name")"
  ns_add "$ns"
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    # Both ends are made in the core namespace, one moved straight into the node's: the root
    # namespace never sees them.
    ip -n "$SKV_CORE_NS" link del "v-$name" 2>/dev/null || true
    ip -n "$SKV_CORE_NS" link add "v-$name" type veth peer name eth0 netns "$ns"
    ip -n "$SKV_CORE_NS" link set "v-$name" master "br-$region" up
    ip -n "$ns" addr add "$(skv_ip "$name")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$(skv_gw_of_region "$region")"
  fi
done

# ---- inter-region delay, before any node starts (lib.sh: SKV_NETNS_WAN_DELAY_MS) ----
mkdir -p "$SKV_STATE"
for name in "${SKV_NODES[@]}"; do skv_wan add "$name"; done

# ---- state: pids, logs, data dirs, the cluster secret ----
mkdir -p "$SKV_STATE"/{pids,logs,data}
chmod 700 "$SKV_STATE"
if [[ ! -s "$SKV_STATE/secret" ]]; then
  (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SKV_STATE/secret")
fi

# ---- processes ----
skv_start dht
# The bootstrap speaks UDP only: wait for its "listening" line, bounded.
for ((i = 0; i < 100; i++)); do
  grep -q 'bootstrap listening' "$SKV_STATE/logs/dht.log" 2>/dev/null && break
  skv_pid dht >/dev/null || die "dht exited; see $SKV_STATE/logs/dht.log"
  sleep 0.1
done
grep -q 'bootstrap listening' "$SKV_STATE/logs/dht.log" || die "dht not listening after 10 s"

for name in "${SKV_NODES[@]}"; do skv_start "$name"; done
for name in "${SKV_NODES[@]}"; do skv_wait_ready "$name" 30; done

made_core=0
log "up: state in $SKV_STATE"
for name in "${SKV_ALL[@]}"; do
  if [[ "$name" == dht ]]; then
    printf '  %-6s %-4s %-8s udp://%s:%s\n' "$name" core bootstrap "$(skv_ip "$name")" "$SKV_DHT_PORT" >&2
  else
    printf '  %-6s %-4s %-8s %s\n' "$name" "$(skv_region "$name")" "$(skv_role "$name")" "$(skv_url "$name")" >&2
  fi
done
log "try: ip netns exec $SKV_CORE_NS curl -X PUT --data hi $(skv_url eu-m1)/kv/greeting"

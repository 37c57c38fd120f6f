# shellcheck shell=bash
# Shared by the scripts in scripts/netns/: the topology, names, state paths and helpers.
# Sourced, not run. Every script that sources it has `set -euo pipefail` and runs as root.
#
# Topology (one machine, Linux network namespaces, no Docker):
#
#   <prefix>-core   router namespace: bridges br-core 10.77.0.1/24, br-eu 10.77.1.1/24,
#                   br-us 10.77.2.1/24, IPv4 forwarding between them
#   <prefix>-dht    DHT bootstrap        10.77.0.10  udp 49737
#   <prefix>-eu-m1  master  region eu    10.77.1.11  http 7000, dht udp 49738
#   <prefix>-eu-m2  master  region eu    10.77.1.12
#   <prefix>-eu-r1  replica region eu    10.77.1.21
#   <prefix>-us-m1  master  region us    10.77.2.11
#   <prefix>-us-r1  replica region us    10.77.2.21
#
# Each node namespace has one veth (eth0) whose peer sits on its region's bridge in the core
# namespace. Nothing is added to the root namespace: reach a node with `skv_curl NODE PATH`, or
# `ip netns exec <prefix>-core curl http://10.77.1.11:7000/cluster`.

SKV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/proc.sh
source "$SKV_DIR/../lib/proc.sh"
SKV_ROOT="$(cd "$SKV_DIR/../.." && pwd)"
SKV_BIN="$SKV_ROOT/packages/cli/bin/swarmkv.js"

# Overridable, so two topologies can coexist (different prefix, net and state dir).
SKV_PREFIX="${SKV_NETNS_PREFIX:-skv}"
SKV_NET="${SKV_NETNS_NET:-10.77}"
SKV_STATE="${SKV_NETNS_STATE:-${TMPDIR:-/tmp}/swarmkv-netns-$SKV_PREFIX}"
SKV_CLUSTER="${SKV_NETNS_CLUSTER:-netns}"
SKV_FSYNC="${SKV_NETNS_FSYNC:-batch}"

# Inter-region delay, one way, added by scripts/wan-delay/apply.sh in every node namespace toward
# the other region (netem where the kernel has it, else the NFQUEUE delay); 0 turns it off.
SKV_WAN_DELAY_MS="${SKV_NETNS_WAN_DELAY_MS:-40}"
SKV_WAN_JITTER_MS="${SKV_NETNS_WAN_JITTER_MS:-0}"
SKV_WAN_MODE="${SKV_NETNS_WAN_MODE:-auto}"

SKV_HTTP_PORT=7000
SKV_DHT_PORT=49737       # the bootstrap node
SKV_NODE_DHT_PORT=49738  # every node's own DHT (one IP per namespace, so one port suffices)

SKV_NODES=(eu-m1 eu-m2 eu-r1 us-m1 us-r1)  # swarmkv nodes, in start order
SKV_ALL=(dht "${SKV_NODES[@]}")             # every namespace but the core router
SKV_REGIONS=(eu us)

SKV_CORE_NS="$SKV_PREFIX-core"

die() { echo "netns: error: $*" >&2; exit 1; }
log() { echo "netns: $*" >&2; }

skv_ns() { echo "$SKV_PREFIX-$1"; }

skv_is_node() {
  local n
  for n in "${SKV_ALL[@]}"; do [[ "$n" == "$1" ]] && return 0; done
  return 1
}

skv_is_region() { [[ "$1" == eu || "$1" == us ]]; }

skv_region() {
  case "$1" in
    dht) echo core ;;
    eu-*) echo eu ;;
    us-*) echo us ;;
    *) die "unknown node: $1" ;;
  esac
}

skv_subnet_index() {
  case "$1" in
    core) echo 0 ;;
    eu) echo 1 ;;
    us) echo 2 ;;
    *) die "unknown region: $1" ;;
  esac
}

skv_ip() {
  case "$1" in
    dht) echo "$SKV_NET.0.10" ;;
    eu-m1) echo "$SKV_NET.1.11" ;;
    eu-m2) echo "$SKV_NET.1.12" ;;
    eu-r1) echo "$SKV_NET.1.21" ;;
    us-m1) echo "$SKV_NET.2.11" ;;
    us-r1) echo "$SKV_NET.2.21" ;;
    *) die "unknown node: $1" ;;
  esac
}

skv_role() {
  case "$1" in
    *-m[0-9]) echo master ;;
    *-r[0-9]) echo replica ;;
    *) die "not a swarmkv node: $1" ;;
  esac
}

skv_cidr_of_region() { echo "$SKV_NET.$(skv_subnet_index "$1").0/24"; }
skv_gw_of_region() { echo "$SKV_NET.$(skv_subnet_index "$1").1"; }

# A node name or a region name -> the addresses it stands for (one per line).
skv_addrs() {
  if skv_is_region "$1"; then skv_cidr_of_region "$1"
  elif skv_is_node "$1"; then skv_ip "$1"
  else die "not a node or region: $1 (nodes: ${SKV_ALL[*]}; regions: ${SKV_REGIONS[*]})"
  fi
}

# A node name or a region name -> the node namespaces it stands for.
skv_members() {
  local n
  if skv_is_region "$1"; then
    for n in "${SKV_ALL[@]}"; do [[ "$(skv_region "$n")" == "$1" ]] && echo "$n"; done
    return 0
  fi
  skv_is_node "$1" || die "not a node or region: $1"
  echo "$1"
}

skv_url() { echo "http://$(skv_ip "$1"):$SKV_HTTP_PORT"; }

skv_other_region() {
  case "$1" in
    eu) echo us ;;
    us) echo eu ;;
    *) die "no other region for: $1" ;;
  esac
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

require_root() { [[ "$(id -u)" == 0 ]] || die "run as root (network namespaces need it)"; }

require_cmds() {
  local missing=() c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  if ((${#missing[@]} > 0)); then
    die "missing: ${missing[*]} (Debian: apt-get install -y iproute2 iptables curl)"
  fi
}

# ---- processes, recorded as "PID STARTTIME" so a reused PID is never taken for ours ----

skv_pidfile() { echo "$SKV_STATE/pids/$1.pid"; }

proc_state() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  echo "${stat%% *}"
}

# Prints the recorded PID of NAME if that exact process is still alive (not a zombie).
skv_pid() {
  local f pid start
  f="$(skv_pidfile "$1")"
  [[ -f "$f" ]] || return 1
  read -r pid start <"$f" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(proc_starttime "$pid" 2>/dev/null)" == "$start" ]] || return 1
  [[ "$(proc_state "$pid")" != Z ]] || return 1
  echo "$pid"
}

# Starts NAME (dht or a node) in its namespace, detached, unless it already runs.
skv_start() {
  local name="$1" ns ip pid start logf
  if pid="$(skv_pid "$name")"; then log "$name already running (pid $pid)"; return 0; fi
  ns="$(skv_ns "$name")"
  ip="$(skv_ip "$name")"
  ns_exists "$ns" || die "namespace $ns does not exist: run up.sh"
  mkdir -p "$SKV_STATE/pids" "$SKV_STATE/logs" "$SKV_STATE/data"
  logf="$SKV_STATE/logs/$name.log"
  echo "---- start $(date -u +%FT%TZ)" >>"$logf"
  if [[ "$name" == dht ]]; then
    setsid ip netns exec "$ns" node "$SKV_BIN" dht --host "$ip" --port "$SKV_DHT_PORT" \
      >>"$logf" 2>&1 </dev/null &
  else
    # The bin runs as a program, so the node flags of its #! line (the memory budget) apply.
    # SKV_NODE_WRAP: an optional command prefix that execs the node in place (the fault suite's
    # `env LD_PRELOAD=…libfaketime… FAKETIME=-1h`), so the recorded PID stays the node's.
    local -a wrap=() extra=()
    read -ra wrap <<<"${SKV_NODE_WRAP:-}"
    # SKV_NETNS_NODE_ARGS: extra `swarmkv start` arguments for every node (e.g. --compact-interval 0).
    read -ra extra <<<"${SKV_NETNS_NODE_ARGS:-}"
    # The secret goes through the environment, not argv, so `ps` does not show it.
    SWARMKV_SECRET="$(cat "$SKV_STATE/secret")" \
      setsid ip netns exec "$ns" "${wrap[@]}" "$SKV_BIN" start \
      --role "$(skv_role "$name")" --region "$(skv_region "$name")" --cluster "$SKV_CLUSTER" \
      --http "$ip:$SKV_HTTP_PORT" --http-url "$(skv_url "$name")" --data "$SKV_STATE/data/$name" \
      --fsync "$SKV_FSYNC" --bootstrap "$(skv_ip dht):$SKV_DHT_PORT" \
      --dht-host "$ip" --dht-port "$SKV_NODE_DHT_PORT" "${extra[@]}" \
      >>"$logf" 2>&1 </dev/null &
  fi
  pid=$!
  # setsid and `ip netns exec` exec in place, so $! is the node process itself.
  start="$(proc_starttime "$pid")" || die "$name exited at once; see $logf"
  echo "$pid $start" >"$(skv_pidfile "$name")"
  log "started $name in $ns (pid $pid, log $logf)"
}

# skv_stop SIG NAME…: signals each running NAME by its recorded PID (SIGTERM or the given signal)
# at once, waits up to 20 s for all of them (a node's clean shutdown, leaving the swarm, takes a few
# seconds), then SIGKILLs what is left.
skv_stop() {
  local sig="$1" name pid i left
  shift
  local -a names=()
  local -A pids=()
  for name in "$@"; do
    if pid="$(skv_pid "$name")"; then
      kill "-$sig" "$pid" 2>/dev/null || true
      names+=("$name")
      pids[$name]="$pid"
    else
      rm -f "$(skv_pidfile "$name")"
    fi
  done
  ((${#names[@]} > 0)) || return 0
  for ((i = 0; i < 200; i++)); do
    left=0
    for name in "${names[@]}"; do skv_pid "$name" >/dev/null && left=1; done
    ((left)) || break
    sleep 0.1
  done
  for name in "${names[@]}"; do
    if pid="$(skv_pid "$name")"; then
      log "$name (pid $pid) still up after 20 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do skv_pid "$name" >/dev/null || break; sleep 0.1; done
      skv_pid "$name" >/dev/null && die "could not stop $name (pid $pid)"
    fi
    rm -f "$(skv_pidfile "$name")"
    log "stopped $name (pid ${pids[$name]}, SIG$sig)"
  done
}

# ---- HTTP, from the core namespace (which routes to every subnet) ----

# skv_curl NODE PATH [curl args…]: prints the body; fails on HTTP >= 400 or no answer in 5 s.
skv_curl() {
  local name="$1" path="$2"
  shift 2
  ip netns exec "$SKV_CORE_NS" curl -fsS -m 5 "$@" "$(skv_url "$name")$path"
}

# Waits (bounded) until NAME answers GET /ready with 200.
skv_wait_ready() {
  local name="$1" timeout="${2:-30}" deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if skv_curl "$name" /ready >/dev/null 2>&1; then return 0; fi
    skv_pid "$name" >/dev/null || die "$name is not running; see $SKV_STATE/logs/$name.log"
    sleep 0.2
  done
  die "$name not ready after ${timeout}s; see $SKV_STATE/logs/$name.log"
}

# ---- partitions: DROP rules in a chain of our own, jumped to from INPUT and OUTPUT ----

SKV_CHAIN=SKV-PARTITION

skv_chain_ensure() {
  local ns="$1" hook
  ip netns exec "$ns" iptables -N "$SKV_CHAIN" 2>/dev/null || true
  for hook in INPUT OUTPUT; do
    ip netns exec "$ns" iptables -C "$hook" -j "$SKV_CHAIN" 2>/dev/null ||
      ip netns exec "$ns" iptables -I "$hook" 1 -j "$SKV_CHAIN"
  done
}

# skv_part_apply add|del A B: in every namespace of A, drop B's addresses, and the other way round.
skv_part_apply() {
  local action="$1" a="$2" b="$3" side other m ns addr dir
  for side in "$a" "$b"; do
    if [[ "$side" == "$a" ]]; then other="$b"; else other="$a"; fi
    for m in $(skv_members "$side"); do
      ns="$(skv_ns "$m")"
      ns_exists "$ns" || die "namespace $ns does not exist: run up.sh"
      skv_chain_ensure "$ns"
      for addr in $(skv_addrs "$other"); do
        for dir in -s -d; do
          local present=0
          ip netns exec "$ns" iptables -C "$SKV_CHAIN" "$dir" "$addr" -j DROP 2>/dev/null && present=1
          if [[ "$action" == add ]] && ((present == 0)); then
            ip netns exec "$ns" iptables -A "$SKV_CHAIN" "$dir" "$addr" -j DROP
          elif [[ "$action" == del ]] && ((present == 1)); then
            ip netns exec "$ns" iptables -D "$SKV_CHAIN" "$dir" "$addr" -j DROP
          fi
        done
      done
    done
  done
}

# ---- inter-region delay (scripts/wan-delay/apply.sh), on what each node sends to the other region ----

skv_wan() { # add|del NODE
  local verb="$1" name="$2"
  local -a args=(--netns "$(skv_ns "$name")" --state "$SKV_STATE/wan")
  if [[ "$verb" == add ]]; then
    args+=(--to "$(skv_cidr_of_region "$(skv_other_region "$(skv_region "$name")")")"
      --delay "$SKV_WAN_DELAY_MS" --jitter "$SKV_WAN_JITTER_MS" --mode "$SKV_WAN_MODE")
  fi
  bash "$SKV_ROOT/scripts/wan-delay/apply.sh" "$verb" "${args[@]}" >&2
}

# skv_rtt FROM TO: the median TCP connect time in ms (one round trip) from node FROM to node TO's
# HTTP port, over 5 connects.
skv_rtt() {
  ip netns exec "$(skv_ns "$1")" node "$SKV_ROOT/scripts/wan-delay/rtt.mjs" "$(skv_ip "$2")" "$SKV_HTTP_PORT" 5 |
    json 'String(d.medianMs)'
}

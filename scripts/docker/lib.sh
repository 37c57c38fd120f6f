# shellcheck shell=bash
# Shared by scripts/docker/: a private Docker engine for the check, on a machine without an image
# registry, that changes nothing in the host's own network settings. Sourced, not run; the caller
# has `set -euo pipefail` and runs as root.
#
#   root namespace                         $SKVD_NS (a network namespace of its own)
#   tinyproxy 10.199.0.1:8888  <-- veth -->  10.199.0.2, default route via 10.199.0.1
#   (the image build's only way out)         dockerd + containerd, its bridges and iptables,
#                                            the compose network 10.77.0.0/16, published ports
#
# dockerd runs inside $SKVD_NS (`nsenter --net`, not `ip netns exec`, which remounts /sys and
# hides the cgroup mounts), so its ip_forward, FORWARD policy and NAT rules are that namespace's,
# not the host's. It has its own data root, exec root, pid file, socket and config; the CLI
# talks to it through DOCKER_HOST and DOCKER_CONFIG (the user's ~/.docker is not touched).

SKVD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this
SKVD_ROOT="$(cd "$SKVD_DIR/../.." && pwd)"
# shellcheck source=scripts/lib/proc.sh
source "$SKVD_DIR/../lib/proc.sh"

SKVD_PREFIX="${SKVD_PREFIX:-skvd}"
SKVD_NS="$SKVD_PREFIX-engine"
SKVD_VETH="$SKVD_PREFIX-h0"           # the host end; the engine end is eth0 in $SKVD_NS
SKVD_HOST_IP="${SKVD_HOST_IP:-10.199.0.1}"
SKVD_ENGINE_IP="${SKVD_ENGINE_IP:-10.199.0.2}"
SKVD_PROXY_PORT="${SKVD_PROXY_PORT:-8888}"
SKVD_PROXY="http://$SKVD_HOST_IP:$SKVD_PROXY_PORT"
# The engine's own bridges (docker0 and the build containers); the compose file sets its own.
SKVD_POOL="${SKVD_POOL:-10.200.0.0/16}"
# Run state (sockets, pids, logs): removed at the end. Short: containerd's socket paths are limited.
SKVD_STATE="${SKVD_STATE:-/run/$SKVD_PREFIX}"
# Kept across runs on one machine: the base image tarball and the engine's data root (image
# layers, so an unchanged lockfile reuses the `pnpm fetch` layer). SKVD_FRESH=1 starts from nothing.
SKVD_CACHE="${SKVD_CACHE:-/var/cache/swarmkv-docker-check}"
# Bounded waits, in seconds.
SKVD_ENGINE_START_S=60
SKVD_STOP_S=20

export DOCKER_HOST="unix://$SKVD_STATE/docker.sock"
export DOCKER_CONFIG="$SKVD_STATE/cli"

skvd_log() { echo "docker-check: $*" >&2; }
skvd_die() { echo "docker-check: error: $*" >&2; exit 1; }

skvd_in_engine() { nsenter --net="/run/netns/$SKVD_NS" "$@"; }

skvd_ns_exists() { [[ -e "/run/netns/$SKVD_NS" ]]; }

# ---- processes we start, recorded as "PID STARTTIME" (a reused PID is never taken for ours) ----

skvd_record() { echo "$2 $(proc_starttime "$2")" >"$SKVD_STATE/$1.rec"; }

# Prints the PID recorded as NAME if that very process still runs.
skvd_recorded() {
  local f="$SKVD_STATE/$1.rec" p s
  [[ -f "$f" ]] || return 1
  read -r p s <"$f" || return 1
  [[ "$p" =~ ^[0-9]+$ && "$(proc_starttime "$p" 2>/dev/null)" == "$s" ]] || return 1
  echo "$p"
}

# SIGTERM, up to SKVD_STOP_S seconds, then SIGKILL.
skvd_stop() {
  local name="$1" p i
  p="$(skvd_recorded "$name")" || { rm -f "$SKVD_STATE/$name.rec"; return 0; }
  kill -TERM "$p" 2>/dev/null || true
  for ((i = 0; i < SKVD_STOP_S * 10; i++)); do skvd_recorded "$name" >/dev/null || break; sleep 0.1; done
  if skvd_recorded "$name" >/dev/null; then
    skvd_log "$name (pid $p) still up after ${SKVD_STOP_S} s: SIGKILL"
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$SKVD_STATE/$name.rec"
  skvd_log "stopped $name (pid $p)"
}

# ---- the host's network settings, before and after ----

skvd_host_net_snapshot() {
  echo "ip_forward=$(sysctl -n net.ipv4.ip_forward)"
  echo "ipv6_forwarding=$(sysctl -n net.ipv6.conf.all.forwarding)"
  iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
  ip6tables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
  ip route show
  ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort
}

# ---- namespace, veth, proxy ----

skvd_net_up() {
  ip netns add "$SKVD_NS"
  ip -n "$SKVD_NS" link set lo up
  ip link add "$SKVD_VETH" type veth peer name eth0 netns "$SKVD_NS"
  ip addr add "$SKVD_HOST_IP/30" dev "$SKVD_VETH"
  ip link set "$SKVD_VETH" up
  ip -n "$SKVD_NS" addr add "$SKVD_ENGINE_IP/30" dev eth0
  ip -n "$SKVD_NS" link set eth0 up
  ip -n "$SKVD_NS" route add default via "$SKVD_HOST_IP"
  skvd_log "namespace $SKVD_NS up, veth $SKVD_VETH $SKVD_HOST_IP <-> $SKVD_ENGINE_IP"
}

# A forward proxy on the host end of the veth, for the engine's image build only: the engine has no
# route beyond the veth (the host does not forward), so it reaches the registries through this.
skvd_proxy_up() {
  local conf="$SKVD_STATE/tinyproxy.conf" i
  cat >"$conf" <<EOF
User nobody
Group nogroup
Port $SKVD_PROXY_PORT
Listen $SKVD_HOST_IP
Allow $SKVD_ENGINE_IP
Timeout 600
MaxClients 64
LogLevel Warning
EOF
  setsid tinyproxy -d -c "$conf" >"$SKVD_STATE/tinyproxy.log" 2>&1 </dev/null &
  skvd_record tinyproxy $!
  for ((i = 0; i < 50; i++)); do
    if skvd_in_engine bash -c "exec 3<>/dev/tcp/$SKVD_HOST_IP/$SKVD_PROXY_PORT" 2>/dev/null; then
      skvd_log "proxy $SKVD_PROXY up (tinyproxy, pid $(skvd_recorded tinyproxy))"
      return 0
    fi
    skvd_recorded tinyproxy >/dev/null || skvd_die "tinyproxy exited: $(cat "$SKVD_STATE/tinyproxy.log")"
    sleep 0.1
  done
  skvd_die "tinyproxy not reachable from $SKVD_NS after 5 s"
}

# ---- the engine ----

skvd_engine_up() {
  local i
  mkdir -p "$SKVD_CACHE/engine" "$SKVD_STATE/exec" "$DOCKER_CONFIG"
  echo '{}' >"$SKVD_STATE/daemon.json"
  echo '{}' >"$DOCKER_CONFIG/config.json"
  setsid nsenter --net="/run/netns/$SKVD_NS" dockerd \
    --config-file "$SKVD_STATE/daemon.json" \
    --data-root "$SKVD_CACHE/engine" --exec-root "$SKVD_STATE/exec" \
    --pidfile "$SKVD_STATE/dockerd.pid" -H "$DOCKER_HOST" \
    --storage-driver overlay2 --default-address-pool "base=$SKVD_POOL,size=24" \
    >"$SKVD_STATE/dockerd.log" 2>&1 </dev/null &
  skvd_record dockerd $!
  for ((i = 0; i < SKVD_ENGINE_START_S * 5; i++)); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      skvd_log "dockerd $(docker version --format '{{.Server.Version}}') up in $SKVD_NS (pid $(skvd_recorded dockerd), socket ${DOCKER_HOST#unix://})"
      return 0
    fi
    skvd_recorded dockerd >/dev/null || skvd_die "dockerd exited: $(tail -n 20 "$SKVD_STATE/dockerd.log")"
    sleep 0.2
  done
  skvd_die "dockerd did not answer within ${SKVD_ENGINE_START_S} s: $(tail -n 20 "$SKVD_STATE/dockerd.log")"
}

# docker-compose (1.29, Debian) or the `docker compose` plugin, whichever is installed.
skvd_compose_cmd() {
  if command -v docker-compose >/dev/null 2>&1; then
    echo docker-compose
  elif docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  else
    return 1
  fi
}

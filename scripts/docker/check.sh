#!/usr/bin/env bash
# The two-region compose cluster, for real, on a clean root Debian machine without an image
# registry (the `docker` tier of scripts/ci/test.sh). Steps 5-11 are docs/OPERATIONS.md's Docker
# walk-through, the same commands a user with their own engine runs; 1-4 stand in for having one.
#
#    1. install what is missing (docker.io, docker-compose, debootstrap, tinyproxy, iptables, ...)
#    2. a network namespace with a veth to the host and a proxy on the host end (lib.sh)
#    3. a private dockerd in that namespace (own data root, exec root, pid file, socket)
#    4. the base image, offline (base-image.sh)
#    5. build docker/Dockerfile once (compose builds one service; the other five reuse its image);
#       the runtime image holds no sources or tests
#    6. up -d with a fixed project name (-p swarmkv), wait for /ready on every node
#    7. inter-region delay (scripts/wan-delay/apply.sh in every node container's namespace) and
#       the measured round trip across and within a region
#    8. /cluster on every node: the full mesh
#    9. a write in eu is read in us; a replica's 307 leads to a master of its own region
#   10. a stopped and restarted container keeps its data and catches up
#   11. down -v; then the engine, namespace and proxy go, and the host's ip_forward, iptables and
#       routes are checked to be as before. Teardown runs on failure too.
#
# SKVD_FRESH=1 deletes the cache first (base root tarball, the engine's image layers) to run from
# nothing. SKVD_KEEP=1 leaves the cluster up at the end (tear down with the same script's
# teardown: SKVD_TEARDOWN_ONLY=1). Prints `docker-check: N passed, M failed`.
set -euo pipefail
# shellcheck source=scripts/docker/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/docker/cluster.sh
source "$SKVD_DIR/cluster.sh"

if [[ "$(id -u)" != 0 ]]; then
  echo "docker-check: needs root (a private Docker engine in a network namespace of its own)" >&2
  exit 77
fi

passed=0 failed=0 t0=$SECONDS
timings=()
step_name="" step_t0=$SECONDS
ok() { passed=$((passed + 1)); echo "  ok  $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*" >&2; exit 1; }
step() {
  [[ -z "$step_name" ]] || timings+=("$(printf '%-52s %4ss' "$step_name" $((SECONDS - step_t0)))")
  step_name="$1" step_t0=$SECONDS
  echo "== $1"
}

# ---- teardown: everything this run made, in reverse, whatever failed ----
teardown() {
  set +e
  if [[ -n "${SKVD_COMPOSE:-}" ]] && skvd_recorded dockerd >/dev/null; then
    compose down -v --remove-orphans >"$SKVD_STATE/down.log" 2>&1 || cat "$SKVD_STATE/down.log" >&2
  fi
  for n in "${NODES[@]}"; do
    bash "$SKVD_ROOT/scripts/wan-delay/apply.sh" del --name "$SKVD_PREFIX-$n" --state "$SKVD_STATE/wan" >/dev/null
  done
  if skvd_recorded dockerd >/dev/null; then
    # Nothing else of ours may stay in the engine: leftover containers and volumes go too.
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
    docker volume ls -q | xargs -r docker volume rm >/dev/null 2>&1
  fi
  skvd_stop dockerd
  skvd_stop tinyproxy
  if skvd_ns_exists; then
    local stray
    stray="$(ip netns pids "$SKVD_NS" | tr '\n' ' ')"
    [[ -z "$stray" ]] || skvd_log "warning: processes still in $SKVD_NS: $stray"
    ip netns del "$SKVD_NS" && skvd_log "deleted namespace $SKVD_NS"
  fi
  ip link del "$SKVD_VETH" 2>/dev/null
  mount | awk -v s="$SKVD_STATE/" 'index($3, s) == 1 { print $3 }' | sort -r | xargs -r umount -l 2>/dev/null
}

finish() {
  local rc=$?
  set +e
  if ((rc != 0)) && skvd_recorded dockerd >/dev/null; then
    local logs="${TMPDIR:-/tmp}/$SKVD_PREFIX-logs"
    mkdir -p "$logs"
    compose logs --no-color >"$logs/compose.log" 2>&1
    cp "$SKVD_STATE"/*.log "$logs/" 2>/dev/null
    echo "---- last lines of the compose logs (all in $logs)" >&2
    tail -n 40 "$logs/compose.log" >&2
  fi
  step teardown
  if [[ "${SKVD_KEEP:-0}" == 1 && $rc == 0 ]]; then
    echo "  kept running (SKVD_KEEP=1): DOCKER_HOST=$DOCKER_HOST; SKVD_TEARDOWN_ONLY=1 $0 tears it down"
  else
    teardown
    rm -rf "$SKVD_STATE"
    if [[ -n "${host_before:-}" ]]; then
      if diff <(printf '%s\n' "$host_before") <(skvd_host_net_snapshot) >"${TMPDIR:-/tmp}/$SKVD_PREFIX-hostnet.diff"; then
        ok "the host's ip_forward, iptables, routes and links are as before"
      else
        echo "  FAIL the host's network settings changed:" >&2
        cat "${TMPDIR:-/tmp}/$SKVD_PREFIX-hostnet.diff" >&2
        failed=$((failed + 1))
        rc=1
      fi
    fi
  fi
  step "done"
  echo "== timings"
  printf '  %s\n' "${timings[@]}"
  printf '  %-52s %4ss\n' total $((SECONDS - t0))
  echo "docker-check: $passed passed, $failed failed"
  exit "$rc"
}

if [[ "${SKVD_TEARDOWN_ONLY:-0}" == 1 ]]; then
  SKVD_COMPOSE="$(skvd_compose_cmd || true)"
  teardown
  rm -rf "$SKVD_STATE"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
step "1. install what is missing"
bash "$SKVD_ROOT/scripts/ci/ensure-debs.sh" docker.io docker-compose debootstrap tinyproxy iptables \
  iproute2 util-linux curl ca-certificates
bash "$SKVD_ROOT/scripts/wan-delay/build.sh" >/dev/null
SKVD_COMPOSE="$(skvd_compose_cmd)" || fail "neither docker-compose nor the docker compose plugin"
ok "docker $(docker --version | sed 's/^Docker version //; s/,.*//') CLI, $SKVD_COMPOSE $($SKVD_COMPOSE version --short 2>/dev/null || true), dockerd $(dockerd --version | sed 's/^Docker version //; s/,.*//')"

# A previous run that was killed may have left its engine or namespace: take them down first.
if skvd_ns_exists || [[ -d "$SKVD_STATE" ]]; then
  skvd_log "removing what a previous run left"
  teardown
  rm -rf "$SKVD_STATE"
fi
if [[ "${SKVD_FRESH:-0}" == 1 ]]; then
  skvd_log "SKVD_FRESH=1: deleting the cache $SKVD_CACHE"
  rm -rf "$SKVD_CACHE"
fi
host_before="$(skvd_host_net_snapshot)"
mkdir -p "$SKVD_STATE"
chmod 700 "$SKVD_STATE"
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "2. network namespace, veth, proxy"
skvd_net_up
skvd_proxy_up
# The engine's only way out is the proxy: the host does not forward for it.
! skvd_in_engine curl -sS -m 5 -o /dev/null https://registry.npmjs.org/ 2>/dev/null ||
  fail "the engine's namespace reaches the registry without the proxy"
skvd_in_engine curl -sS -m 20 -o /dev/null -x "$SKVD_PROXY" https://registry.npmjs.org/ ||
  fail "the engine's namespace does not reach the registry through the proxy"
ok "engine namespace $SKVD_NS reaches the npm registry through the proxy $SKVD_PROXY only"

step "3. private dockerd"
skvd_engine_up
ok "dockerd answers on ${DOCKER_HOST#unix://}"

step "4. base image, offline"
bash "$SKVD_DIR/base-image.sh"
ok "base image $(sed -n 's/^ARG NODE_IMAGE=//p' "$SKVD_ROOT/docker/Dockerfile" | head -n 1) in the engine"

cluster_checks

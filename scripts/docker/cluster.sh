# shellcheck shell=bash
# Steps 5-11 of scripts/docker/check.sh: docs/OPERATIONS.md's Docker walk-through, run against the
# engine DOCKER_HOST names, each with its checks. Sourced by check.sh (which defines ok, fail,
# step); HTTP goes to the ports compose publishes on 127.0.0.1 of the engine's namespace, as a
# user's curl on their own Docker host would.

NODES=(eu-m1 eu-m2 eu-r1 us-m1 us-r1)
declare -A PORT=([eu-m1]=7101 [eu-m2]=7102 [eu-r1]=7103 [us-m1]=7201 [us-r1]=7202)
declare -A IP=([eu-m1]=10.77.1.11 [eu-m2]=10.77.1.12 [eu-r1]=10.77.1.21 [us-m1]=10.77.2.11 [us-r1]=10.77.2.21)
declare -A OTHER=([eu]=10.77.2.0/24 [us]=10.77.1.0/24)
PROJECT=swarmkv
IMAGE=swarmkv:local
WAN_DELAY_MS="${SKVD_WAN_DELAY_MS:-40}"

compose() {
  # shellcheck disable=SC2086 # "docker compose" is two words
  $SKVD_COMPOSE -p "$PROJECT" -f "$SKVD_ROOT/docker/compose.yaml" "$@"
}

url() { echo "http://127.0.0.1:${PORT[$1]}"; }

# hcurl NODE PATH [curl args…]: the body; fails on HTTP >= 400 or no answer in 10 s.
hcurl() {
  local n="$1" path="$2"
  shift 2
  skvd_in_engine curl -fsS -m 10 "$@" "$(url "$n")$path"
}

container_pid() { docker inspect -f '{{.State.Pid}}' "$(compose ps -q "$1")"; }

# wait_until TIMEOUT DESCRIPTION CMD…: polls CMD every 0.5 s; prints how long it took.
wait_until() {
  local timeout="$1" what="$2" start=$SECONDS
  shift 2
  while ((SECONDS - start < timeout)); do
    if "$@" >/dev/null 2>&1; then ok "$what (after $((SECONDS - start)) s)"; return 0; fi
    sleep 0.5
  done
  fail "$what: not within $timeout s"
}

ready() { hcurl "$1" /ready; }
all_ready() { local n; for n in "${NODES[@]}"; do ready "$n" || return 1; done; }
full_mesh() {
  local n
  for n in "${NODES[@]}"; do
    [[ "$(hcurl "$n" /cluster | json 'd.peers.filter((p) => p.connected).length')" == 4 ]] || return 1
  done
}
same_digest() {
  local first="" d n
  for n in "${NODES[@]}"; do
    d="$(hcurl "$n" /admin/digest | json 'd.digest + " " + d.keys')" || return 1
    if [[ -z "$first" ]]; then first="$d"; elif [[ "$d" != "$first" ]]; then return 1; fi
  done
}

# put NODE KEY VALUE: prints the write token.
put() {
  hcurl "$1" "/kv/$2" -X PUT -H 'content-type: text/plain' --data-binary "$3" -D - -o /dev/null |
    tr -d '\r' | awk 'tolower($1) == "x-write-token:" { print $2 }'
}

# writes NODE PREFIX COUNT: COUNT acknowledged writes (scripts/netns/writer.mjs, run in the engine's namespace).
writes() {
  local out n
  out="$(skvd_in_engine node "$SKVD_ROOT/scripts/netns/writer.mjs" "$(url "$1")" "$2" 20000 "$3" 4)"
  n="$(json 'd.acked.length' <<<"$out")"
  [[ "$n" == "$3" ]] || fail "$1 acknowledged $n of $3 writes under $2"
}

# The delay toward the other region, in one node container's namespace (again after a restart:
# a restarted container has a new namespace).
add_delay() {
  local n="$1"
  WAN_DELAY_STATE="$SKVD_STATE/wan" bash "$SKVD_ROOT/scripts/wan-delay/apply.sh" add \
    --pid "$(container_pid "$n")" --name "$SKVD_PREFIX-$n" --to "${OTHER[${n%%-*}]}" --delay "$WAN_DELAY_MS"
}

rtt_from() { # NODE TARGET_NODE: median TCP connect ms, from inside NODE's container namespace
  nsenter --net="/proc/$(container_pid "$1")/ns/net" node "$SKVD_ROOT/scripts/wan-delay/rtt.mjs" "${IP[$2]}" 7000 5 |
    json 'String(d.medianMs)'
}

cluster_checks() {
  local n out

  step "5. build the image once"
  bash "$SKVD_ROOT/docker/validate.sh" >"$SKVD_STATE/validate.log" 2>&1 ||
    { cat "$SKVD_STATE/validate.log" >&2; fail "docker/validate.sh"; }
  ok "docker/validate.sh: compose config, Dockerfile lint, shellcheck"
  compose config >"$SKVD_STATE/config.yaml" || fail "compose config"
  [[ "$(grep -c '^    build:' "$SKVD_STATE/config.yaml")" == 1 ]] || fail "more than one service builds: $(grep -B3 '^    build:' "$SKVD_STATE/config.yaml")"
  local b0=$SECONDS
  compose build --build-arg "http_proxy=$SKVD_PROXY" --build-arg "https_proxy=$SKVD_PROXY" \
    --build-arg "HTTP_PROXY=$SKVD_PROXY" --build-arg "HTTPS_PROXY=$SKVD_PROXY" >"$SKVD_STATE/build.log" 2>&1 ||
    { tail -n 40 "$SKVD_STATE/build.log" >&2; fail "compose build"; }
  ok "one service builds $IMAGE ($(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB) in $((SECONDS - b0)) s; the other five use it"
  out="$(docker run --rm --entrypoint find "$IMAGE" /app -not -path '*/node_modules/*' \
    \( -name '*.ts' -not -name '*.d.ts' -o -name src -o -name test -o -name 'tsconfig*.json' -o -name '*.tsbuildinfo' \) -print)"
  [[ -z "$out" ]] || fail "sources or tests in the runtime image: $out"
  out="$(docker run --rm --entrypoint find "$IMAGE" -L /app/node_modules/@swarmkv -maxdepth 2 \
    \( -name src -o -name test -o -name 'tsconfig*.json' -o -name '*.tsbuildinfo' \) -print)"
  [[ -z "$out" ]] || fail "sources or tests of the workspace packages in the runtime image: $out"
  ok "no sources, tests or tsconfig in /app (docker run --rm --entrypoint find $IMAGE /app …)"

  step "6. up -d, wait for /ready"
  local secret
  secret="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # The delay is added from the host in step 7 (it works without netem); the entrypoint's own
  # netem attempt is off so the two never stack.
  SWARMKV_SECRET="$secret" SWARMKV_LATENCY_MS=0 compose up -d >"$SKVD_STATE/up.log" 2>&1 ||
    { cat "$SKVD_STATE/up.log" >&2; fail "compose up"; }
  ok "compose up -d: $(compose ps -q | wc -l) containers"
  wait_until 90 "every node answers /ready" all_ready
  out="$(docker volume ls -q | sort | tr '\n' ' ')"
  [[ "$out" == "${PROJECT}_eu-m1-data ${PROJECT}_eu-m2-data ${PROJECT}_eu-r1-data ${PROJECT}_us-m1-data ${PROJECT}_us-r1-data " ]] ||
    fail "volumes are not the project's five: $out"
  ok "volumes named after the project: $out"

  step "7. inter-region delay, measured"
  for n in "${NODES[@]}"; do add_delay "$n"; done
  local cross local_rtt
  cross="$(rtt_from eu-m1 us-m1)"
  local_rtt="$(rtt_from eu-m1 eu-m2)"
  echo "  round trip (TCP connect, median of 5): eu-m1 -> us-m1 $cross ms, eu-m1 -> eu-m2 $local_rtt ms (added: $WAN_DELAY_MS ms each way)"
  node -e 'const [c, l, d] = process.argv.slice(1).map(Number); process.exit(c >= 2 * d * 0.9 && l < 2 * d * 0.5 + 10 ? 0 : 1)' \
    "$cross" "$local_rtt" "$WAN_DELAY_MS" || fail "round trip $cross ms across, $local_rtt ms within: not $WAN_DELAY_MS ms each way"
  ok "inter-region delay in place: $cross ms across the regions, $local_rtt ms within"

  step "8. /cluster: the full mesh"
  wait_until 60 "every node connected to the 4 others" full_mesh

  step "9. a write in eu read in us; a replica's 307"
  local token t
  token="$(put eu-m1 greeting hello)"
  [[ -n "$token" ]] || fail "no X-Write-Token from eu-m1"
  t="$(hcurl us-r1 '/kv/greeting?wait=5000' -H "X-After: $token" -o "$SKVD_STATE/read" -w '%{time_total}')"
  [[ "$(cat "$SKVD_STATE/read")" == hello ]] || fail "us-r1 read '$(cat "$SKVD_STATE/read")' after $token"
  ok "PUT on eu-m1 ($token) read on us-r1 with X-After in ${t} s"
  local r
  for r in eu-r1 us-r1; do
    out="$(skvd_in_engine curl -s -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' -X PUT \
      -H 'content-type: text/plain' --data-binary "via-$r" "$(url "$r")/kv/redirect/$r")"
    local region="${r%%-*}" target
    target="$(sed -n 's|^307 http://127.0.0.1:\([0-9]*\)/kv/redirect/.*|\1|p' <<<"$out")"
    case "$region:$target" in
      eu:7101 | eu:7102 | us:7201) ;;
      *) fail "a write to replica $r: '$out', not a 307 to a master of $region" ;;
    esac
    hcurl "$r" "/kv/redirect/$r" -L -X PUT -H 'content-type: text/plain' --data-binary "via-$r" -o /dev/null ||
      fail "following $r's 307"
    [[ "$(skvd_in_engine curl -fsS -m 10 "http://127.0.0.1:$target/kv/redirect/$r")" == "via-$r" ]] || fail "the write via $r's 307"
    ok "a write to replica $r gets 307 to 127.0.0.1:$target, a master of $region; following it stores it"
  done
  [[ "$(skvd_in_engine curl -s -m 10 -o /dev/null -w '%{http_code}' "$(url us-r1)/ui/")" == 200 ]] || fail "GET /ui/ on us-r1"
  ok "the image serves the dashboard (GET /ui/ on us-r1: 200)"

  step "10. stop and start a container: data kept, caught up"
  writes eu-m2 restart/before/ 20
  local id_before seq_before
  id_before="$(hcurl eu-m2 /cluster | json 'd.self.nodeId')"
  seq_before="$(hcurl eu-m2 /cluster | json 'String(d.self.seq)')"
  compose stop eu-m2 >/dev/null 2>&1 || fail "compose stop eu-m2"
  ! ready eu-m2 >/dev/null 2>&1 || fail "eu-m2 still answers after stop"
  writes eu-m1 restart/while-stopped/eu/ 20
  writes us-m1 restart/while-stopped/us/ 20
  token="$(put eu-m1 missed while-away)"
  [[ -n "$token" ]] || fail "no X-Write-Token from eu-m1"
  ok "eu-m2 stopped after 20 writes (seq $seq_before); 41 writes elsewhere meanwhile"
  compose start eu-m2 >/dev/null 2>&1 || fail "compose start eu-m2"
  add_delay eu-m2
  wait_until 60 "eu-m2 answers /ready again" ready eu-m2
  [[ "$(hcurl eu-m2 /cluster | json 'd.self.nodeId')" == "$id_before" ]] || fail "eu-m2 came back with another node id"
  (($(hcurl eu-m2 /cluster | json 'String(d.self.seq)') >= seq_before)) || fail "eu-m2's seq went back"
  ok "eu-m2 kept its volume: same node id $id_before, seq not below $seq_before"
  [[ "$(hcurl eu-m2 '/kv/missed?wait=5000' -H "X-After: $token")" == while-away ]] || fail "eu-m2 did not catch up to $token"
  ok "X-After $token (written while eu-m2 was stopped) read on eu-m2"
  wait_until 60 "identical /admin/digest on all 5 nodes" same_digest
  for k in restart/before/00019 restart/while-stopped/eu/00019 restart/while-stopped/us/00019; do
    [[ "$(hcurl eu-m2 "/kv/$k")" == "$k" ]] || fail "eu-m2 lacks $k"
  done
  ok "eu-m2 has its own writes from before and the 40 made while it was stopped"
  wait_until 60 "full mesh again" full_mesh

  step "11. down -v"
  if [[ "${SKVD_KEEP:-0}" == 1 ]]; then
    echo "  SKVD_KEEP=1: the cluster stays up"
    return 0
  fi
  compose down -v >"$SKVD_STATE/down.log" 2>&1 || { cat "$SKVD_STATE/down.log" >&2; fail "compose down -v"; }
  [[ -z "$(docker ps -aq)" && -z "$(docker volume ls -q)" && -z "$(docker network ls -q --filter name="${PROJECT}_")" ]] ||
    fail "containers, volumes or the network left after down -v"
  ok "down -v removed the containers, the network and the five volumes"
}

#!/usr/bin/env bash
# End-to-end check of the two-region topology in network namespaces (as root; run by
# `pnpm test:netns`, never by `pnpm test`). Bounded: every wait has a deadline, and the whole run
# takes about a minute.
#
#   1. build, bring the topology up (with SKV_NETNS_WAN_DELAY_MS, default 40 ms each way between
#      the regions), measure the round trip across and within a region, wait for /ready and a
#      full mesh
#   2. writes on masters of both regions replicate everywhere; ?w=, X-After, replica 307
#   3. partition eu | us; writes on both sides, concurrent writes to the same keys; each side
#      converges alone; the peers really disconnect
#   4. heal; every node's /admin/digest becomes identical; concurrent same-key writes are siblings
#   5. SIGKILL a master during writes, restart it: same node id, every acknowledged write survives
#      and reaches every node
#   6. tear down: only the processes this run started, by PID; namespaces deleted
#
# Uses its own namespace prefix (skvtest) and state dir, so it does not touch a topology brought
# up by hand with up.sh. On failure the state dir (logs, data) is kept and its path printed.
set -euo pipefail
export SKV_NETNS_PREFIX="${SKV_NETNS_PREFIX:-skvtest}"
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
require_cmds ip iptables curl node setsid

passed=0
t0=$SECONDS
timings=()

ok() { passed=$((passed + 1)); echo "  ok  $*"; }
fail() { echo "  FAIL $*" >&2; exit 1; }
step() {
  step_name="$1"
  step_t0=$SECONDS
  echo "== $step_name"
}
step_done() { timings+=("$(printf '%-44s %3ss' "$step_name" $((SECONDS - step_t0)))"); }

finish() {
  local rc=$?
  set +e
  # The background writer of the crash step, if a failure left it running (it stops by itself
  # within 10 s anyway).
  if [[ -n "${writer:-}" ]] && kill -0 "$writer" 2>/dev/null; then kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null; fi
  ((rc == 0)) || timings+=("$(printf '%-44s %3ss' "$step_name (FAILED)" $((SECONDS - step_t0)))")
  echo "== teardown"
  local down_t0=$SECONDS
  if ((rc == 0)); then
    bash "$SKV_DIR/down.sh" --purge
  else
    bash "$SKV_DIR/down.sh"
    local f
    for f in "$SKV_STATE"/logs/*.log; do
      [[ -f "$f" ]] || continue
      echo "---- last lines of $f" >&2
      tail -n 15 "$f" >&2
    done
    echo "netns: state kept in $SKV_STATE (logs, data); the next run removes it" >&2
  fi
  timings+=("$(printf '%-44s %3ss' teardown $((SECONDS - down_t0)))")
  echo "== timings"
  printf '  %s\n' "${timings[@]}"
  echo "  total $((SECONDS - t0))s"
  if ((rc == 0)); then echo "netns: $passed passed, 0 failed"; else echo "netns: $passed passed, 1 failed"; fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# helpers

# put NODE KEY VALUE [curl args…]: prints the X-Write-Token of an acknowledged write.
put() {
  local name="$1" key="$2" value="$3"
  shift 3
  skv_curl "$name" "/kv/$key" -X PUT -H 'content-type: text/plain' --data-binary "$value" -D - -o /dev/null "$@" |
    tr -d '\r' | awk 'tolower($1) == "x-write-token:" { print $2 }'
}

# get NODE KEY [curl args…] (X-After headers, for one)
get() {
  local name="$1" key="$2"
  shift 2
  skv_curl "$name" "/kv/$key" "$@"
}

# http_status NODE PATH [curl args…]: prints the HTTP status code only (000 when no answer).
http_status() {
  local name="$1" path="$2"
  shift 2
  ip netns exec "$SKV_CORE_NS" curl -s -m 5 -o /dev/null -w '%{http_code}' "$@" "$(skv_url "$name")$path" || true
}

digest_of() { skv_curl "$1" /admin/digest | json 'd.digest + " " + d.keys'; }

connected_peers() { skv_curl "$1" /cluster | json 'd.peers.filter((p) => p.connected).length'; }

connected_in() { skv_curl "$1" /cluster | json "d.peers.filter((p) => p.connected && p.region === '$2').length"; }

# wait_until TIMEOUT DESCRIPTION CMD…: polls CMD every 0.5 s; prints how long it took.
wait_until() {
  local timeout="$1" what="$2" start=$SECONDS deadline
  shift 2
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then ok "$what (after $((SECONDS - start))s)"; return 0; fi
    sleep 0.5
  done
  fail "$what: not within ${timeout}s"
}

full_mesh() {
  local n
  for n in "${SKV_NODES[@]}"; do
    [[ "$(connected_peers "$n")" == $((${#SKV_NODES[@]} - 1)) ]] || return 1
  done
}

# same_digest [MIN_KEYS] NODE…: every node has the same digest, over at least MIN_KEYS keys.
same_digest() {
  local min="$1" first="" d n
  shift
  for n in "$@"; do
    d="$(digest_of "$n")" || return 1
    ((${d#* } >= min)) || return 1
    if [[ -z "$first" ]]; then first="$d"; elif [[ "$d" != "$first" ]]; then return 1; fi
  done
}

region_nodes() { local n; for n in "${SKV_NODES[@]}"; do [[ "$n" == "$1"-* ]] && echo "$n"; done; return 0; }

regions_converged_apart() {
  # shellcheck disable=SC2046 # one word per node name
  same_digest 0 $(region_nodes eu) && same_digest 0 $(region_nodes us)
}

no_us_peer_seen_by_eu() {
  local n
  for n in $(region_nodes eu); do [[ "$(connected_in "$n" us)" == 0 ]] || return 1; done
  for n in $(region_nodes us); do [[ "$(connected_in "$n" eu)" == 0 ]] || return 1; done
}

# keys NODE PREFIX: every key under PREFIX, one per line (paged, at most 50 pages of 1000).
keys() {
  local name="$1" prefix="$2" after="" page i
  for ((i = 0; i < 50; i++)); do
    page="$(skv_curl "$name" "/kv?prefix=$prefix&limit=1000${after:+&after=$after}")"
    json 'd.keys.join("\n")' <<<"$page"
    echo
    after="$(json 'd.next ?? ""' <<<"$page")"
    [[ -n "$after" ]] || return 0
  done
  fail "more than 50 pages under $prefix on $name"
}

# writes NODE PREFIX COUNT: COUNT acknowledged writes of keys PREFIX00000… (value = key).
writes() {
  local out n
  out="$(ip netns exec "$SKV_CORE_NS" node "$SKV_DIR/writer.mjs" "$(skv_url "$1")" "$2" 20000 "$3" 4)"
  n="$(json 'd.acked.length' <<<"$out")"
  [[ "$n" == "$3" ]] || fail "$1 acknowledged $n of $3 writes under $2"
}

# ---------------------------------------------------------------------------------------------

step "build and bring up"
if [[ "${SKV_NETNS_BUILD:-1}" == 1 && -x "$SKV_ROOT/node_modules/.bin/tsc" ]]; then
  (cd "$SKV_ROOT" && node_modules/.bin/tsc -b) || fail "build"
fi
if ns_exists "$SKV_CORE_NS" || [[ -d "$SKV_STATE" ]]; then
  log "cleaning up a previous run of prefix $SKV_PREFIX"
  bash "$SKV_DIR/down.sh" --purge
fi
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash "$SKV_DIR/up.sh"
ok "topology up, every node answers /ready"
# The delay must really be there: a round trip between regions carries it twice (once each way).
rtt_cross="$(skv_rtt eu-m1 us-m1)"
rtt_local="$(skv_rtt eu-m1 eu-m2)"
echo "  round trip (TCP connect, median of 5): eu-m1 -> us-m1 ${rtt_cross} ms, eu-m1 -> eu-m2 ${rtt_local} ms" \
  "(added: ${SKV_WAN_DELAY_MS} ms each way)"
node -e 'const [c, l, d] = process.argv.slice(1).map(Number); process.exit(c >= 2 * d * 0.9 && l < 2 * d * 0.5 + 10 ? 0 : 1)' \
  "$rtt_cross" "$rtt_local" "$SKV_WAN_DELAY_MS" ||
  fail "cross-region round trip ${rtt_cross} ms, local ${rtt_local} ms: not what ${SKV_WAN_DELAY_MS} ms each way gives"
ok "inter-region delay in place: ${rtt_cross} ms across regions, ${rtt_local} ms within"
wait_until 60 "full mesh: every node connected to the $((${#SKV_NODES[@]} - 1)) others" full_mesh
step_done

step "writes in both regions replicate"
writes eu-m1 base/eu-m1/ 20
writes eu-m2 base/eu-m2/ 20
writes us-m1 base/us-m1/ 20
ok "60 writes acknowledged on eu-m1, eu-m2, us-m1"
wait_until 30 "all nodes hold the same 60 keys" same_digest 60 "${SKV_NODES[@]}"
w="$(skv_curl eu-m1 '/kv/base/w?w=5&timeout=5000' -X PUT --data-binary five -H 'content-type: text/plain')"
[[ "$(json 'd.replicated' <<<"$w")" -ge 5 ]] || fail "?w=5 reply: $w"
ok "PUT ?w=5 on eu-m1 waits for all 5 nodes"
token="$(put eu-m1 base/ryw from-eu)"
[[ -n "$token" ]] || fail "no X-Write-Token"
[[ "$(get us-r1 'base/ryw?wait=5000' -H "X-After: $token")" == from-eu ]] || fail "read-your-writes on us-r1"
ok "X-After $token read on us-r1 returns the write from eu-m1"
loc="$(ip netns exec "$SKV_CORE_NS" curl -s -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
  -X PUT --data-binary x "$(skv_url us-r1)/kv/base/redirect")"
[[ "$loc" == "307 $(skv_url us-m1)/kv/base/redirect" ]] || fail "replica us-r1 write: got '$loc'"
ok "a write to replica us-r1 gets 307 to its region's master us-m1"
step_done

step "partition eu | us, write on both sides"
bash "$SKV_DIR/partition.sh" eu us
put eu-m1 conflict/a eu >/dev/null
put us-m1 conflict/a us >/dev/null
writes eu-m1 part/eu-m1/ 10
writes us-m1 part/us-m1/ 10
ok "concurrent writes to conflict/a on eu-m1 and us-m1; 10 more keys on each side"
sleep 2
[[ "$(http_status us-r1 /kv/part/eu-m1/00000)" == 404 ]] || fail "a write on eu crossed the partition"
[[ "$(http_status eu-r1 /kv/part/us-m1/00000)" == 404 ]] || fail "a write on us crossed the partition"
ok "nothing crosses the partition"
wait_until 45 "connections between the regions time out" no_us_peer_seen_by_eu
put eu-m2 conflict/b eu-m2 >/dev/null
put us-m1 conflict/b us-m1 >/dev/null
writes eu-m2 part/eu-m2/ 10
ok "while disconnected: conflict/b on eu-m2 and us-m1, 10 keys on eu-m2"
wait_until 30 "each region converges on its own" regions_converged_apart
step_done

step "heal: every node converges"
heal_t0=$SECONDS
bash "$SKV_DIR/heal.sh"
# 60 base keys, base/w, base/ryw, conflict/a, conflict/b, 30 part/ keys (the 307 stored nothing)
expected=$((60 + 2 + 2 + 30))
wait_until 60 "identical /admin/digest on all ${#SKV_NODES[@]} nodes ($expected keys)" same_digest "$expected" "${SKV_NODES[@]}"
echo "  converged $((SECONDS - heal_t0))s after heal"
for key in conflict/a conflict/b; do
  winners=""
  for n in "${SKV_NODES[@]}"; do
    sib="$(skv_curl "$n" "/kv/$key?siblings=true" | json 'd.siblings.filter((s) => !s.deleted).map((s) => s.value).sort().join(",")')"
    case "$key" in
      conflict/a) [[ "$sib" == "eu,us" ]] || fail "$n: $key siblings are '$sib', want 'eu,us'" ;;
      conflict/b) [[ "$sib" == "eu-m2,us-m1" ]] || fail "$n: $key siblings are '$sib', want 'eu-m2,us-m1'" ;;
    esac
    hdr="$(skv_curl "$n" "/kv/$key" -D - -o /dev/null | tr -d '\r' | awk 'tolower($1) == "x-siblings:" { print $2 }')"
    [[ "$hdr" == 2 ]] || fail "$n: $key X-Siblings is '$hdr', want 2"
    winners+="$(get "$n" "$key") "
  done
  [[ "$(tr ' ' '\n' <<<"$winners" | sed '/^$/d' | sort -u | wc -l)" == 1 ]] || fail "$key: nodes serve different winners: $winners"
  ok "$key: 2 siblings on every node, X-Siblings: 2, the same winner everywhere"
done
wait_until 60 "full mesh again" full_mesh
step_done

step "SIGKILL a master during writes, restart it"
id_before="$(skv_curl eu-m2 /cluster | json 'd.self.nodeId')"
acked_file="$SKV_STATE/crash-acked.json"
ip netns exec "$SKV_CORE_NS" node "$SKV_DIR/writer.mjs" "$(skv_url eu-m2)" crash/ 10000 20000 4 >"$acked_file" &
writer=$!
sleep 1.5
bash "$SKV_DIR/node.sh" kill eu-m2
wait "$writer" || fail "writer exited non-zero"
writer=""
acked="$(json 'd.acked.length' <"$acked_file")"
failed="$(json 'd.failed' <"$acked_file")"
((acked > 0 && failed > 0)) || fail "expected writes both before and after the kill (acked $acked, failed $failed)"
ok "eu-m2 killed with SIGKILL after $acked acknowledged writes ($failed cut off)"
max_seq="$(json 'd.maxSeq' <"$acked_file")"
bash "$SKV_DIR/node.sh" start eu-m2
seq_after="$(skv_curl eu-m2 /cluster | json 'd.self.seq')"
((seq_after >= max_seq)) || fail "eu-m2 restarted at seq $seq_after below its acknowledged seq $max_seq"
ok "eu-m2 restarted at seq $seq_after, not below the highest acknowledged ($max_seq)"
[[ "$(skv_curl eu-m2 /cluster | json 'd.self.nodeId')" == "$id_before" ]] || fail "eu-m2 came back with another node id"
ok "eu-m2 restarted with the same node id ($id_before)"
token="$(put eu-m2 crash/after-restart yes)"
[[ "$(get us-r1 'crash/after-restart?wait=10000' -H "X-After: $token")" == yes ]] || fail "a write after the restart did not reach us-r1"
ok "a write on eu-m2 after the restart ($token) reaches us-r1"
expected=$((expected + acked + 1))
wait_until 60 "identical /admin/digest on all nodes (at least $expected keys)" same_digest "$expected" "${SKV_NODES[@]}"
for n in "${SKV_NODES[@]}"; do
  keys "$n" crash/ >"$SKV_STATE/crash-keys-$n.txt"
  lacking="$(KEYS="$SKV_STATE/crash-keys-$n.txt" json '
    ((have) => d.acked.filter((k) => !have.has(k)).length)(
      new Set(require("fs").readFileSync(process.env.KEYS, "utf8").split("\n")))' <"$acked_file")"
  [[ "$lacking" == 0 ]] || fail "$n lacks $lacking of the $acked acknowledged crash/ writes"
done
ok "all $acked acknowledged writes are on every node"
wait_until 60 "full mesh after the restart" full_mesh
step_done

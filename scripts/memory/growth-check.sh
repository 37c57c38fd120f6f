#!/usr/bin/env bash
# The memory budget's proof (docs/OPERATIONS.md "Memory budget"): one node with the defaults takes
# PUTs of 100 B values on random keys of a key space larger than every cache, for MEM_SECONDS, and
# its resident memory must stay under MEM_LIMIT_MIB and level off. Prints the series (every
# MEM_SAMPLE_S: RSS, V8 heap used/total, external memory) and exits 1 when a bound is broken.
#   scripts/memory/growth-check.sh            (needs wrk; scripts/ci/memory.sh installs it)
# Settings (environment): MEM_SECONDS=60 MEM_KEYS=1000000 MEM_CONNECTIONS=50 MEM_LIMIT_MIB=200
#   MEM_SAMPLE_S=5 MEM_GROWTH_MIB=16 (the most the peak of the last third may exceed the middle
#   third's) MEM_OUT=FILE (the series as TSV) and extra `swarmkv start` flags as arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${MEM_SECONDS:-60} keys=${MEM_KEYS:-1000000} conns=${MEM_CONNECTIONS:-50}
limit=${MEM_LIMIT_MIB:-200} every=${MEM_SAMPLE_S:-5} growth=${MEM_GROWTH_MIB:-16}
command -v wrk >/dev/null || { echo "growth-check: wrk is not installed" >&2; exit 2; }
[ -f packages/cli/dist/main.js ] || { echo "growth-check: build first (tsc -b)" >&2; exit 2; }

# Pinned like the benchmarks when there are two cores: the node on core 0, wrk on core 1.
node_pin=() wrk_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then node_pin=(taskset -c 0) wrk_pin=(taskset -c 1); fi

work=$(mktemp -d /tmp/swarmkv-growth.XXXXXX)
pid='' wrk_pid=''
cleanup() {
  [ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null || true
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Run as a program, as an operator would: the bin's #! line carries its V8 flags.
"${node_pin[@]}" packages/cli/bin/swarmkv.js start --http 127.0.0.1:0 --data "$work/data" --log-level warn "$@" \
  >"$work/node.log" 2>&1 &
pid=$!
url=''
for _ in $(seq 100); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$work/node.log" | head -1 | cut -d' ' -f3 || true)
  [ -n "$url" ] && curl -sf "$url/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/node.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "growth-check: the node did not come up" >&2; cat "$work/node.log" >&2; exit 1; }

# Resident: all, anonymous (heap, buffers, LevelDB's caches), file-backed (the binary's code, and
# LevelDB's table files, which it maps to read them).
rss_mib() { awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s%.1f", sep, $2 / 1024; sep = "\t" }' "/proc/$pid/status"; }
gauges() { # heap used, heap total, external (MiB) from the node's own /metrics
  curl -sf "$url/metrics" | awk '
    /^nodejs_heap_size_used_bytes / { u = $2 } /^nodejs_heap_size_total_bytes / { t = $2 }
    /^nodejs_external_memory_bytes / { e = $2 }
    END { printf "%.1f\t%.1f\t%.1f", u / 1048576, t / 1048576, e / 1048576 }'
}

echo "growth-check: PUT 100 B values on random keys of $keys, $conns connections, ${seconds} s, node at $url (pid $pid)"
KEYS=$keys VALUE_BYTES=100 "${wrk_pin[@]}" wrk -t1 -c"$conns" -d"${seconds}s" --latency \
  -s scripts/memory/put-random.lua "$url" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
series="$work/series.tsv"
printf 't_s\trss_mib\tanon_mib\tfile_mib\theap_used_mib\theap_total_mib\texternal_mib\n' >"$series"
start=$SECONDS
while kill -0 "$wrk_pid" 2>/dev/null; do
  printf '%s\t%s\t%s\n' "$((SECONDS - start))" "$(rss_mib)" "$(gauges)" >>"$series"
  sleep "$every"
done
wait "$wrk_pid" && wrk_pid='' || { wrk_pid=''; cat "$work/wrk.txt" >&2; echo "growth-check: wrk failed" >&2; exit 1; }
kill -0 "$pid" 2>/dev/null || { echo "growth-check: the node died" >&2; tail -20 "$work/node.log" >&2; exit 1; }
column -t "$series"
cat "$work/wrk.txt" | grep -E 'requests in|Requests/sec|Non-2xx|Socket errors' || true
[ -n "${MEM_OUT:-}" ] && cp "$series" "$MEM_OUT"

requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
if grep -qE 'Non-2xx|Socket errors' "$work/wrk.txt"; then echo "growth-check: FAILED: some PUTs failed" >&2; exit 1; fi
# Peak over the run, and the peak of the last third against the middle third's (the first third
# is the caches filling): a budget that holds keeps the node level once they are full.
verdict=$(awk -v limit="$limit" -v growth="$growth" 'NR > 1 { t[NR] = $1; r[NR] = $2; n = NR }
  END {
    peak = 0; for (i = 2; i <= n; i++) if (r[i] > peak) peak = r[i]
    m = n - 1; a = 1 + int(m / 3); b = 1 + int(2 * m / 3)
    mid = 0; for (i = a + 1; i <= b; i++) if (r[i] > mid) mid = r[i]
    last = 0; for (i = b + 1; i <= n; i++) if (r[i] > last) last = r[i]
    ok = peak <= limit && last - mid <= growth
    printf "%s peak %.1f MiB (limit %d), middle third peak %.1f, last third peak %.1f (may grow %d)", ok ? "ok" : "FAILED", peak, limit, mid, last, growth
  }' "$series")
echo "growth-check: $requests PUTs; $verdict"
[[ "$verdict" == ok* ]]

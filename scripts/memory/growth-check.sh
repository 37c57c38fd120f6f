#!/usr/bin/env bash
# The memory budget's proof (docs/OPERATIONS.md §13): one node with the defaults takes PUTs of
# 100 B values on random keys of a key space larger than every cache, and its resident memory
# must stay under MEM_LIMIT_MIB and level off. Prints the series (every MEM_SAMPLE_S: resident,
# anonymous and file-backed; V8 heap used and total; external memory; PUTs done) and exits 1 when
# a bound is broken.
#   scripts/memory/growth-check.sh            (needs wrk; scripts/ci/memory.sh installs it)
# The load runs in wrk rounds of 20 s until it has run MEM_SECONDS and the node has taken
# MEM_MIN_OPS PUTs (at most MEM_MAX_SECONDS): a busy machine takes longer, not fewer PUTs.
# Level means: over the samples after MEM_WARM_OPS PUTs (the caches are full by then), the peak
# of the second half's anonymous memory is at most MEM_GROWTH_MIB over the first half's. Anonymous,
# not resident: the file-backed part is LevelDB's mapped table files, which a compaction reading
# its inputs swells for a few seconds (54 -> 72 -> 57 MiB in one run here) and the kernel can drop;
# the resident total is what MEM_LIMIT_MIB bounds.
# Settings (environment): MEM_SECONDS=60 MEM_MIN_OPS=300000 MEM_MAX_SECONDS=300 MEM_WARM_OPS=100000
#   MEM_KEYS=1000000 MEM_CONNECTIONS=50 MEM_LIMIT_MIB=200 MEM_SAMPLE_S=5 MEM_GROWTH_MIB=16
#   MEM_OUT=FILE (the series as TSV); extra `swarmkv start` flags as arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${MEM_SECONDS:-60} keys=${MEM_KEYS:-1000000} conns=${MEM_CONNECTIONS:-50}
limit=${MEM_LIMIT_MIB:-200} every=${MEM_SAMPLE_S:-5} growth=${MEM_GROWTH_MIB:-16}
min_ops=${MEM_MIN_OPS:-300000} max_seconds=${MEM_MAX_SECONDS:-300} warm_ops=${MEM_WARM_OPS:-100000}
round_s=20
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
gauges() { # heap used, heap total, external (MiB) and PUTs taken, from the node's own /metrics
  curl -sf "$url/metrics" | awk '
    /^nodejs_heap_size_used_bytes / { u = $2 } /^nodejs_heap_size_total_bytes / { t = $2 }
    /^nodejs_external_memory_bytes / { e = $2 } /^swarmkv_local_ops_total / { o = $2 }
    END { printf "%.1f\t%.1f\t%.1f\t%d", u / 1048576, t / 1048576, e / 1048576, o }'
}

echo "growth-check: PUT 100 B values on random keys of $keys, $conns connections, ${seconds} s and $min_ops PUTs at least, node at $url (pid $pid)"
series="$work/series.tsv"
printf 't_s\trss_mib\tanon_mib\tfile_mib\theap_used_mib\theap_total_mib\texternal_mib\tputs\n' >"$series"
start=$SECONDS
ops=0 round=0
while [ $((SECONDS - start)) -lt "$seconds" ] || { [ "$ops" -lt "$min_ops" ] && [ $((SECONDS - start)) -lt "$max_seconds" ]; }; do
  round=$((round + 1))
  KEYS=$keys VALUE_BYTES=100 "${wrk_pin[@]}" wrk -t1 -c"$conns" -d"${round_s}s" \
    -s scripts/memory/put-random.lua "$url" >"$work/wrk-$round.txt" 2>&1 &
  wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    line="$((SECONDS - start))\t$(rss_mib)\t$(gauges)"
    printf '%b\n' "$line" >>"$series"
    ops=$(tail -1 "$series" | cut -f8)
    sleep "$every"
  done
  wait "$wrk_pid" && wrk_pid='' || { wrk_pid=''; cat "$work/wrk-$round.txt" >&2; echo "growth-check: wrk failed" >&2; exit 1; }
  if grep -qE 'Non-2xx|Socket errors' "$work/wrk-$round.txt"; then cat "$work/wrk-$round.txt" >&2; echo "growth-check: FAILED: some PUTs failed" >&2; exit 1; fi
  kill -0 "$pid" 2>/dev/null || { echo "growth-check: the node died" >&2; tail -20 "$work/node.log" >&2; exit 1; }
done
column -t "$series"
[ -n "${MEM_OUT:-}" ] && cp "$series" "$MEM_OUT"
elapsed=$((SECONDS - start))
[ "$ops" -ge "$min_ops" ] || { echo "growth-check: FAILED: only $ops PUTs in $elapsed s (the machine is too busy to judge)" >&2; exit 1; }
verdict=$(awk -v limit="$limit" -v growth="$growth" -v warm="$warm_ops" 'NR > 1 { r[NR] = $2; an[NR] = $3; p[NR] = $8; n = NR }
  END {
    peak = 0; for (i = 2; i <= n; i++) if (r[i] > peak) peak = r[i]
    first = 0; for (i = 2; i <= n; i++) if (p[i] >= warm) { first = i; break }
    if (first == 0 || n - first + 1 < 4) { printf "FAILED: too few samples after %d PUTs to judge", warm; exit }
    half = first + int((n - first + 1) / 2)
    a = 0; for (i = first; i < half; i++) if (an[i] > a) a = an[i]
    b = 0; for (i = half; i <= n; i++) if (an[i] > b) b = an[i]
    ok = peak <= limit && b - a <= growth
    printf "%s: peak %.1f MiB (limit %d); after %d PUTs, anonymous memory peaked at %.1f in the first half, %.1f in the second (may grow %d)", ok ? "ok" : "FAILED", peak, limit, warm, a, b, growth
  }' "$series")
echo "growth-check: $ops PUTs in $elapsed s ($((ops / (elapsed > 0 ? elapsed : 1))) per s); $verdict"
[[ "$verdict" == ok* ]]

#!/usr/bin/env bash
# The whole test command (`pnpm test`, what .ci/run calls): every tier in turn, stopping at the
# first that fails. Tiers that need root or Debian packages install what they need through
# scripts/ci/ensure-debs.sh; without root (exit 77) they are skipped, and the summary at the end says so.
#   scripts/ci/test.sh            every tier
#   scripts/ci/test.sh unit ...   only the tiers named
set -uo pipefail
cd "$(dirname "$0")/../.."
# The workspace's tools (tsc, eslint, vitest…), also when this runs without pnpm.
export PATH="$PWD/node_modules/.bin:$PATH"

only=" $* "
skipped=()
passed=0
run_tier() { # name, command...
  local name=$1; shift
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then return 0; fi
  echo
  echo "=== tier: $name"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  if [ $rc -eq 77 ]; then
    skipped+=("$name")
    echo "=== tier $name: SKIPPED (it needs root: the line above says for what; run as root to include it)"
    return 0
  fi
  if [ $rc -ne 0 ]; then
    echo "=== tier $name: FAILED (exit $rc) after $((SECONDS - start)) s"
    echo "tiers: $passed passed, 1 failed, ${#skipped[@]} skipped"
    exit $rc
  fi
  passed=$((passed + 1))
  echo "=== tier $name: passed in $((SECONDS - start)) s"
}

run_tier unit bash -c 'tsc -b && tsc -p tsconfig.eslint.json && eslint . && madge --circular --extensions ts packages/*/src benchmarks/src && vitest run'
# Clusters of real node processes, crashed and restarted: the slow half of what vitest runs.
run_tier cluster vitest run -c vitest.cluster.config.ts
run_tier openapi bash scripts/ci/openapi-lint.sh
# The benchmark smoke run on wrk (Debian's), the single-node load generator (the unit tier runs it on whichever is installed).
run_tier bench bash -c 'scripts/ci/ensure-debs.sh wrk && tsc -b && SWARMKV_BENCH_TOOL=wrk vitest run benchmarks/test/smoke.test.ts'
# The dashboard in headless Chromium (Debian's) against real clusters: vitest.browser.config.ts.
run_tier browser bash -c 'scripts/ci/ensure-debs.sh chromium curl && tsc -b && vitest run -c vitest.browser.config.ts'
# Inter-region delay (netem or NFQUEUE) between two namespaces: scripts/wan-delay/check.sh.
run_tier wan-delay bash scripts/wan-delay/check.sh
# Real processes: lag of stopped and paused replicas, roles and read-only across restarts (issue 13).
run_tier obs vitest run --config vitest.obs.config.ts
# promtool over the rules, their tests, and the /metrics of real nodes of every role.
run_tier monitoring bash scripts/ci/monitoring.sh
# One node under random-key PUTs (60 s, 300,000 at least) stays under its 200 MiB budget: docs/OPERATIONS.md §13.
run_tier memory bash scripts/ci/memory.sh
# The two-region compose cluster on a private Docker engine, built offline: scripts/docker/check.sh.
run_tier docker bash scripts/docker/check.sh
# The fault suite on the namespace topology (root; nemeses, history, checkers): docs/FAULTS.md.
run_tier faults bash faults/run.sh

echo
if [ ${#skipped[@]} -gt 0 ]; then
  echo "All tiers run passed; SKIPPED without root: ${skipped[*]}"
else
  echo "All tiers passed."
fi
echo "tiers: $passed passed, 0 failed, ${#skipped[@]} skipped"

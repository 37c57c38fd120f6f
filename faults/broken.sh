#!/usr/bin/env bash
# Shows that the checkers catch a broken build: applies faults/broken/NAME.patch to a throw-away
# git worktree of HEAD (this checkout is never touched), installs and builds it there, runs the
# fault suite of that worktree (so its nodes run the broken code) and prints each checker's verdict.
# Its namespaces are skvg-* on 10.89.0.0/16, so it can run beside a normal run (skvf, 10.88).
#
#   sudo faults/broken.sh NAME [nemesis,…]     NAME: one of faults/broken/*.patch, without .patch
#
# Results: $TMPDIR/swarmkv-broken-NAME-results/ (RESULTS.md, results.json). Exit 0 when the suite
# FAILED as it should, 1 when every checker passed (the break went unnoticed).
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: faults/broken.sh NAME [nemesis,…]}"
patch="$PWD/faults/broken/$name.patch"
[ -f "$patch" ] || { echo "no $patch" >&2; exit 2; }
dir="${TMPDIR:-/tmp}/swarmkv-broken-$name"
results="$dir-results"
git worktree remove --force "$dir" 2>/dev/null || true
git worktree add --detach "$dir" HEAD >/dev/null
trap 'git worktree remove --force "$dir"' EXIT
git -C "$dir" apply "$patch"
echo "broken build $name: $(git -C "$dir" diff --stat | tail -1)"
(cd "$dir" && npx -y pnpm@10.34.9 install --frozen-lockfile --offline >/dev/null)
rc=0
FAULTS_PREFIX=skvg FAULTS_NET=10.89 FAULTS_ONLY="${2:-}" FAULTS_SEEDS="${FAULTS_SEEDS:-1}" FAULTS_RESULTS="$results" bash "$dir/faults/run.sh" >"$results.log" 2>&1 || rc=$?
grep -E '^[a-z-]+ seed [0-9]+:' "$results.log" || true
if [ $rc -eq 0 ]; then
  echo "broken build $name: every checker passed: the break went unnoticed"
  exit 1
fi
echo "broken build $name: the suite failed (exit $rc), as it should; report in $results/RESULTS.md"

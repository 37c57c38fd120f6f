#!/usr/bin/env bash
# The memory tier: one node with the default settings under random-key PUTs (60 s and 300,000
# at least) stays under its 200 MiB budget and levels off (scripts/memory/growth-check.sh; docs/OPERATIONS.md §13).
# wrk comes from Debian.
set -euo pipefail
cd "$(dirname "$0")/../.."
rc=0
scripts/ci/ensure-debs.sh wrk || rc=$?
[ $rc -eq 0 ] || exit $rc
tsc -b
scripts/memory/growth-check.sh

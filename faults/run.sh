#!/usr/bin/env bash
# The fault suite (`pnpm test:faults`, tier `faults` of scripts/ci/test.sh), as root: builds, installs
# what it needs, and runs faults/inside.sh in a private mount namespace, so the tmpfs under one
# master's data dir (the disk-full nemesis) and the topology's /run/netns mounts go away with it.
# Exit 77 (skipped) without root.
#
#   FAULTS_SEEDS=N (default 2)   FAULTS_ONLY=nemesis,…   FAULTS_RESULTS=DIR (default faults/results)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "faults: needs root (network namespaces, iptables, a tmpfs mount): skipped" >&2
  exit 77
fi
bash scripts/ci/ensure-debs.sh iproute2 iptables curl faketime util-linux
node_modules/.bin/tsc -b
export SKV_NETNS_PREFIX=skvf SKV_NETNS_NET=10.88 SKV_NETNS_CLUSTER=faults
export SKV_NETNS_STATE="${TMPDIR:-/tmp}/swarmkv-faults"
exec unshare --mount --propagation private bash faults/inside.sh

#!/usr/bin/env bash
# The fault suite (`pnpm test:faults`, tier `faults` of scripts/ci/test.sh), as root: builds, installs
# what it needs, and runs faults/inside.sh in a private mount namespace, so the tmpfs under one
# master's data dir (the disk-full nemesis) and the topology's /run/netns mounts go away with it.
# Exit 77 (skipped) without root.
#
#   FAULTS_SEEDS=N (default 2)   FAULTS_ONLY=nemesis,…   FAULTS_RESULTS=DIR (default faults/results)
#   FAULTS_PREFIX, FAULTS_NET (default skvf, 10.88)   FAULTS_DEBUG=1 (digests and peers while converging)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "faults: needs root (network namespaces, iptables, a tmpfs mount): skipped" >&2
  exit 77
fi
bash scripts/ci/ensure-debs.sh iproute2 iptables curl faketime util-linux
node_modules/.bin/tsc -b
# FAULTS_PREFIX / FAULTS_NET let a second run (faults/broken.sh) use namespaces and addresses of its own.
export SKV_NETNS_PREFIX="${FAULTS_PREFIX:-skvf}" SKV_NETNS_NET="${FAULTS_NET:-10.88}" SKV_NETNS_CLUSTER=faults
# Compaction (and with it tombstone collection) only when the suite asks for it, on every node at
# once: each node collecting on its own 60 s schedule keeps digests apart for up to a minute after
# every op is applied everywhere (measured: 55-60 s after a pause), which is not replication lag.
export SKV_NETNS_NODE_ARGS="--compact-interval 0"
export SKV_NETNS_STATE="${TMPDIR:-/tmp}/swarmkv-faults-$SKV_NETNS_PREFIX"
exec unshare --mount --propagation private bash faults/inside.sh

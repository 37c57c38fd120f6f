#!/usr/bin/env bash
# Run by faults/run.sh in its own mount namespace: the topology up, the suite in its core
# namespace (the clients reach every node from there; partitions are made inside the node
# namespaces and never cut the clients off), then everything down.
set -euo pipefail
cd "$(dirname "$0")/.."
state="$SKV_NETNS_STATE"
disk="$state/data/eu-m2"   # the disk-full nemesis fills this tmpfs

logs="${FAULTS_LOGS:-${TMPDIR:-/tmp}/swarmkv-faults-logs-$SKV_NETNS_PREFIX}"

cleanup() {
  bash scripts/netns/down.sh || true
  # The nodes' logs outlive the state dir, for a failure to be read.
  if [ -d "$state/logs" ]; then rm -rf "$logs" && cp -r "$state/logs" "$logs"; fi
  if mountpoint -q "$disk"; then umount "$disk"; fi
  rm -rf "$state"
}
cleanup
trap cleanup EXIT
mkdir -p "$disk"
mount -t tmpfs -o size=256m,mode=0700 swarmkv-faults "$disk"
bash scripts/netns/up.sh   # with the inter-region delay (SKV_NETNS_WAN_DELAY_MS, default 40 ms each way)
# The report says what latency the run really had: one TCP round trip across and within a region.
FAULTS_WAN="$(
  source scripts/netns/lib.sh
  printf '%s ms each way (%s); round trip eu-m1 -> us-m1 %s ms, eu-m1 -> eu-m2 %s ms' \
    "$SKV_WAN_DELAY_MS" "$SKV_WAN_MODE" "$(skv_rtt eu-m1 us-m1)" "$(skv_rtt eu-m1 eu-m2)"
)"
export FAULTS_WAN
echo "faults: WAN latency: $FAULTS_WAN"
ip netns exec "$SKV_NETNS_PREFIX-core" node_modules/.bin/vitest run --config faults/vitest.config.ts

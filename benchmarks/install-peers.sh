#!/bin/sh
# Installs the load generator and the peer baselines the benchmarks compare against (Debian
# bookworm package names): wrk (the single-node throughput cells; without it they fall back to
# autocannon), Redis 7 (redis-server, redis-benchmark, redis-cli) and etcd 3.4 (etcd-server, etcdctl).
# Run as root. The benchmark starts its own instances on loopback, on free ports, in temp dirs;
# the distribution's services are neither needed nor touched.
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "install-peers.sh: run as root (apt-get install)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends wrk redis-server redis-tools etcd-server etcd-client
wrk -v 2>&1 | head -1 || true
redis-server --version
etcd --version | head -1

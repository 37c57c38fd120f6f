#!/usr/bin/env bash
# The monitoring tier: the shipped Prometheus rules and their unit tests (promtool), then real
# nodes of every role (master, replica, alone) checked with `promtool check metrics` and against
# every series the rules and the Grafana dashboard use. promtool comes with Debian's prometheus.
set -euo pipefail
cd "$(dirname "$0")/../.."
rc=0
scripts/ci/ensure-debs.sh prometheus || rc=$?
[ $rc -eq 0 ] || exit $rc
promtool check rules monitoring/prometheus/alerts.yml
promtool test rules monitoring/prometheus/alerts.test.yml
promtool check config monitoring/prometheus/prometheus.yml
vitest run --config vitest.monitoring.config.ts

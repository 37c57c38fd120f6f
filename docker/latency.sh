#!/bin/sh
# Adds a fixed one-way delay to traffic leaving this container toward the other region, with
# `tc netem`, when the kernel has it. Never fails the caller: where netem (or the prio qdisc, or
# tc, or NET_ADMIN) is missing, it prints one clear line and exits 0.
#
#   SWARMKV_LATENCY_MS=40 SWARMKV_LATENCY_TO=10.77.2.0/24 latency.sh
#   latency.sh 40 10.77.2.0/24,10.77.0.10          # the same, as arguments
#
# SWARMKV_LATENCY_MS     one-way delay in ms added on this side (both sides do it: RTT += 2x)
# SWARMKV_LATENCY_JITTER_MS  optional jitter in ms
# SWARMKV_LATENCY_TO     comma-separated IPs or CIDRs of the other region
#
# Only matching destinations are delayed: a prio qdisc with 4 bands at the root sends every packet
# to band 1 (priomap all zeros) but those a u32 filter sends to band 4, which has netem: the other
# region's addresses. The same qdiscs as scripts/wan-delay/apply.sh, which also works where the
# kernel has no netem (an NFQUEUE delay), applied from the host into the container's namespace.
set -eu

ms="${1:-${SWARMKV_LATENCY_MS:-0}}"
targets="${2:-${SWARMKV_LATENCY_TO:-}}"
jitter="${SWARMKV_LATENCY_JITTER_MS:-0}"

say() { echo "latency: $*"; }

if [ -z "$targets" ] || [ "$ms" = 0 ]; then
  say "none configured (SWARMKV_LATENCY_MS=$ms, SWARMKV_LATENCY_TO=$targets)"
  exit 0
fi
case "$ms$jitter" in
  *[!0-9]*) say "SWARMKV_LATENCY_MS and SWARMKV_LATENCY_JITTER_MS must be whole ms; not applied"; exit 0 ;;
esac
if ! command -v tc >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  say "tc/ip not installed (iproute2); running WITHOUT injected latency"
  exit 0
fi

first="${targets%%,*}"
dev="$(ip -o route get "${first%/*}" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
if [ -z "$dev" ]; then
  say "no route to $first; running WITHOUT injected latency"
  exit 0
fi

err="$(mktemp)"
trap 'rm -f "$err"' EXIT

# Removes our own root qdisc (prio, handle 1:) only; any other root qdisc is left alone, and then
# `add` below fails and says so rather than replacing it.
remove_ours() {
  if tc qdisc show dev "$dev" root 2>/dev/null | grep -q '^qdisc prio 1: root.*bands 4'; then
    tc qdisc del dev "$dev" root 2>/dev/null || true
  fi
}

apply() {
  remove_ours
  tc qdisc add dev "$dev" root handle 1: prio bands 4 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || return 1
  if [ "$jitter" != 0 ]; then
    tc qdisc add dev "$dev" parent 1:4 handle 40: netem delay "${ms}ms" "${jitter}ms" || return 1
  else
    tc qdisc add dev "$dev" parent 1:4 handle 40: netem delay "${ms}ms" || return 1
  fi
  old_ifs="$IFS"
  IFS=,
  for t in $targets; do
    tc filter add dev "$dev" protocol ip parent 1:0 prio 4 u32 match ip dst "$t" flowid 1:4 || return 1
  done
  IFS="$old_ifs"
}

if apply 2>"$err"; then
  say "+${ms}ms one-way on $dev toward $targets (netem)"
else
  remove_ours
  reason="$(tr '\n' ' ' <"$err")"
  say "could not apply netem on $dev (${reason:-unknown error}): this kernel lacks sch_netem/sch_prio or the container lacks NET_ADMIN; running WITHOUT injected latency (add it from the host: scripts/wan-delay/apply.sh)"
fi
exit 0

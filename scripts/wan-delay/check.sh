#!/usr/bin/env bash
# Checks the inter-region delay on this machine (as root; the `wan-delay` tier of scripts/ci/test.sh):
# two network namespaces joined by a veth, a TCP listener in one; the round trip (TCP connect,
# median of 10) is measured without delay, with WAN_DELAY_MS each way (apply.sh, whichever of netem
# and NFQUEUE this kernel has), with the NFQUEUE delay forced, with jitter, and after `del`.
# Everything it makes is removed at the end, on failure too. About 20 s.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$dir/../.." && pwd)"

if [[ "$(id -u)" != 0 ]]; then
  echo "wan-delay check: needs root (network namespaces, iptables)" >&2
  exit 77
fi
bash "$root/scripts/ci/ensure-debs.sh" iproute2 iptables util-linux gcc libc6-dev pkg-config libnetfilter-queue-dev
bash "$dir/build.sh" >/dev/null

P=skvw-check
A="$P-a" B="$P-b"
IP_A=10.199.1.1 IP_B=10.199.1.2
PORT=7555
DELAY="${WAN_DELAY_MS:-40}"
# A fixed state dir: a run that was killed left its delay processes recorded there for the next.
state="${TMPDIR:-/tmp}/$P"
export WAN_DELAY_STATE="$state"
server=""

cleanup() {
  set +e
  bash "$dir/apply.sh" del --netns "$A" >/dev/null
  bash "$dir/apply.sh" del --netns "$B" >/dev/null
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
  rm -rf "$state"
}
cleanup 2>/dev/null
trap cleanup EXIT
mkdir -p "$state"

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add eth0 type veth peer name eth0 netns "$B"
ip -n "$A" addr add "$IP_A/24" dev eth0
ip -n "$B" addr add "$IP_B/24" dev eth0
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
ip netns exec "$B" node -e '
  require("net").createServer((s) => s.end()).listen(Number(process.argv[2]), process.argv[1], () => console.log("listening"))
' "$IP_B" "$PORT" >"$state/server.log" 2>&1 &
server=$!
for ((i = 0; i < 50; i++)); do grep -qs listening "$state/server.log" && break; sleep 0.1; done
grep -q listening "$state/server.log" || { echo "FAIL: test listener did not start" >&2; exit 1; }

rtt() { ip netns exec "$A" node "$dir/rtt.mjs" "$IP_B" "$PORT" 10; }
field() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$1" "$2"; }
# expect LABEL JSON MIN MAX: the median lies in [MIN, MAX] ms.
expect() {
  local med
  med="$(field "$2" medianMs)"
  if node -e 'const [m, lo, hi] = process.argv.slice(1).map(Number); process.exit(m >= lo && m <= hi ? 0 : 1)' "$med" "$3" "$4"; then
    echo "  ok  $1: round trip $med ms (min $(field "$2" minMs), max $(field "$2" maxMs)), expected $3..$4"
  else
    echo "  FAIL $1: round trip $med ms, expected $3..$4" >&2
    exit 1
  fi
}

# The upper bounds leave room for a loaded machine (scheduling adds to every hold, never removes).
lo=$((DELAY * 2 * 95 / 100)) hi=$((DELAY * 2 + 40))
expect "no delay" "$(rtt)" 0 20
for ns in "$A" "$B"; do bash "$dir/apply.sh" add --netns "$ns" --to 10.199.1.0/24 --delay "$DELAY"; done
expect "+$DELAY ms each way (auto)" "$(rtt)" "$lo" "$hi"
for ns in "$A" "$B"; do bash "$dir/apply.sh" add --netns "$ns" --to 10.199.1.0/24 --delay "$DELAY" --mode nfqueue; done
expect "+$DELAY ms each way (nfqueue)" "$(rtt)" "$lo" "$hi"
pids="$(cat "$state"/*.pid | awk '{print $1}')"
# Jitter +-10 ms on one side only: the round trip stays within 2*DELAY +- 10 (plus scheduling).
bash "$dir/apply.sh" add --netns "$B" --to 10.199.1.0/24 --delay "$DELAY" --jitter 10
j="$(rtt)"
expect "+$DELAY ms, +-10 ms jitter on one side" "$j" $((DELAY * 2 - 10)) $((DELAY * 2 + 10 + 40))
node -e 'const d = JSON.parse(process.argv[1]); process.exit(d.minMs >= Number(process.argv[2]) ? 0 : 1)' "$j" $((DELAY * 2 - 11)) ||
  { echo "  FAIL jitter: a round trip below $((DELAY * 2 - 10)) ms: $j" >&2; exit 1; }
# Only the given destinations are delayed: a rule for another subnet leaves this path alone.
for ns in "$A" "$B"; do bash "$dir/apply.sh" add --netns "$ns" --to 10.199.200.0/24 --delay "$DELAY"; done
expect "delay toward another subnet only" "$(rtt)" 0 20
for ns in "$A" "$B"; do bash "$dir/apply.sh" del --netns "$ns"; done
expect "after del" "$(rtt)" 0 20
[[ -z "$(ip netns exec "$A" iptables -t mangle -S | grep -i wan-delay || true)" ]] || { echo "  FAIL rules left after del" >&2; exit 1; }
for p in $pids; do ! kill -0 "$p" 2>/dev/null || { echo "  FAIL delay process $p still running after del" >&2; exit 1; }; done
! ls "$state"/*.pid >/dev/null 2>&1 || { echo "  FAIL pid files left after del" >&2; exit 1; }
echo "  ok  del leaves no rule and no delay process"
echo "wan-delay check: passed"

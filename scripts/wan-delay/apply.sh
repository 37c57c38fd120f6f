#!/usr/bin/env bash
# Adds (or removes) a one-way delay on the packets one network namespace sends toward the other
# region: `tc netem` where the kernel has it, else the NFQUEUE delay (wan-delay.c, built by
# build.sh) with iptables rules in that namespace only. Run as root, from the root namespace.
#
#   apply.sh add --netns NAME --to 10.77.2.0/24 [--delay 40] [--jitter 0] [--mode auto]
#   apply.sh add --pid PID --name eu-m1 --to 10.77.2.0/24   # a container: its init's host PID
#   apply.sh del --netns NAME                                # or --pid PID / --name NAME
#
#   --netns NAME   a named namespace (/run/netns/NAME)
#   --pid PID      the namespace of process PID (a container: docker inspect -f '{{.State.Pid}}')
#   --name LABEL   what the state files are called (default: the netns name, or pid-PID); `del
#                  --name` finds the delay process even after the namespace is gone
#   --to CIDRS     comma-separated destinations to delay (the other region's subnet)
#   --delay MS     one way, whole ms (env WAN_DELAY_MS, default 40). Both regions add it to what
#                  they send, so a round trip between regions gets twice this.
#   --jitter MS    optional, uniform +-MS (env WAN_DELAY_JITTER_MS, default 0)
#   --mode M       auto (netem if the kernel has it), netem, nfqueue (env WAN_DELAY_MODE)
#   --queue N      NFQUEUE number inside that namespace (env WAN_DELAY_QUEUE, default 7)
#   --state DIR    where the NFQUEUE delay's pid and log files go (env WAN_DELAY_STATE,
#                  default /run/swarmkv-wan-delay)
#
# `add` replaces whatever delay this script added to that namespace before. It prints one line:
#   wan-delay: eu-m1: +40 ms one way toward 10.77.2.0/24 (nfqueue, pid 1234)
# Without root or without the tools it fails (exit 1) and says why; it never leaves a rule behind
# that would drop traffic (the NFQUEUE rule has --queue-bypass: no reader, no delay).
# shellcheck disable=SC2034 # done_ok is read by the EXIT trap, which shellcheck does not follow
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/lib/proc.sh
source "$dir/../lib/proc.sh"

CHAIN=WAN-DELAY

die() { echo "wan-delay: error: $*" >&2; exit 1; }
say() { echo "wan-delay: $*"; }

verb="${1:-}"
[[ "$verb" == add || "$verb" == del ]] || die "usage: apply.sh add|del (--netns NAME | --pid PID | --name LABEL) [--to CIDRS] [--delay MS] [--jitter MS] [--mode auto|netem|nfqueue]"
shift
netns="" pid="" label="" to=""
delay="${WAN_DELAY_MS:-40}"
jitter="${WAN_DELAY_JITTER_MS:-0}"
mode="${WAN_DELAY_MODE:-auto}"
queue="${WAN_DELAY_QUEUE:-7}"
state="${WAN_DELAY_STATE:-/run/swarmkv-wan-delay}"
while (($# > 0)); do
  (($# >= 2)) || die "$1 needs a value"
  case "$1" in
    --netns) netns="$2" ;;
    --pid) pid="$2" ;;
    --name) label="$2" ;;
    --to) to="$2" ;;
    --delay) delay="$2" ;;
    --jitter) jitter="$2" ;;
    --mode) mode="$2" ;;
    --queue) queue="$2" ;;
    --state) state="$2" ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done
[[ "$(id -u)" == 0 ]] || die "run as root (it changes another network namespace)"
[[ "$delay$jitter$queue" =~ ^[0-9]+$ ]] || die "--delay, --jitter and --queue are whole numbers"
((jitter <= delay)) || die "--jitter ($jitter) larger than --delay ($delay)"
case "$mode" in auto | netem | nfqueue) ;; *) die "--mode is auto, netem or nfqueue, not '$mode'" ;; esac

nspath=""
if [[ -n "$netns" ]]; then
  nspath="/run/netns/$netns"
  label="${label:-$netns}"
elif [[ -n "$pid" ]]; then
  [[ "$pid" =~ ^[0-9]+$ ]] || die "--pid is a number"
  nspath="/proc/$pid/ns/net"
  label="${label:-pid-$pid}"
fi
[[ -n "$label" ]] || die "name the namespace: --netns NAME, --pid PID or --name LABEL"
[[ "$label" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, . _ - only"
pidfile="$state/$label.pid"
logfile="$state/$label.log"

in_ns() { nsenter --net="$nspath" "$@"; }

# ---- the NFQUEUE delay process, recorded as "PID STARTTIME" so a reused PID is never ours ----
recorded_pid() {
  local p s
  [[ -f "$pidfile" ]] || return 1
  read -r p s <"$pidfile" || return 1
  [[ "$p" =~ ^[0-9]+$ && "$(proc_starttime "$p" 2>/dev/null)" == "$s" ]] || return 1
  echo "$p"
}

stop_process() {
  local p i
  if p="$(recorded_pid)"; then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do recorded_pid >/dev/null || break; sleep 0.1; done
    if recorded_pid >/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

# ---- rules and qdiscs inside the namespace ----
ns_usable() { [[ -n "$nspath" && -e "$nspath" ]]; }

remove_rules() {
  ns_usable || return 0
  command -v iptables >/dev/null 2>&1 || return 0
  in_ns iptables -t mangle -D POSTROUTING -j "$CHAIN" 2>/dev/null || true
  in_ns iptables -t mangle -F "$CHAIN" 2>/dev/null || true
  in_ns iptables -t mangle -X "$CHAIN" 2>/dev/null || true
}

# The device that carries traffic toward the first destination.
route_dev() {
  local first="${to%%,*}"
  in_ns ip -o route get "${first%/*}" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p'
}

# Our root qdisc is a prio with 4 bands (handle 1:); any other root qdisc is left alone.
remove_netem() {
  ns_usable || return 0
  command -v tc >/dev/null 2>&1 || return 0
  local dev
  for dev in $(in_ns ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    if in_ns tc qdisc show dev "$dev" root 2>/dev/null | grep -q '^qdisc prio 1: root.*bands 4'; then
      in_ns tc qdisc del dev "$dev" root 2>/dev/null || true
    fi
  done
}

# netem on band 4 of a prio qdisc; every packet goes to band 1 (priomap all zeros) except those
# a u32 filter sends to band 4: the other region's addresses.
apply_netem() {
  local dev="$1" t
  in_ns tc qdisc add dev "$dev" root handle 1: prio bands 4 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || return 1
  if ((jitter > 0)); then
    in_ns tc qdisc add dev "$dev" parent 1:4 handle 40: netem delay "${delay}ms" "${jitter}ms" || return 1
  else
    in_ns tc qdisc add dev "$dev" parent 1:4 handle 40: netem delay "${delay}ms" || return 1
  fi
  for t in ${to//,/ }; do
    in_ns tc filter add dev "$dev" protocol ip parent 1:0 prio 4 u32 match ip dst "$t" flowid 1:4 || return 1
  done
}

apply_nfqueue() {
  local bin p start i t
  command -v iptables >/dev/null 2>&1 || die "iptables is not installed (Debian: apt-get install -y iptables)"
  bin="$(bash "$dir/build.sh")" || die "could not build wan-delay (gcc, libnetfilter-queue-dev)"
  mkdir -p "$state"
  : >"$logfile"
  # nsenter and nice exec in place: $! is the delay process itself. Above normal priority, so
  # the machine's other work (a test run's nodes) delays its wake-ups less (measured at load 16:
  # medians up to 99.5 ms for 2 x 40 ms at normal priority).
  setsid nsenter --net="$nspath" nice -n -10 "$bin" -q "$queue" -d "$delay" -j "$jitter" >>"$logfile" 2>&1 </dev/null &
  p=$!
  start="$(proc_starttime "$p")" || die "wan-delay exited at once: $(cat "$logfile")"
  echo "$p $start" >"$pidfile"
  for ((i = 0; i < 50; i++)); do
    grep -q '^wan-delay: ready' "$logfile" && break
    recorded_pid >/dev/null || die "wan-delay exited: $(cat "$logfile")"
    sleep 0.1
  done
  grep -q '^wan-delay: ready' "$logfile" || { stop_process; die "wan-delay not ready after 5 s: $(cat "$logfile")"; }
  in_ns iptables -t mangle -N "$CHAIN"
  for t in ${to//,/ }; do
    in_ns iptables -t mangle -A "$CHAIN" -d "$t" -j NFQUEUE --queue-num "$queue" --queue-bypass
  done
  # mangle POSTROUTING comes after the filter table's OUTPUT: a partition's DROP rules there
  # still see every packet (an NFQUEUE accept ends the traversal of the table it is in).
  in_ns iptables -t mangle -A POSTROUTING -j "$CHAIN"
  nfq_pid="$p"
}

remove_all() {
  stop_process
  remove_rules
  remove_netem
}

if [[ "$verb" == del ]]; then
  remove_all
  say "$label: no added delay"
  exit 0
fi

[[ -n "$nspath" ]] || die "add needs --netns NAME or --pid PID"
[[ -e "$nspath" ]] || die "no network namespace at $nspath"
[[ -n "$to" ]] || die "add needs --to CIDRS (the other region)"
command -v nsenter >/dev/null 2>&1 || die "nsenter is not installed (util-linux)"
remove_all
# A failure half way leaves nothing behind: no process, no rule, no qdisc.
done_ok=0 # read by the EXIT trap
trap '((done_ok)) || remove_all' EXIT
if ((delay == 0)); then
  done_ok=1
  say "$label: delay 0: none added"
  exit 0
fi

used=""
if [[ "$mode" != nfqueue ]]; then
  command -v tc >/dev/null 2>&1 || die "tc is not installed (iproute2)"
  dev="$(route_dev)"
  [[ -n "$dev" ]] || die "$label: no route toward ${to%%,*}"
  err="$(mktemp)"
  if apply_netem "$dev" 2>"$err"; then
    used="netem on $dev"
  else
    remove_netem
    [[ "$mode" == netem ]] && die "$label: tc netem failed: $(tr '\n' ' ' <"$err")"
  fi
  rm -f "$err"
fi
if [[ -z "$used" ]]; then
  apply_nfqueue
  used="nfqueue, pid $nfq_pid"
fi
done_ok=1
jit=""
((jitter > 0)) && jit=" +-$jitter ms"
say "$label: +$delay ms$jit one way toward $to ($used)"

#!/usr/bin/env bash
# Starts, stops, crashes or restarts one process of the topology by its recorded PID.
#
#   node.sh start|stop|kill|restart NAME     NAME: dht eu-m1 eu-m2 eu-r1 us-m1 us-r1
#
# kill is SIGKILL (a crash); stop is SIGTERM (a clean shutdown). start waits for /ready.
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
(($# == 2)) || die "usage: node.sh start|stop|kill|restart NAME"
cmd="$1" name="$2"
skv_is_node "$name" || die "unknown node: $name (one of: ${SKV_ALL[*]})"

wait_up() {
  if [[ "$name" == dht ]]; then sleep 0.5; else skv_wait_ready "$name" 30; fi
}

case "$cmd" in
  start) skv_start "$name"; wait_up ;;
  stop) skv_stop TERM "$name" ;;
  kill) skv_stop KILL "$name" ;;
  restart) skv_stop TERM "$name"; skv_start "$name"; wait_up ;;
  *) die "usage: node.sh start|stop|kill|restart NAME" ;;
esac

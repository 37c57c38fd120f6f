#!/usr/bin/env bash
# Cuts all traffic between A and B, each a node (dht eu-m1 eu-m2 eu-r1 us-m1 us-r1) or a
# region (eu us), with iptables DROP rules inside the node namespaces. Idempotent.
#
#   partition.sh eu us          # the two regions lose each other; each still reaches the dht
#   partition.sh eu-m1 eu-m2    # two masters of one region
#   heal.sh [A B]               # undo one partition, or all
set -euo pipefail
# shellcheck source=scripts/netns/lib.sh
source "$(dirname "$0")/lib.sh"

require_root
require_cmds ip iptables
(($# == 2)) || die "usage: partition.sh A B   (A, B: a node or a region)"
[[ "$1" != "$2" ]] || die "partition.sh needs two different sides"

skv_part_apply add "$1" "$2"
log "partitioned $1 <-> $2"

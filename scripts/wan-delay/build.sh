#!/usr/bin/env bash
# Compiles wan-delay.c (the NFQUEUE delay) and prints the binary's path. The binary is never
# committed: it is built at test time into .cache/ (ignored by git and by the Docker build),
# again only when the source is newer. Needs gcc and Debian's libnetfilter-queue-dev; installs
# them through scripts/ci/ensure-debs.sh (exit 77 when they are missing and this is not root).
#
#   bin="$(scripts/wan-delay/build.sh)"
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$dir/../.." && pwd)"
out="${WAN_DELAY_BIN:-$root/.cache/wan-delay/wan-delay}"
src="$dir/wan-delay.c"

if [[ ! -x "$out" || "$src" -nt "$out" ]]; then
  bash "$root/scripts/ci/ensure-debs.sh" gcc libc6-dev pkg-config libnetfilter-queue-dev >&2
  mkdir -p "$(dirname "$out")"
  # shellcheck disable=SC2046 # pkg-config prints one flag per word
  gcc -O2 -Wall -Wextra -Werror -o "$out.tmp" "$src" $(pkg-config --cflags --libs libnetfilter_queue)
  mv "$out.tmp" "$out"
fi
echo "$out"

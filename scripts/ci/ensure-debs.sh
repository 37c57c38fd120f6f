#!/usr/bin/env bash
# Installs the Debian packages a test tier needs, when they are missing.
#   scripts/ci/ensure-debs.sh PACKAGE...
# Exit 0: all present (installed now or before). Exit 77: some are missing and this is not root,
# so nothing could be installed (the caller says which tier it skips and why).
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-debs: missing ${missing[*]} and not root: cannot install" >&2
  exit 77
fi
stamp=/var/lib/apt/periodic/swarmkv-update-stamp
# apt-get update once per hour at most: several tiers call this in one run.
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
  apt-get update -qq -o DPkg::Lock::Timeout=600
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
echo "ensure-debs: installing ${missing[*]}"
# The lock timeout: another apt-get (a second tier, or a person) may hold dpkg's lock for a while.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
  "${missing[@]}" >/dev/null

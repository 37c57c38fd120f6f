# shellcheck shell=bash
# Helpers shared by the root-only scripts (scripts/netns, scripts/wan-delay, scripts/docker).
# Sourced, not run.

# Field 22 of /proc/PID/stat (start time in clock ticks): with the PID it names one process, so
# a recorded "PID STARTTIME" is never taken for a later process that reused the PID. The comm
# field may hold spaces, hence the cut after its closing parenthesis.
proc_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  # shellcheck disable=SC2086 # fields, one per word
  set -- $stat
  echo "${20}"
}

# json EXPR: evaluates a JS expression over `d`, the JSON read from stdin.
json() {
  node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8"))
    const r = new Function("d", "return (" + process.argv[1] + ")")(d)
    process.stdout.write(typeof r === "string" ? r : JSON.stringify(r))
  ' "$1"
}

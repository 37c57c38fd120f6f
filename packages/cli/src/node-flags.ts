import { readFileSync } from 'node:fs'

/**
 * The Node.js flags a script's `#!/usr/bin/env -S node FLAGS` line asks for. The swarmkv bin
 * keeps its V8 heap flags there, so running it as a program applies them; a launcher that
 * starts it as `node BIN` (swarmkv dev) passes these first to get the same process. testkit's
 * node-flags.ts reads the line the same way (it cannot import the CLI).
 */
export function nodeFlagsOf(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\s*\/usr\/bin\/env\s+-S\s+node((?:\s+--[^\s]+)*)\s*$/.exec(first)
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter((f) => f !== '')
}

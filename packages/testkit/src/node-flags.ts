import { readFileSync } from 'node:fs'

/**
 * The Node.js flags a script's `#!/usr/bin/env -S node FLAGS` line asks for: the swarmkv bin
 * keeps its V8 heap flags there (the memory budget), and a node started by the testkit runs
 * with them as `swarmkv start` run as a program does. Same reading as the CLI's node-flags.ts.
 */
export function nodeFlagsOf(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\s*\/usr\/bin\/env\s+-S\s+node((?:\s+--[^\s]+)*)\s*$/.exec(first)
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter((f) => f !== '')
}

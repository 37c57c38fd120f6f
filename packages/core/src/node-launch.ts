import { readFileSync } from 'node:fs'

/**
 * The swarmkv bin keeps its memory settings for the process (glibc's arenas, V8's semi-spaces)
 * in its #! line, so running it as a program applies them; a launcher that starts it as
 * `node BIN` (swarmkv dev, testkit's clusters) reads them here to get the same process.
 * Node-only (it reads a file): a subpath of its own, not part of the package's index.
 */
/** How a script's `#!/usr/bin/env -S [NAME=VALUE…] node [FLAGS…]` line asks to be run. */
export interface NodeLaunch {
  readonly env: Readonly<Record<string, string>>
  readonly flags: readonly string[]
}

export function nodeLaunchOf(script: string): NodeLaunch {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\s*\/usr\/bin\/env\s+-S\s+((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)node((?:\s+--\S+)*)\s*$/.exec(first)
  if (m === null) return { env: {}, flags: [] }
  const env: Record<string, string> = {}
  for (const a of m[1]!.trim().split(/\s+/).filter((x) => x !== '')) {
    const i = a.indexOf('=')
    env[a.slice(0, i)] = a.slice(i + 1)
  }
  return { env, flags: m[2]!.trim().split(/\s+/).filter((f) => f !== '') }
}

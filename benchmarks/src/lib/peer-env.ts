import type { Entry } from './types.js'
import { execFileSync } from 'node:child_process'

/** The install hint printed whenever a peer baseline is missing. */
export const INSTALL_HINT = 'install the peers with: sudo benchmarks/install-peers.sh'

export function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A skipped scenario, stated in the results rather than left out. */
export function skipped(id: string, group: string, reason: string): Entry {
  return { id, group, status: 'skipped', reason }
}

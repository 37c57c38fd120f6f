import { execFileSync } from 'node:child_process'

/** The install hint printed whenever a peer baseline is missing. */
export const INSTALL_HINT = 'install the peers with: sudo benchmarks/install-peers.sh'

export function onPath(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A skipped scenario, stated in the results rather than left out. */
export function skipped(id, group, reason) {
  return { id, group, status: 'skipped', reason }
}

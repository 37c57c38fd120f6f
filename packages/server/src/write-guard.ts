import { SwarmError } from '@swarmkv/core'
import type { FastifyReply } from 'fastify'
import type { ServerDeps } from './options.js'

/**
 * Decides whether this node may take a write. Replicas redirect to a master (same region first)
 * with 307, which keeps the method and body; with no writable master known the answer is 503.
 * Returns true when the write may proceed here, false when a redirect was sent.
 */
export function admitWrite(deps: ServerDeps, reply: FastifyReply, url: string): boolean {
  if (deps.control.role === 'replica') {
    // Only a master that takes writes: a read-only one would answer 503 (one that never said is
    // an older node, which has no read-only announcement: it may take them).
    const masters = (deps.cluster?.peers() ?? []).filter((p) => p.role === 'master' && p.readOnly !== true && p.connected && p.httpUrl !== '')
    const best = masters.find((p) => p.region === deps.region) ?? masters[0]
    if (best === undefined) throw SwarmError.noMaster()
    void reply.redirect(new URL(url, best.httpUrl).toString(), 307)
    return false
  }
  if (deps.control.readOnly) throw SwarmError.readOnly()
  return true
}

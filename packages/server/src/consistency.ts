import { SwarmError, type Dot } from '@swarmkv/core'
import type { FastifyRequest } from 'fastify'
import type { Limits, ServerDeps } from './options.js'
import { parseTokens, parseWait } from './headers.js'

/** Default wait for X-After when the request gives no ?wait=, in ms. */
export const DEFAULT_READ_WAIT_MS = 1000
/** Default ?timeout= for ?w=N writes, in ms. */
export const DEFAULT_W_TIMEOUT_MS = 5000

/**
 * Read-your-writes: with `X-After: token,…` the read waits until this node has applied those
 * writes, at most ?wait= ms, else 504.
 */
export function readAfter(deps: ServerDeps, req: FastifyRequest, limits: Limits): Promise<void> | undefined {
  // Undefined when there is nothing to wait for: most reads carry no X-After and need no promise.
  const header = req.headers['x-after']
  if (header === undefined) return undefined
  const dots = parseTokens(header)
  if (dots.length === 0) return undefined
  const q = req.query as { wait?: string }
  const wait = parseWait(q.wait, DEFAULT_READ_WAIT_MS, limits.maxWaitMs)
  return deps.engine.waitFor(dots, wait).then((ok) => {
    if (!ok) throw SwarmError.waitTimeout(`this node has not applied the writes in X-After within ${wait} ms`)
  })
}

/**
 * `?w=N`: after the local commit, wait until N nodes (this one included) have applied the write,
 * at most ?timeout= ms. Nothing is rolled back on timeout; the 504 says how many had it.
 */
export async function awaitReplication(deps: ServerDeps, req: FastifyRequest, dots: readonly Dot[], limits: Limits): Promise<number | undefined> {
  const q = req.query as { w?: number; timeout?: string }
  if (q.w === undefined || q.w <= 1) return q.w === undefined ? undefined : 1
  const timeout = parseWait(q.timeout, DEFAULT_W_TIMEOUT_MS, limits.maxWaitMs, 'timeout')
  const outcome = deps.cluster === undefined ? { ok: false, count: 1 } : await deps.cluster.waitReplicated(dots, q.w, timeout)
  if (!outcome.ok) {
    throw SwarmError.waitTimeout(`only ${outcome.count} of the ${q.w} nodes asked for applied the write within ${timeout} ms; it is committed and not rolled back`, {
      replicated: outcome.count,
      tokens: dots.map((d) => `${d.origin}:${d.seq}`)
    })
  }
  return outcome.count
}

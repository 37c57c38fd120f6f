import { covers, type VersionVector } from '@swarmkv/core'
import { dotOfToken, result, type CheckResult } from './model.js'

/** A `?w=N` write as it completed. */
export interface QuorumWrite {
  readonly token: string
  readonly w: number
  readonly status: number
  /** The `replicated` count the answer reported. */
  readonly replicated?: number
  /** When the answer arrived (ms). */
  readonly ackedAt: number
}

/** One node's applied vector, read by a request sent at `at`. */
export interface AppliedSample {
  readonly node: string
  readonly at: number
  readonly applied: VersionVector
}

/**
 * Quorum: a `?w=N` success is never over-reported. A 200 (or 201) must report at least N, no more than
 * the cluster has, and at least N nodes must not have been seen lacking the write after the
 * answer (applied vectors only grow, so a node lacking it later lacked it at the ack).
 */
export function checkQuorum(nodes: readonly string[], writes: readonly QuorumWrite[], samples: readonly AppliedSample[]): CheckResult {
  const problems: string[] = []
  let checked = 0
  for (const q of writes) {
    if (q.status !== 200 && q.status !== 201) continue
    checked++
    const dot = dotOfToken(q.token)
    const lacking = new Set(samples.filter((s) => s.at >= q.ackedAt && !covers(s.applied, dot)).map((s) => s.node))
    const possible = nodes.filter((n) => !lacking.has(n)).length
    if ((q.replicated ?? 0) < q.w) problems.push(`${q.token}: 200 for w=${q.w} reporting replicated=${q.replicated}`)
    else if ((q.replicated ?? 0) > nodes.length) problems.push(`${q.token}: replicated=${q.replicated} in a cluster of ${nodes.length}`)
    else if (possible < q.w) problems.push(`${q.token}: 200 for w=${q.w}, but ${[...lacking].join(', ')} lacked it after the ack (at most ${possible} had it)`)
  }
  return result('quorum never over-reported', checked, problems)
}

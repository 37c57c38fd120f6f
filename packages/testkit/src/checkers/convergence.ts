import { result, type CheckResult } from './model.js'

/** Every node's /admin/digest at one moment (undefined: the node did not answer). */
export interface DigestSample {
  readonly at: number
  readonly digests: ReadonlyMap<string, string | undefined>
}

export interface ConvergenceResult extends CheckResult {
  /** Time from the heal to the first sample where all digests agreed; undefined if never. */
  readonly convergedAfterMs: number | undefined
}

/**
 * Convergence: after the heal at `healedAt`, every node in `nodes` reports the same digest
 * within `boundMs`, and the last sample agrees too (it did not diverge again).
 */
export function checkConvergence(nodes: readonly string[], healedAt: number, samples: readonly DigestSample[], boundMs: number): ConvergenceResult {
  const agree = (s: DigestSample) => {
    const first = s.digests.get(nodes[0] ?? '')
    return first !== undefined && nodes.every((n) => s.digests.get(n) === first)
  }
  const after = samples.filter((s) => s.at >= healedAt).sort((a, b) => a.at - b.at)
  const firstAgree = after.find(agree)
  const convergedAfterMs = firstAgree === undefined ? undefined : firstAgree.at - healedAt
  const problems: string[] = []
  const last = after[after.length - 1]
  if (firstAgree === undefined) {
    const seen = last === undefined ? 'no sample' : nodes.map((n) => `${n}=${last.digests.get(n)?.slice(0, 12) ?? '-'}`).join(' ')
    problems.push(`digests never agreed after the heal (last: ${seen})`)
  } else if (convergedAfterMs! > boundMs) {
    problems.push(`digests agreed ${convergedAfterMs} ms after the heal, over the ${boundMs} ms bound`)
  } else if (last !== undefined && !agree(last)) {
    problems.push('digests agreed, then diverged again')
  }
  return { ...result('convergence', after.length, problems), convergedAfterMs }
}

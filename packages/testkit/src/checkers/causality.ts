import { covers } from '@swarmkv/core'
import { byKey, dotOfToken, result, type CheckResult, type NodeStates, type WriteRecord } from './model.js'

/**
 * Causality over clocks: when a committed write's context covers an earlier write of the same
 * key, the earlier one is never served again, whatever the writers' clocks said (the hybrid
 * clock only ranks concurrent siblings). Checked on every node's final winner and sibling set.
 */
export function checkCausality(writes: readonly WriteRecord[], states: NodeStates): CheckResult {
  const problems: string[] = []
  let checked = 0
  for (const [key, sameKey] of byKey(writes)) {
    const later = sameKey.filter((w) => w.committed && w.context !== undefined && w.token !== undefined)
    for (const w of sameKey) {
      if (w.token === undefined) continue
      const dot = dotOfToken(w.token)
      const by = later.find((l) => l !== w && covers(l.context!, dot))
      if (by === undefined) continue
      checked++
      for (const [node, views] of states) {
        const view = views.get(key)
        if (view?.winner === w.token) problems.push(`${node}: serves ${w.token} of ${JSON.stringify(key)}, which the causally later ${by.token} superseded`)
        else if (view?.siblings.some((s) => s.dot === w.token) === true) problems.push(`${node}: keeps ${w.token} of ${JSON.stringify(key)} as a sibling, though the causally later ${by.token} superseded it`)
      }
    }
  }
  return result('causally later write wins', checked, problems)
}

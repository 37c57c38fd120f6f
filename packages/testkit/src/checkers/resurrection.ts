import { covers } from '@swarmkv/core'
import { byKey, dotOfToken, result, type CheckResult, type NodeStates, type WriteRecord } from './model.js'

/**
 * No resurrection: a key whose last write was a committed delete that had seen every other
 * write to the key (its context covers them all, and no write of unknown outcome touched the
 * key) holds no live value on any node: not after a heal, not after tombstone collection, not
 * after a node comes back with older data.
 */
export function checkNoResurrection(writes: readonly WriteRecord[], states: NodeStates): CheckResult {
  const problems: string[] = []
  let checked = 0
  for (const [key, sameKey] of byKey(writes)) {
    const del = sameKey.find((d) => d.deleted && d.committed && d.token !== undefined && d.context !== undefined &&
      sameKey.every((o) => o === d || (o.committed && o.token !== undefined && covers(d.context!, dotOfToken(o.token)))))
    if (del === undefined) continue
    checked++
    for (const [node, views] of states) {
      const live = views.get(key)?.siblings.filter((s) => !s.deleted) ?? []
      if (live.length > 0) problems.push(`${node}: ${JSON.stringify(key)} was deleted by ${del.token} after every write to it, yet holds ${live.map((s) => s.dot).join(', ')}`)
    }
  }
  return result('no resurrection', checked, problems)
}

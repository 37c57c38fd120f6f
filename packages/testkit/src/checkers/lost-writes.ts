import { covers } from '@swarmkv/core'
import { byKey, dotOfToken, hasUnknown, holds, result, supersededBy, type CheckResult, type NodeStates, type WriteRecord } from './model.js'

/**
 * No lost acknowledged write: on every node, every committed write is still a sibling of its key,
 * or was superseded by a committed write whose context covered it, or is a delete whose
 * tombstone was collected (the key's context still covers it). Anything else was dropped
 * silently. A write missing where a write of unknown outcome to the same key could have
 * superseded it is counted as indeterminate, not lost.
 */
export function checkLostWrites(writes: readonly WriteRecord[], states: NodeStates): CheckResult {
  const keys = byKey(writes)
  const problems: string[] = []
  let checked = 0
  let indeterminate = 0
  for (const [node, views] of states) {
    for (const [key, sameKey] of keys) {
      const view = views.get(key)
      for (const w of sameKey) {
        if (!w.committed || w.token === undefined) continue
        checked++
        if (holds(view, w.token)) continue
        if (supersededBy(w, sameKey) !== undefined) continue
        if (w.deleted && view !== undefined && covers(view.context, dotOfToken(w.token))) continue
        if (hasUnknown(sameKey, w)) { indeterminate++; continue }
        problems.push(`${node}: ${w.deleted ? 'delete' : 'write'} ${w.token} of ${JSON.stringify(key)} is neither a sibling nor superseded`)
      }
    }
  }
  return result('no lost acknowledged write', checked, problems, indeterminate)
}

import { byKey, hasUnknown, holds, result, supersededBy, type CheckResult, type NodeStates, type WriteRecord } from './model.js'

/**
 * Siblings: committed puts to one key that no committed write superseded are concurrent (none
 * saw another), and every node holds every one of them as a sibling. Keys touched by a write of
 * unknown outcome are left out: that write may have superseded some.
 */
export function checkSiblings(writes: readonly WriteRecord[], states: NodeStates): CheckResult {
  const problems: string[] = []
  let checked = 0
  for (const [key, sameKey] of byKey(writes)) {
    if (hasUnknown(sameKey)) continue
    const concurrent = sameKey.filter((w) => !w.deleted && w.token !== undefined && supersededBy(w, sameKey) === undefined)
    if (concurrent.length < 2) continue
    checked += (concurrent.length * (concurrent.length - 1)) / 2
    for (const [node, views] of states) {
      const view = views.get(key)
      const missing = concurrent.filter((w) => !holds(view, w.token!))
      if (missing.length > 0) {
        problems.push(`${node}: ${JSON.stringify(key)} has concurrent writes ${concurrent.map((w) => w.token).join(', ')} but lacks ${missing.map((w) => w.token).join(', ')} as siblings`)
      }
    }
  }
  return result('concurrent writes are siblings', checked, problems)
}

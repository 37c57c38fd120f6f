import { covers, type VersionVector } from '@swarmkv/core'
import { dotOfToken, result, type CheckResult, type WriteRecord } from './model.js'

/** A completed read: the X-After tokens it sent and the context of the state it got. */
export interface ReadRecord {
  readonly node: string
  readonly key: string
  readonly after: readonly string[]
  /** HTTP status: 200 and 404 returned a state; 504 (not applied in time) returned none. */
  readonly status: number
  /** The X-Context the answer carried (empty for a key this node never stored). */
  readonly context?: VersionVector
}

/**
 * Read-your-writes: a read with X-After that answers with a state (200 or 404) returns one whose
 * context covers every token it named for that key: never a state older than the writes the
 * client said it had seen. A 504 is the allowed way to fail.
 */
export function checkReadYourWrites(writes: readonly WriteRecord[], reads: readonly ReadRecord[]): CheckResult {
  const keyOf = new Map(writes.filter((w) => w.token !== undefined).map((w) => [w.token!, w.key]))
  const problems: string[] = []
  let checked = 0
  for (const r of reads) {
    if (r.after.length === 0 || (r.status !== 200 && r.status !== 404)) continue
    for (const token of r.after) {
      if (keyOf.get(token) !== r.key) continue
      checked++
      if (!covers(r.context ?? {}, dotOfToken(token))) problems.push(`${r.node}: a read of ${JSON.stringify(r.key)} after ${token} answered ${r.status} with an older state`)
    }
  }
  return result('read-your-writes', checked, problems)
}

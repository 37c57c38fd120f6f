import * as c from 'compact-encoding'
import { CodecError, opEncoding, type Encoding, type Op } from '@swarmkv/core'

/**
 * One LevelDB entry of the replication log: the ops of one origin that one commit wrote, a
 * contiguous run of seqs. Keyed by origin and first seq; the last seq leads the value so a
 * compaction can drop whole segments without decoding their ops. One entry per origin per commit
 * instead of one per op halves the entries a write costs.
 */
export interface LogSegment {
  readonly last: number
  readonly ops: readonly Op[]
}

export const segmentEncoding: Encoding<LogSegment> = {
  preencode(state, s) {
    c.uint.preencode(state, s.last)
    c.uint.preencode(state, s.ops.length)
    for (const op of s.ops) opEncoding.preencode(state, op)
  },
  encode(state, s) {
    c.uint.encode(state, s.last)
    c.uint.encode(state, s.ops.length)
    for (const op of s.ops) opEncoding.encode(state, op)
  },
  decode(state) {
    const last = c.uint.decode(state)
    const n = c.uint.decode(state)
    const ops: Op[] = []
    for (let i = 0; i < n; i++) ops.push(opEncoding.decode(state))
    if (ops.length > 0 && ops[ops.length - 1]!.seq !== last) throw new CodecError('malformed log segment')
    return { last, ops }
  }
}

/** Just the last seq of a segment. */
export function segmentLast(bytes: Uint8Array): number {
  return c.uint.decode(c.state(0, bytes.byteLength, bytes))
}

/** Splits a commit's ops into contiguous runs per origin, in order. */
export function toSegments(log: readonly Op[]): Op[][] {
  const runs = new Map<string, Op[][]>()
  for (const op of log) {
    let list = runs.get(op.origin)
    if (list === undefined) runs.set(op.origin, (list = []))
    const cur = list[list.length - 1]
    if (cur !== undefined && cur[cur.length - 1]!.seq + 1 === op.seq) cur.push(op)
    else list.push([op])
  }
  return [...runs.values()].flat()
}

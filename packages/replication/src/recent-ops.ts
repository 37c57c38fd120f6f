import type { NodeId, Op, Seq } from '@swarmkv/core'

/**
 * The most recently committed ops of every origin, kept in memory so live streaming rarely
 * reads the log from disk. Bounded by a byte budget; the oldest ops are evicted first.
 */
export class RecentOps {
  private readonly byOrigin = new Map<NodeId, Op[]>()
  private bytes = 0

  constructor(private readonly maxBytes: number = 32 * 1024 * 1024) {}

  append(ops: readonly Op[]): void {
    for (const op of ops) {
      let q = this.byOrigin.get(op.origin)
      if (q === undefined) this.byOrigin.set(op.origin, (q = []))
      const last = q[q.length - 1]
      // Keep each deque contiguous in seq; a jump (never expected) resets it.
      if (last !== undefined && op.seq !== last.seq + 1) {
        for (const o of q) this.bytes -= sizeOf(o)
        q.length = 0
      }
      q.push(op)
      this.bytes += sizeOf(op)
    }
    this.evict()
  }

  /** Ops of `origin` from `from` on, or undefined when they are no longer (or not yet) held. */
  read(origin: NodeId, from: Seq, limit: number): Op[] | undefined {
    const q = this.byOrigin.get(origin)
    const first = q?.[0]
    if (q === undefined || first === undefined || from < first.seq) return undefined
    const i = from - first.seq
    if (i >= q.length) return undefined
    return q.slice(i, i + limit)
  }

  private evict(): void {
    while (this.bytes > this.maxBytes) {
      let biggest: Op[] | undefined
      for (const q of this.byOrigin.values()) if (biggest === undefined || q.length > biggest.length) biggest = q
      const dropped = biggest?.shift()
      if (dropped === undefined) return
      this.bytes -= sizeOf(dropped)
    }
  }
}

export function sizeOf(op: Op): number {
  if (op.kind === 'reg') return op.write.sibling.value.byteLength + op.key.length * 2 + 96
  let n = op.key.length * 2 + 64
  for (const c of op.changes) n += c.byteLength
  return n
}

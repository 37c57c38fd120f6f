import type { NodeId, Op, Seq } from '@swarmkv/core'

/** One origin's ops, contiguous in seq: `ops[head..]` are held; the slots before are evicted. */
interface Run {
  ops: Op[]
  head: number
}

/**
 * Default byte budget of the buffer, counted as heldBytesOf. 16 MiB holds about 24,000 ops of
 * 100 B values: over a second of writes at full load, far more than a connected peer's ack takes;
 * a peer further behind reads the log from disk. Was 32 MiB of an estimate that counted a
 * quarter of what an op really holds (so about 120 MiB of heap).
 */
export const DEFAULT_RECENT_OPS_BYTES = 16 * 1024 * 1024

/**
 * What an op holds in memory beyond its value and key: the op, its sibling, both clocks, the
 * context and the value's own buffer. Measured with 50,000 ops of 100 B values: 342 B per op
 * when the values share one buffer, 826 B when each has its own (as a request body does).
 */
const HELD_OP_BYTES = 640

/**
 * The most recently committed ops of every origin, kept in memory so live streaming rarely
 * reads the log from disk. Bounded by a byte budget; the oldest ops are evicted first.
 * Eviction advances a head index instead of shifting the array: a full buffer holds some 150,000
 * ops, and Array#shift on an array that large moves every element (it lives in V8's large-object
 * space, where the array cannot be trimmed in place), which cost ~100 us per committed op.
 */
export class RecentOps {
  private readonly byOrigin = new Map<NodeId, Run>()
  private bytes = 0

  constructor(private readonly maxBytes: number = DEFAULT_RECENT_OPS_BYTES) {}

  append(ops: readonly Op[]): void {
    for (const op of ops) {
      let run = this.byOrigin.get(op.origin)
      if (run === undefined) this.byOrigin.set(op.origin, (run = { ops: [], head: 0 }))
      const last = run.ops.length > run.head ? run.ops[run.ops.length - 1] : undefined
      // Keep each run contiguous in seq; a jump (never expected) resets it.
      if (last !== undefined && op.seq !== last.seq + 1) {
        for (let i = run.head; i < run.ops.length; i++) this.bytes -= heldBytesOf(run.ops[i]!)
        run.ops = []
        run.head = 0
      }
      run.ops.push(op)
      this.bytes += heldBytesOf(op)
    }
    this.evict()
  }

  /** Ops of `origin` from `from` on, or undefined when they are no longer (or not yet) held. */
  read(origin: NodeId, from: Seq, limit: number): Op[] | undefined {
    const run = this.byOrigin.get(origin)
    const first = run?.ops[run.head]
    if (run === undefined || first === undefined || from < first.seq) return undefined
    const i = run.head + (from - first.seq)
    if (i >= run.ops.length) return undefined
    return run.ops.slice(i, i + limit)
  }

  private evict(): void {
    while (this.bytes > this.maxBytes) {
      let biggest: Run | undefined
      for (const run of this.byOrigin.values()) {
        if (biggest === undefined || run.ops.length - run.head > biggest.ops.length - biggest.head) biggest = run
      }
      if (biggest === undefined || biggest.head >= biggest.ops.length) return
      this.bytes -= heldBytesOf(biggest.ops[biggest.head]!)
      biggest.ops[biggest.head] = undefined as unknown as Op
      biggest.head++
      // Drop the evicted slots once they are half the array: amortised O(1) per op.
      if (biggest.head > 1024 && biggest.head * 2 > biggest.ops.length) {
        biggest.ops = biggest.ops.slice(biggest.head)
        biggest.head = 0
      }
    }
  }
}

/** About the bytes of an op on the wire (a message is cut at BYTES_PER_MESSAGE of these). */
export function sizeOf(op: Op): number {
  if (op.kind === 'reg') return op.write.sibling.value.byteLength + op.key.length * 2 + 96
  let n = op.key.length * 2 + 64
  for (const c of op.changes) n += c.byteLength
  return n
}

/** About the bytes an op holds in memory (the budgets of this buffer and of a session's receive window). */
export function heldBytesOf(op: Op): number {
  if (op.kind === 'reg') return op.write.sibling.value.byteLength + op.key.length * 2 + HELD_OP_BYTES
  let n = op.key.length * 2 + HELD_OP_BYTES
  for (const c of op.changes) n += c.byteLength
  return n
}

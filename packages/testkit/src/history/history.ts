import { parseVV, realScheduler, vvGet, type NodeId, type VersionVector } from '@swarmkv/core'
import type { ReadRecord } from '../checkers/read-your-writes.js'
import type { QuorumWrite } from '../checkers/quorum.js'
import { dotOfToken, type WriteRecord } from '../checkers/model.js'

/** ok: the node answered with success; fail: it answered that nothing was done; unknown: no answer. */
export type Outcome = 'ok' | 'fail' | 'unknown'

export type OpFunction = 'put' | 'del' | 'get'

/** What a client asked. */
export interface Invocation {
  /** The client (worker) that made the call: a process in Jepsen's sense, one call at a time. */
  readonly process: number
  readonly node: string
  readonly f: OpFunction
  readonly key: string
  readonly value?: string
  /** The X-Context sent with a write; undefined: no header (supersede everything the node has). */
  readonly context?: string
  /** X-After tokens of a read. */
  readonly after?: readonly string[]
  /** `?w=N` of a write. */
  readonly w?: number
}

/** What came back. */
export interface Completion {
  readonly outcome: Outcome
  readonly status?: number
  /** X-Write-Token of a write (also on a ?w= 504, which is committed). */
  readonly token?: string
  /** X-Context of the answer (the key's state after a write; the state read by a get). */
  readonly context?: string
  /** The value a get returned; null for a 404. */
  readonly value?: string | null
  /** `replicated` of a ?w= answer. */
  readonly replicated?: number
  /** The error code or message, for a fail or an unknown. */
  readonly error?: string
}

export interface HistoryOp extends Invocation {
  readonly id: number
  readonly invokedAt: number
  completedAt?: number
  completion?: Completion
}

/** One line of the history as Jepsen writes it: an invoke, then its ok / fail / unknown. */
export interface HistoryEvent {
  readonly type: 'invoke' | Outcome
  readonly id: number
  readonly at: number
  readonly op: Invocation | Completion
}

/**
 * The record of every operation clients made: invoke first, completion later. Time comes from
 * the injected clock (ms), so a history can be built by hand in a unit test.
 */
export class History {
  private readonly list: HistoryOp[] = []
  private readonly log: HistoryEvent[] = []

  /** `now` is wall-clock ms by default (the port's wallNow): a fault run compares it with the times its nemesis struck. */
  constructor(private readonly now: () => number = () => realScheduler.wallNow()) {}

  invoke(inv: Invocation): number {
    const id = this.list.length
    const at = this.now()
    this.list.push({ ...inv, id, invokedAt: at })
    this.log.push({ type: 'invoke', id, at, op: inv })
    return id
  }

  complete(id: number, c: Completion): void {
    const op = this.list[id]
    if (op === undefined || op.completion !== undefined) throw new Error(`operation ${id} is not pending`)
    const at = this.now()
    op.completedAt = at
    op.completion = c
    this.log.push({ type: c.outcome, id, at, op: c })
  }

  ops(): readonly HistoryOp[] {
    return this.list
  }

  events(): readonly HistoryEvent[] {
    return this.log
  }

  counts(): { invoked: number; ok: number; fail: number; unknown: number; pending: number } {
    const c = { invoked: this.list.length, ok: 0, fail: 0, unknown: 0, pending: 0 }
    for (const o of this.list) {
      if (o.completion === undefined) c.pending++
      else c[o.completion.outcome]++
    }
    return c
  }
}

/** The context a write superseded, from what the history saw (see WriteRecord.context). */
function supersededContext(op: HistoryOp, c: Completion): VersionVector | undefined {
  const answered = c.context === undefined ? undefined : parseVV(c.context)
  if (answered === undefined || c.token === undefined) return undefined
  if (op.context !== undefined) {
    // The node clamps a sent context to what it has applied; the answer's context is at least
    // that, so the smaller of the two per origin is exactly what the write superseded.
    const sent = parseVV(op.context) ?? {}
    const out: Record<string, number> = {}
    for (const [o, s] of Object.entries(sent)) {
      const m = Math.min(s, vvGet(answered, o as NodeId))
      if (m > 0) out[o] = m
    }
    return out
  }
  // No context sent: the write superseded everything the node had, which is the answer's context
  // without the write's own dot.
  const dot = dotOfToken(c.token)
  const out: Record<string, number> = { ...answered }
  if (dot.seq > 1) out[dot.origin] = dot.seq - 1
  else delete out[dot.origin]
  return out
}

/** The writes of a history, as the checkers take them. Failed writes did nothing and are left out. */
export function writesOf(ops: readonly HistoryOp[]): WriteRecord[] {
  const out: WriteRecord[] = []
  for (const op of ops) {
    if (op.f === 'get') continue
    const c = op.completion
    if (c?.outcome === 'fail' && c.token === undefined) continue
    const committed = c !== undefined && c.token !== undefined && (c.outcome === 'ok' || c.status === 504)
    const rec: WriteRecord = committed
      ? { token: c.token, key: op.key, deleted: op.f === 'del', context: supersededContext(op, c), committed: true }
      : { key: op.key, deleted: op.f === 'del', committed: false }
    out.push(rec)
  }
  return out
}

/** The completed reads of a history. */
export function readsOf(ops: readonly HistoryOp[]): ReadRecord[] {
  const out: ReadRecord[] = []
  for (const op of ops) {
    const c = op.completion
    if (op.f !== 'get' || c?.status === undefined) continue
    out.push({ node: op.node, key: op.key, after: op.after ?? [], status: c.status, context: c.context === undefined ? undefined : parseVV(c.context) })
  }
  return out
}

/** The ?w= writes that got an answer. */
export function quorumWritesOf(ops: readonly HistoryOp[]): QuorumWrite[] {
  const out: QuorumWrite[] = []
  for (const op of ops) {
    const c = op.completion
    if (op.f === 'get' || op.w === undefined || c?.token === undefined || c.status === undefined) continue
    out.push({ token: c.token, w: op.w, status: c.status, replicated: c.replicated, ackedAt: op.completedAt ?? op.invokedAt })
  }
  return out
}

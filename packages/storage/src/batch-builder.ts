import {
  Automerge as A, SwarmError, applyWrite, covers, docEtag, etagOf, evaluatePreconditions, isLive, merge,
  type DocOp, type Preconditions, type Dot, type HybridClock, type NodeId, type Op, type RegisterOp, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { DocRecord, DocWrite, NodeMeta } from './store.js'
import { planDocWrite, type DocEntry } from './doc-cache.js'

/** A change to a document, made inside an Automerge change callback; throwing aborts it. */
export type DocMutation = (root: Record<string, unknown>) => void

export interface DocResult {
  /** Undefined when the change changed nothing (no op was written). */
  readonly dot: Dot | undefined
  /** The document had no current representation before (never written, or deleted). */
  readonly created: boolean
  /** The document's ETag after the change (null: it has no current representation). */
  readonly etag: string | null
}

export interface LocalWrite {
  readonly key: string
  readonly value: Uint8Array
  readonly contentType: string
  readonly deleted: boolean
  /** What the client had seen (X-Context). Absent: supersede everything this node has for the key. */
  readonly context?: VersionVector | undefined
  /** If-Match / If-None-Match, judged against the key's ETag when the write is merged. */
  readonly preconditions?: Preconditions | undefined
}

export interface WriteResult {
  readonly dot: Dot
  /** The key had no live value before this write. */
  readonly created: boolean
  /** The key's state once the whole request was applied. */
  readonly state: RegisterState
}

/** Thrown when a peer's ops are out of order: the peer is at fault. */
export class ApplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ApplyError'
  }
}

/** One state transfer being received: a chunk that failed makes its end fail too. */
export interface StateTransfer {
  failed: boolean
}

/** A request to the single writer. */
export type Job =
  | { kind: 'local'; writes: readonly LocalWrite[]; resolve: (r: WriteResult[]) => void; reject: (e: unknown) => void }
  | { kind: 'remote'; ops: readonly Op[]; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'doc'; key: string; mutate: DocMutation; preconditions: Preconditions | undefined; resolve: (r: DocResult) => void; reject: (e: unknown) => void }
  | { kind: 'state'; registers: ReadonlyArray<readonly [string, RegisterState]>; docs: ReadonlyArray<readonly [string, DocRecord]>; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'stateEnd'; applied: VersionVector; transfer: StateTransfer; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'compact'; floor: VersionVector; resolve: (floor: VersionVector) => void; reject: (e: unknown) => void }
  | { kind: 'gc'; keys: readonly string[]; stable: VersionVector; resolve: (n: number) => void; reject: (e: unknown) => void }

/** The keys a job reads: registers and documents. */
export function keysOf(job: Job, regs: Set<string>, docs: Set<string>): void {
  switch (job.kind) {
    case 'local': for (const w of job.writes) regs.add(w.key); break
    case 'doc': docs.add(job.key); break
    case 'remote': for (const op of job.ops) (op.kind === 'reg' ? regs : docs).add(op.key); break
    case 'state':
      for (const [k] of job.registers) regs.add(k)
      for (const [k] of job.docs) docs.add(k)
      break
    case 'gc': for (const k of job.keys) regs.add(k); break
    default: break
  }
}

export interface BatchContext {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  readonly maxDocBytes: number
  readonly meta: NodeMeta
  /** The committed state of a register (from the cache or the store). */
  committed(key: string): RegisterState
  /** The committed document entry (loaded before the batch). */
  committedDoc(key: string): DocEntry
}

interface DocChange { before: DocEntry; doc: A.Doc<unknown>; changes: Uint8Array[] }

/**
 * Merges one batch of jobs in memory, against committed state, into what one commit writes:
 * key states, document writes, log ops and the node meta. A job that throws leaves nothing
 * behind (its register changes stay in a scratch map until it succeeds); replies are collected
 * and sent only after the commit.
 */
export class BatchBuilder {
  readonly overlay = new Map<string, RegisterState>()
  readonly log: Op[] = []
  readonly done: Array<() => void> = []
  readonly succeeded: Job[] = []
  /** Log ranges to drop once the commit is durable. */
  readonly clears: Array<[NodeId, Seq, Seq]> = []
  readonly docChanges = new Map<string, DocChange>()
  metaChanged = false
  localOps = 0
  remoteOps = 0
  dups = 0
  private seq: Seq
  private readonly applied: Record<string, Seq>
  private readonly floor: Record<string, Seq>

  constructor(private readonly ctx: BatchContext) {
    this.seq = ctx.meta.seq
    this.applied = { ...ctx.meta.applied }
    this.floor = { ...ctx.meta.floor }
  }

  get meta(): NodeMeta {
    return { seq: this.seq, applied: this.applied, floor: this.floor }
  }

  get changed(): boolean {
    return this.log.length > 0 || this.metaChanged
  }

  add(job: Job): void {
    const scratch = new Map<string, RegisterState>()
    const state = (k: string) => scratch.get(k) ?? this.overlay.get(k) ?? this.ctx.committed(k)
    const ops: Op[] = []
    try {
      switch (job.kind) {
        case 'local': this.local(job, state, scratch, ops); break
        case 'remote': this.remote(job, state, scratch, ops); break
        case 'doc': this.doc(job, ops); break
        case 'state': this.state(job, state, scratch); break
        case 'stateEnd': this.stateEnd(job); break
        case 'compact': this.compact(job); break
        case 'gc': this.gc(job, state, scratch); break
      }
    } catch (err) {
      job.reject(err)
      return
    }
    this.succeeded.push(job)
    for (const [k, v] of scratch) this.overlay.set(k, v)
    this.log.push(...ops)
  }

  /** How each changed document is stored, and its entry afterwards. */
  docWrites(): { writes: DocWrite[]; entries: Map<string, DocEntry> } {
    const writes: DocWrite[] = []
    const entries = new Map<string, DocEntry>()
    for (const [k, d] of this.docChanges) {
      if (d.changes.length === 0) continue
      const { write, entry } = planDocWrite(k, d.before, d.doc, d.changes)
      writes.push(write)
      entries.set(k, entry)
    }
    return { writes, entries }
  }

  private docState(k: string): DocChange {
    let d = this.docChanges.get(k)
    if (d === undefined) {
      const before = this.ctx.committedDoc(k)
      d = { before, doc: before.doc, changes: [] }
      this.docChanges.set(k, d)
    }
    return d
  }

  private nextSeq(): Seq {
    this.seq += 1
    this.applied[this.ctx.nodeId] = this.seq
    return this.seq
  }

  private local(job: Extract<Job, { kind: 'local' }>, state: (k: string) => RegisterState, scratch: Map<string, RegisterState>, ops: Op[]): void {
    const { nodeId, clock } = this.ctx
    let s = this.seq
    const created = new Map<string, boolean>()
    for (const w of job.writes) {
      const cur = state(w.key)
      checkPreconditions(w.preconditions, cur)
      if (!created.has(w.key)) created.set(w.key, !isLive(cur))
      const context = w.context === undefined ? cur.context : clampContext(w.context, this.applied, nodeId, s)
      s += 1
      const hlc = clock.tick()
      const op: RegisterOp = {
        kind: 'reg', origin: nodeId, seq: s, hlc, key: w.key,
        write: { context, sibling: { origin: nodeId, seq: s, hlc, value: w.value, contentType: w.contentType, deleted: w.deleted } }
      }
      scratch.set(w.key, applyWrite(cur, op.write))
      ops.push(op)
    }
    // Seqs are taken only once every write of the request was accepted: all or nothing.
    for (let i = 0; i < ops.length; i++) this.nextSeq()
    const results = ops.map((op) => ({ dot: { origin: op.origin, seq: op.seq }, created: created.get(op.key)!, state: scratch.get(op.key)! }))
    this.done.push(() => job.resolve(results))
    this.localOps += ops.length
  }

  private remote(job: Extract<Job, { kind: 'remote' }>, state: (k: string) => RegisterState, scratch: Map<string, RegisterState>, ops: Op[]): void {
    let ownSeq = 0
    const have: Record<string, Seq> = {}
    const seen = (o: NodeId) => have[o] ?? this.applied[o] ?? 0
    for (const op of job.ops) {
      const last = seen(op.origin)
      if (op.seq <= last) { this.dups++; continue }
      if (op.seq !== last + 1) throw new ApplyError(`gap in ops of ${op.origin}: have ${last}, got ${op.seq}`)
      this.ctx.clock.observe(op.hlc)
      // This node's own writes coming back: it lost them (restored from an older copy).
      if (op.origin === this.ctx.nodeId) ownSeq = Math.max(ownSeq, op.seq)
      if (op.kind === 'reg') scratch.set(op.key, applyWrite(state(op.key), op.write))
      else {
        // Changes whose dependencies have not arrived wait inside the document; the raw bytes
        // are stored too, so they survive a restart. (Should a later op of this job fail, the
        // document keeps these changes: re-applying them when they come again changes nothing.)
        const d = this.docState(op.key)
        d.doc = A.applyChanges(d.doc, [...op.changes])[0]
        d.changes.push(...op.changes)
      }
      have[op.origin] = op.seq
      ops.push(op)
    }
    Object.assign(this.applied, have)
    this.seq = Math.max(this.seq, ownSeq)
    const n = ops.length
    this.done.push(() => job.resolve(n))
    this.remoteOps += n
  }

  private doc(job: Extract<Job, { kind: 'doc' }>, ops: Op[]): void {
    const d = this.docState(job.key)
    if (d.before.bytes > this.ctx.maxDocBytes) {
      throw new SwarmError('DOCUMENT_TOO_LARGE', `document is ${d.before.bytes} bytes stored; the limit is ${this.ctx.maxDocBytes}`)
    }
    const current = docEtag(d.doc)
    if (evaluatePreconditions(job.preconditions, current, false) !== 'proceed') throw SwarmError.preconditionFailed(current)
    const created = current === null
    const hlc = this.ctx.clock.tick()
    // A throwing mutation aborts its change and leaves the document as it was.
    const after = A.change(d.doc, { time: Math.floor(hlc.wall / 1000) }, job.mutate)
    if (after === d.doc) {
      this.done.push(() => job.resolve({ dot: undefined, created: false, etag: current }))
      return
    }
    const change = A.getLastLocalChange(after)!
    const op: DocOp = { kind: 'doc', origin: this.ctx.nodeId, seq: this.nextSeq(), hlc, key: job.key, changes: [change] }
    d.doc = after
    d.changes.push(change)
    ops.push(op)
    this.localOps++
    const etag = docEtag(after)
    this.done.push(() => job.resolve({ dot: { origin: op.origin, seq: op.seq }, created: created && etag !== null, etag }))
  }

  private state(job: Extract<Job, { kind: 'state' }>, state: (k: string) => RegisterState, scratch: Map<string, RegisterState>): void {
    for (const [k, incoming] of job.registers) scratch.set(k, merge(state(k), incoming))
    for (const [k, rec] of job.docs) {
      const d = this.docState(k)
      const parts = [...(rec.snapshot !== undefined ? [rec.snapshot] : []), ...rec.chunks]
      for (const p of parts) d.doc = A.loadIncremental(d.doc, p)
      d.changes.push(...parts)
    }
    const n = job.registers.length + job.docs.length
    this.metaChanged = true
    this.done.push(() => job.resolve(n))
  }

  private stateEnd(job: Extract<Job, { kind: 'stateEnd' }>): void {
    // Chunks are merged in order before their end: a failed one has marked the transfer by now.
    if (job.transfer.failed) throw new Error('a chunk of this state transfer was not applied')
    for (const [o, s] of Object.entries(job.applied) as Array<[NodeId, Seq]>) {
      const had = this.applied[o] ?? 0
      if (s <= had) continue
      // The ops (had, s] of o arrived as state: they are not in this log.
      this.applied[o] = s
      this.clears.push([o, 1, s])
      this.floor[o] = Math.max(this.floor[o] ?? 0, s)
    }
    // A node restored from an older copy of its data learns its own later writes here.
    this.seq = Math.max(this.seq, this.applied[this.ctx.nodeId] ?? 0)
    this.metaChanged = true
    this.done.push(() => job.resolve())
  }

  private compact(job: Extract<Job, { kind: 'compact' }>): void {
    for (const [o, want] of Object.entries(job.floor) as Array<[NodeId, Seq]>) {
      const upto = Math.min(want, this.applied[o] ?? 0)
      const had = this.floor[o] ?? 0
      if (upto <= had) continue
      this.clears.push([o, had + 1, upto])
      this.floor[o] = upto
    }
    this.metaChanged = true
    const floor = { ...this.floor }
    this.done.push(() => job.resolve(floor))
  }

  private gc(job: Extract<Job, { kind: 'gc' }>, state: (k: string) => RegisterState, scratch: Map<string, RegisterState>): void {
    // Checked again here: a write may have landed since the scan.
    let n = 0
    for (const k of job.keys) {
      const cur = state(k)
      const next = withoutStableTombstones(cur, job.stable)
      if (next === cur) continue
      scratch.set(k, next)
      n++
    }
    this.metaChanged = this.metaChanged || n > 0
    this.done.push(() => job.resolve(n))
  }
}

/** The state without the tombstone siblings every member has applied; the same object if none. */
export function withoutStableTombstones(s: RegisterState, stable: VersionVector): RegisterState {
  if (!hasStableTombstone(s, stable)) return s
  return { siblings: s.siblings.filter((x) => !(x.deleted && covers(stable, x))), context: s.context }
}

export function hasStableTombstone(s: RegisterState, stable: VersionVector): boolean {
  return s.siblings.some((x) => x.deleted && covers(stable, x))
}

/** A key has a current representation while it has a live sibling; its ETag names its state. */
export function registerEtag(cur: RegisterState): string | null {
  return isLive(cur) ? etagOf(cur.context) : null
}

function checkPreconditions(p: Preconditions | undefined, cur: RegisterState): void {
  if (p === undefined) return
  const etag = registerEtag(cur)
  if (evaluatePreconditions(p, etag, false) !== 'proceed') throw SwarmError.preconditionFailed(etag)
}

/**
 * A client context can only cover what this node has applied: an entry beyond that (a context
 * from a node further ahead, or a forged one) would silently supersede writes nobody here has
 * seen. Clamping turns such writes into visible siblings instead of losing them.
 */
function clampContext(ctx: VersionVector, applied: Readonly<Record<string, Seq>>, self: NodeId, selfSeq: Seq): VersionVector {
  const out: Record<string, Seq> = {}
  for (const [o, s] of Object.entries(ctx)) {
    const max = o === self ? selfSeq : (applied[o] ?? 0)
    const v = Math.min(s, max)
    if (v > 0) out[o] = v
  }
  return out
}

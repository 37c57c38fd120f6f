import { createHash } from 'node:crypto'
import {
  Automerge as A, EMPTY_REGISTER, SwarmError, applyWrite, decode, etagOf, isLive, merge, registerStateEncoding, vvDominates, vvGet,
  type DocOp, type Dot, type HybridClock, type NodeId, type Op, type RegisterOp, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { DocRecord, DocWrite, NodeMeta, Store, StoreSnapshot } from './store.js'
import { Lru } from './lru.js'
import { docHeads, freeDoc, loadEntry, planDocWrite, type DocEntry } from './doc-cache.js'

export type FsyncMode = 'always' | 'batch' | 'off'
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batch', 'off']

export interface LocalWrite {
  readonly key: string
  readonly value: Uint8Array
  readonly contentType: string
  readonly deleted: boolean
  /** What the client had seen (X-Context). Absent: supersede everything this node has for the key. */
  readonly context?: VersionVector | undefined
  /** If-Match: the write applies only when the key's current ETag is listed (`*`: the key is live). */
  readonly ifMatch?: readonly string[] | '*' | undefined
}

/** A change to a document, made inside an Automerge change callback; throwing aborts it. */
export type DocMutation = (root: Record<string, unknown>) => void

export interface DocResult {
  /** Undefined when the change changed nothing (no op was written). */
  readonly dot: Dot | undefined
}

export interface WriteResult {
  readonly dot: Dot
  /** The key's state once the whole request was applied. */
  readonly state: RegisterState
}

/** Thrown when a peer's ops are out of order or claim this node's identity: the peer is at fault. */
export class ApplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ApplyError'
  }
}

export interface EngineOptions {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  /** Default 'batch': concurrent writes share one synced commit. */
  readonly fsync?: FsyncMode
  /** Register states kept decoded in memory, at most. Default 50 000. */
  readonly cacheEntries?: number
  /** Bytes of register values kept in memory, about. Default 32 MiB. */
  readonly cacheBytes?: number
  /** At most this many queued requests go into one commit. Default 1 024. */
  readonly maxBatchJobs?: number
  /** Documents kept loaded in memory. Default 1 000. */
  readonly docCacheEntries?: number
  /** A document whose stored size exceeds this refuses local changes. Default 16 MiB. */
  readonly maxDocBytes?: number
}

type Job =
  | { kind: 'local'; writes: readonly LocalWrite[]; resolve: (r: WriteResult[]) => void; reject: (e: unknown) => void }
  | { kind: 'remote'; ops: readonly Op[]; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'doc'; key: string; mutate: DocMutation; resolve: (r: DocResult) => void; reject: (e: unknown) => void }
  | { kind: 'state'; registers: ReadonlyArray<readonly [string, RegisterState]>; docs: ReadonlyArray<readonly [string, DocRecord]>; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'stateEnd'; applied: VersionVector; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'compact'; floor: VersionVector; resolve: (floor: VersionVector) => void; reject: (e: unknown) => void }
  | { kind: 'gc'; keys: readonly string[]; stable: VersionVector; resolve: (n: number) => void; reject: (e: unknown) => void }

interface Waiter { dots: readonly Dot[]; resolve: (ok: boolean) => void; timer: NodeJS.Timeout | undefined }

export type CommitListener = (ops: readonly Op[]) => void

/**
 * The single writer of a node. Every change, local or replicated, goes through one queue: a batch
 * of queued requests is merged in memory against committed state, then committed as one atomic
 * store batch (the key states, the ops appended to the log, the node's seq and applied vector);
 * requests are answered only after that commit. One batch is in flight at a time, so merges never
 * race and a failed commit leaves memory as it was.
 */
export class Engine {
  readonly nodeId: NodeId
  readonly fsync: FsyncMode
  private readonly clock: HybridClock
  private readonly cache: Lru<string, RegisterState>
  private readonly docs: Lru<string, DocEntry>
  private readonly maxBatchJobs: number
  private readonly maxDocBytes: number
  private meta: NodeMeta = { seq: 0, applied: {}, floor: {} }
  private queue: Job[] = []
  private pumping = false
  private waiters = new Set<Waiter>()
  private listeners = new Set<CommitListener>()
  private closed = false
  /** Counters for /metrics. */
  readonly stats = { commits: 0, localOps: 0, remoteOps: 0, duplicateOps: 0, failedCommits: 0 }

  constructor(private readonly store: Store, opts: EngineOptions) {
    this.nodeId = opts.nodeId
    this.clock = opts.clock
    this.fsync = opts.fsync ?? 'batch'
    this.cache = new Lru(opts.cacheEntries ?? 50_000, undefined, registerSize, opts.cacheBytes ?? 32 * 1024 * 1024)
    this.maxBatchJobs = opts.maxBatchJobs ?? 1024
    this.maxDocBytes = opts.maxDocBytes ?? 16 * 1024 * 1024
    // Every document dropped from memory is freed: Automerge memory lives outside the JS heap.
    this.docs = new Lru(opts.docCacheEntries ?? 1000, (_k, e) => freeDoc(e.doc))
  }

  async open(): Promise<void> {
    this.meta = await this.store.readMeta()
  }

  /** Stops taking work, waits for the batch in flight, and fails waiters. The store stays open. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(SwarmError.storeClosed())
    while (this.pumping) await new Promise((r) => setTimeout(r, 5))
    for (const w of this.waiters) { if (w.timer) clearTimeout(w.timer); w.resolve(false) }
    this.waiters.clear()
    for (const e of this.docs.values()) freeDoc(e.doc)
  }

  get seq(): Seq { return this.meta.seq }
  get refusedStamps(): number { return this.clock.refusedStamps }
  get applied(): VersionVector { return this.meta.applied }
  /** Per origin, the log has no op at or below this seq: a peer that needs one gets a state transfer. */
  get floor(): VersionVector { return this.meta.floor }

  /** A consistent view of every committed key state, for a state transfer. */
  snapshot(): Promise<StoreSnapshot> {
    return this.store.snapshot()
  }

  /**
   * Merges key states received in a state transfer (registers by the register merge, documents
   * by loading their saved bytes into what is here). Idempotent; applied vectors do not move
   * until finishState, so an interrupted transfer leaves nothing claimed that is not here.
   */
  applyState(registers: ReadonlyArray<readonly [string, RegisterState]>, docs: ReadonlyArray<readonly [string, DocRecord]>): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'state', registers, docs, resolve, reject }))
  }

  /**
   * Ends a state transfer whose states covered `applied`: this node now has those writes. Its log
   * lacks the ops it skipped, so its floor rises to match (peers needing them get a transfer).
   */
  finishState(applied: VersionVector): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'stateEnd', applied, resolve, reject }))
  }

  /**
   * Removes the keys whose every sibling is a tombstone that every member has applied (`stable`
   * covers the key's whole context): no member can still send a write those tombstones
   * supersede, so the state carries no information any more. Resolves with how many went.
   */
  async collectTombstones(stable: VersionVector): Promise<number> {
    let removed = 0
    let candidates: string[] = []
    const flush = async () => {
      if (candidates.length === 0) return
      const keys = candidates
      candidates = []
      removed += await new Promise<number>((resolve, reject) => this.enqueue({ kind: 'gc', keys, stable, resolve, reject }))
    }
    for await (const [key, bytes] of this.store.scanRegisters()) {
      if (collectable(decode(registerStateEncoding, bytes), stable)) candidates.push(key)
      if (candidates.length >= 1000) await flush()
    }
    await flush()
    return removed
  }

  readMembers(): Promise<Map<NodeId, VersionVector>> {
    return this.store.readMembers()
  }

  writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> {
    return this.store.writeMembers(members)
  }

  /** Drops log entries at or below `floor` (clamped to what is applied here); resolves with the new floor. */
  compact(floor: VersionVector): Promise<VersionVector> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'compact', floor, resolve, reject }))
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Applies a request's writes atomically (all or nothing) and resolves after the durable commit. */
  write(writes: readonly LocalWrite[]): Promise<WriteResult[]> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'local', writes, resolve, reject }))
  }

  /** Applies ops received from a peer, in order; duplicates are skipped. Resolves with how many were new. */
  applyRemote(ops: readonly Op[]): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'remote', ops, resolve, reject }))
  }

  /** Applies one change to a document and resolves after the durable commit. */
  updateDoc(key: string, mutate: DocMutation): Promise<DocResult> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'doc', key, mutate, resolve, reject }))
  }

  /**
   * Runs `read` on the committed document (undefined when it was never written). The document
   * is only valid during the call.
   */
  async readDoc<T>(key: string, read: (doc: A.Doc<unknown> | undefined) => T): Promise<T> {
    const hit = this.docs.get(key)
    if (hit !== undefined) return read(hit.doc)
    const rec = await this.store.getDoc(key)
    const cached = this.docs.get(key)
    if (cached !== undefined) return read(cached.doc)
    if (rec === undefined) return read(undefined)
    // Only the writer puts documents in the cache; a read of a cold one loads a copy and frees it.
    const entry = loadEntry(rec, this.nodeId)
    try {
      return read(entry.doc)
    } finally {
      freeDoc(entry.doc)
    }
  }

  async get(key: string): Promise<RegisterState | undefined> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    // Synchronous: no commit can land between this read and caching its result.
    const [state] = this.store.getRegistersSync([key])
    if (state !== undefined) this.cache.set(key, state)
    return state
  }

  /** Live keys in order, paged. */
  async list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    const keys: string[] = []
    let cursor = after
    let exhausted = false
    while (keys.length < limit && !exhausted) {
      const page = await this.store.listRegisters({ prefix, after: cursor, limit: Math.max(limit - keys.length, 64) })
      exhausted = page.length === 0
      for (const [k, state] of page) {
        cursor = k
        if (!isLive(state)) continue
        keys.push(k)
        if (keys.length === limit) break
      }
    }
    return { keys, next: keys.length === limit ? (keys[keys.length - 1] ?? null) : null }
  }

  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> {
    return this.store.readLog(origin, fromSeq, limit)
  }

  hasApplied(dot: Dot): boolean {
    return vvGet(this.meta.applied, dot.origin) >= dot.seq
  }

  /** Resolves true once every dot is applied here, false after `timeoutMs`. */
  waitFor(dots: readonly Dot[], timeoutMs: number): Promise<boolean> {
    if (dots.every((d) => this.hasApplied(d))) return Promise.resolve(true)
    if (timeoutMs <= 0 || this.closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const w: Waiter = { dots, resolve, timer: undefined }
      w.timer = setTimeout(() => { this.waiters.delete(w); resolve(false) }, timeoutMs)
      this.waiters.add(w)
    })
  }

  /**
   * SHA-256 over every register state (its canonical bytes) and every document (its heads), in
   * key order: equal digests mean identical states.
   */
  async digest(): Promise<{ digest: string; keys: number }> {
    const h = createHash('sha256')
    let keys = 0
    const add = (kind: string, key: string, bytes: Uint8Array) => {
      const k = Buffer.from(key, 'utf8')
      const head = Buffer.alloc(9)
      head.write(kind, 0)
      head.writeUInt32BE(k.length, 1)
      head.writeUInt32BE(bytes.length, 5)
      h.update(head).update(k).update(bytes)
      keys++
    }
    for await (const key of this.store.scanDocKeys()) {
      const heads = await this.readDoc(key, (d) => (d === undefined ? [] : docHeads(d)))
      add('d', key, Buffer.from(heads.join(','), 'utf8'))
    }
    for await (const [key, bytes] of this.store.scanRegisters()) add('r', key, bytes)
    return { digest: h.digest('hex'), keys }
  }

  private enqueue(job: Job): void {
    if (this.closed) { job.reject(SwarmError.storeClosed()); return }
    this.queue.push(job)
    if (!this.pumping) void this.pump()
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.queue.length > 0) {
        const n = this.fsync === 'always' ? 1 : this.maxBatchJobs
        await this.runBatch(this.queue.splice(0, n))
      }
    } finally {
      this.pumping = false
    }
  }

  private async runBatch(jobs: Job[]): Promise<void> {
    const keys = new Set<string>()
    const docKeys = new Set<string>()
    for (const job of jobs) {
      if (job.kind === 'local') for (const w of job.writes) keys.add(w.key)
      else if (job.kind === 'doc') docKeys.add(job.key)
      else if (job.kind === 'remote') for (const op of job.ops) (op.kind === 'reg' ? keys : docKeys).add(op.key)
      else if (job.kind === 'state') {
        for (const [k] of job.registers) keys.add(k)
        for (const [k] of job.docs) docKeys.add(k)
      } else if (job.kind === 'gc') for (const k of job.keys) keys.add(k)
    }
    const missing = [...keys].filter((k) => !this.cache.has(k))
    const missingDocs = [...docKeys].filter((k) => !this.docs.has(k))
    let loaded: Array<RegisterState | undefined>
    const docBase = new Map<string, DocEntry>()
    try {
      loaded = missing.length > 0 ? this.store.getRegistersSync(missing) : []
      for (const k of missingDocs) docBase.set(k, loadEntry(await this.store.getDoc(k), this.nodeId))
    } catch (err) {
      for (const e of docBase.values()) freeDoc(e.doc)
      for (const job of jobs) job.reject(err)
      return
    }
    const base = new Map<string, RegisterState>()
    missing.forEach((k, i) => base.set(k, loaded[i] ?? EMPTY_REGISTER))

    const overlay = new Map<string, RegisterState>()
    const current = (k: string): RegisterState => overlay.get(k) ?? this.cache.get(k) ?? base.get(k) ?? EMPTY_REGISTER
    let seq = this.meta.seq
    const applied: Record<string, Seq> = { ...this.meta.applied }
    const floor: Record<string, Seq> = { ...this.meta.floor }
    let metaChanged = false
    const clears: Array<[NodeId, Seq, Seq]> = []
    // Documents changed in this batch: the entry before the batch, the latest doc, the changes.
    const docChanges = new Map<string, { before: DocEntry; doc: A.Doc<unknown>; changes: Uint8Array[] }>()
    const docState = (k: string) => {
      let d = docChanges.get(k)
      if (d === undefined) {
        const before = this.docs.get(k) ?? docBase.get(k)!
        d = { before, doc: before.doc, changes: [] }
        docChanges.set(k, d)
      }
      return d
    }
    const log: Op[] = []
    const done: Array<() => void> = []
    const succeeded: Job[] = []
    let localOps = 0
    let remoteOps = 0
    let dups = 0

    for (const job of jobs) {
      const scratch = new Map<string, RegisterState>()
      const state = (k: string) => scratch.get(k) ?? current(k)
      const jobOps: Op[] = []
      try {
        if (job.kind === 'local') {
          let s = seq
          for (const w of job.writes) {
            const cur = state(w.key)
            checkIfMatch(w.ifMatch, cur)
            const context = w.context === undefined ? cur.context : clampContext(w.context, applied, this.nodeId, s)
            s += 1
            const hlc = this.clock.tick()
            const op: RegisterOp = {
              kind: 'reg', origin: this.nodeId, seq: s, hlc, key: w.key,
              write: { context, sibling: { origin: this.nodeId, seq: s, hlc, value: w.value, contentType: w.contentType, deleted: w.deleted } }
            }
            scratch.set(w.key, applyWrite(cur, op.write))
            jobOps.push(op)
          }
          seq = s
          if (s > 0) applied[this.nodeId] = s
          const results = jobOps.map((op) => ({ dot: { origin: op.origin, seq: op.seq }, state: scratch.get(op.key)! }))
          done.push(() => job.resolve(results))
          localOps += jobOps.length
        } else if (job.kind === 'state') {
          for (const [k, incoming] of job.registers) scratch.set(k, merge(state(k), incoming))
          for (const [k, rec] of job.docs) {
            const d = docState(k)
            const parts = [...(rec.snapshot !== undefined ? [rec.snapshot] : []), ...rec.chunks]
            for (const p of parts) d.doc = A.loadIncremental(d.doc, p)
            d.changes.push(...parts)
          }
          const n = job.registers.length + job.docs.length
          metaChanged = true
          done.push(() => job.resolve(n))
        } else if (job.kind === 'stateEnd') {
          for (const [o, s] of Object.entries(job.applied) as Array<[NodeId, Seq]>) {
            const had = applied[o] ?? 0
            if (s <= had) continue
            // The ops (had, s] of o arrived as state: they are not in this log.
            applied[o] = s
            clears.push([o, 1, s])
            floor[o] = Math.max(floor[o] ?? 0, s)
          }
          // A node restored from an older copy of its data learns its own later writes here.
          seq = Math.max(seq, applied[this.nodeId] ?? 0)
          metaChanged = true
          done.push(() => job.resolve())
        } else if (job.kind === 'gc') {
          // Checked again here: a write may have landed since the scan.
          let n = 0
          for (const k of job.keys) {
            if (!collectable(state(k), job.stable)) continue
            scratch.set(k, EMPTY_REGISTER)
            n++
          }
          metaChanged = metaChanged || n > 0
          done.push(() => job.resolve(n))
        } else if (job.kind === 'compact') {
          for (const [o, want] of Object.entries(job.floor) as Array<[NodeId, Seq]>) {
            const upto = Math.min(want, applied[o] ?? 0)
            const had = floor[o] ?? 0
            if (upto <= had) continue
            clears.push([o, had + 1, upto])
            floor[o] = upto
          }
          metaChanged = true
          done.push(() => job.resolve({ ...floor }))
        } else if (job.kind === 'doc') {
          const d = docState(job.key)
          if (d.before.bytes > this.maxDocBytes) {
            throw new SwarmError('DOCUMENT_TOO_LARGE', `document is ${d.before.bytes} bytes stored; the limit is ${this.maxDocBytes}`)
          }
          const hlc = this.clock.tick()
          // A throwing mutation aborts its change and leaves the document as it was.
          const after = A.change(d.doc, { time: Math.floor(hlc.wall / 1000) }, job.mutate)
          if (after === d.doc) {
            done.push(() => job.resolve({ dot: undefined }))
          } else {
            const change = A.getLastLocalChange(after)!
            seq += 1
            applied[this.nodeId] = seq
            const op: DocOp = { kind: 'doc', origin: this.nodeId, seq, hlc, key: job.key, changes: [change] }
            d.doc = after
            d.changes.push(change)
            jobOps.push(op)
            localOps++
            done.push(() => job.resolve({ dot: { origin: op.origin, seq: op.seq } }))
          }
        } else {
          let ownSeq = 0
          const have: Record<string, Seq> = {}
          const seen = (o: NodeId) => have[o] ?? applied[o] ?? 0
          for (const op of job.ops) {
            const last = seen(op.origin)
            if (op.seq <= last) { dups++; continue }
            if (op.seq !== last + 1) throw new ApplyError(`gap in ops of ${op.origin}: have ${last}, got ${op.seq}`)
            this.clock.observe(op.hlc)
            // This node's own writes coming back: it lost them (restored from an older copy).
            if (op.origin === this.nodeId) ownSeq = Math.max(ownSeq, op.seq)
            if (op.kind === 'reg') scratch.set(op.key, applyWrite(state(op.key), op.write))
            else {
              const d = docState(op.key)
              // Changes whose dependencies have not arrived wait inside the document; the raw
              // bytes are stored too, so they survive a restart.
              d.doc = A.applyChanges(d.doc, [...op.changes])[0]
              d.changes.push(...op.changes)
            }
            have[op.origin] = op.seq
            jobOps.push(op)
          }
          Object.assign(applied, have)
          seq = Math.max(seq, ownSeq)
          const n = jobOps.length
          done.push(() => job.resolve(n))
          remoteOps += n
        }
      } catch (err) {
        job.reject(err)
        continue
      }
      succeeded.push(job)
      for (const [k, v] of scratch) overlay.set(k, v)
      log.push(...jobOps)
    }

    const docWrites: DocWrite[] = []
    const docEntries = new Map<string, DocEntry>()
    for (const [k, d] of docChanges) {
      if (d.changes.length === 0) continue
      const { write, entry } = planDocWrite(k, d.before, d.doc, d.changes)
      docWrites.push(write)
      docEntries.set(k, entry)
    }

    if (log.length > 0 || metaChanged) {
      const meta: NodeMeta = { seq, applied, floor }
      try {
        const registers = [...overlay].filter(([, s]) => s !== EMPTY_REGISTER)
        const deletedRegisters = [...overlay].filter(([, s]) => s === EMPTY_REGISTER).map(([k]) => k)
        await this.store.commit({ registers, deletedRegisters, docs: docWrites, log, meta }, { sync: this.fsync !== 'off' })
      } catch (err) {
        this.stats.failedCommits++
        // Nothing was committed: fail exactly the requests that were going into this commit,
        // and drop the documents changed in memory (they reload from the store).
        for (const [k, d] of docChanges) {
          if (d.changes.length === 0) continue
          this.docs.delete(k)
          docBase.delete(k)
          freeDoc(d.doc)
        }
        for (const e of docBase.values()) freeDoc(e.doc)
        for (const job of succeeded) job.reject(err)
        return
      }
      this.meta = meta
      // The floor is committed first, so a crash here leaves extra ops, never a hole.
      for (const [o, from, to] of clears) await this.store.clearLog(o, from, to).catch(() => {})
      for (const [k, v] of overlay) {
        if (v === EMPTY_REGISTER) this.cache.delete(k)
        else this.cache.set(k, v)
      }
      this.stats.commits++
      this.stats.localOps += localOps
      this.stats.remoteOps += remoteOps
    }
    // Loaded documents join the cache (the LRU frees what it evicts); changed ones replace theirs.
    for (const [k, e] of docBase) if (!docEntries.has(k)) this.docs.set(k, e)
    for (const [k, e] of docEntries) this.docs.set(k, e)
    this.stats.duplicateOps += dups
    for (const d of done) d()
    if (log.length > 0 || metaChanged) {
      for (const l of this.listeners) l(log)
      this.wakeWaiters()
    }
  }

  private wakeWaiters(): void {
    for (const w of this.waiters) {
      if (w.dots.every((d) => this.hasApplied(d))) {
        if (w.timer) clearTimeout(w.timer)
        this.waiters.delete(w)
        w.resolve(true)
      }
    }
  }
}

/** Only tombstones, all of them (and everything they superseded) applied by every member. */
function collectable(s: RegisterState | undefined, stable: VersionVector): boolean {
  return s !== undefined && s.siblings.length > 0 && s.siblings.every((x) => x.deleted) && vvDominates(stable, s.context)
}

function registerSize(s: RegisterState): number {
  let n = 64
  for (const sib of s.siblings) n += sib.value.byteLength + sib.contentType.length + 48
  return n
}

function checkIfMatch(ifMatch: readonly string[] | '*' | undefined, cur: RegisterState): void {
  if (ifMatch === undefined) return
  const live = isLive(cur)
  if (ifMatch === '*') {
    if (!live) throw SwarmError.preconditionFailed(null)
    return
  }
  const etag = live ? etagOf(cur.context) : null
  if (etag === null || !ifMatch.includes(etag)) throw SwarmError.preconditionFailed(etag)
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

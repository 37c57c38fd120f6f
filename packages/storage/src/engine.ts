import {
  Automerge as A, EMPTY_REGISTER, Problems, SwarmError, docIsLive, vvGet,
  type Dot, type HybridClock, type NodeId, type Op, type Preconditions, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { DocRecord, NodeMeta, Store, StoreSnapshot } from './store.js'
import { Lru } from './lru.js'
import { listLive, listLiveDocs } from './listing.js'
import { JobQueue } from './job-queue.js'
import { DotWaiters } from './dot-waiters.js'
import { TombstoneIndex } from './tombstones.js'
import { digestOf } from './digest.js'
import { docHeads, freeDoc, loadEntry, type DocEntry } from './doc-cache.js'
import { extendEarlyView, type EarlyView, type Pending } from './early-view.js'
import { BatchBuilder, keysOf, type DocMutation, type DocResult, type Job, type LocalWrite, type StateTransfer, type WriteResult } from './batch-builder.js'

export type { DocMutation, DocResult, LocalWrite, StateTransfer, WriteResult } from './batch-builder.js'
export { ApplyError } from './batch-builder.js'

export type FsyncMode = 'always' | 'batch' | 'off'
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batch', 'off']

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
  /** Where the engine's timer runs (a simulation passes its own). Default: unref'd real timers. */
  readonly timers?: Timers
  /** Where errors handled in the background are logged and counted. Default: a silent one. */
  readonly problems?: Problems
  /** A monotonic clock in ms for the commit timings. Default performance.now. */
  readonly now?: () => number
}

/** One landed commit, as /metrics shows it. */
export interface CommitTiming {
  /** Ops the commit appended to the log (local and replicated). */
  readonly ops: number
  /** Requests (jobs) it answered. */
  readonly jobs: number
  /** From the batch being opened (its first request merged) to the commit landing, ms. */
  readonly commitMs: number
  /** The store's write of the batch alone, ms: with `synced`, the LevelDB write and its fsync. */
  readonly storeMs: number
  /** Whether that store write was synced to disk (--fsync batch or always). */
  readonly synced: boolean
}

export type CommitTimingListener = (t: CommitTiming) => void

export interface Timers {
  setTimeout(fn: () => void, ms: number): { cancel(): void }
}

const realTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref()
    return { cancel: () => clearTimeout(t) }
  }
}

/** Replicated register writes wait at most this long for more before their commit. */
const REMOTE_FLUSH_MS = 10
/** ...and no more than this many ops. */
const REMOTE_FLUSH_OPS = 4096

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
  /**
   * The replicated register writes of the open and in-flight batches that are readable before
   * their commit, and the applied vector they complete (early-view.ts). Undefined when none.
   */
  private early: EarlyView | undefined
  private openBatch: Pending | undefined
  private flushTimer: { cancel(): void } | undefined
  private readonly timers: Timers
  private flushDue = false
  /** The batch whose commit is in progress. */
  private inflight: Pending | undefined
  /** The open batch is ready and commits once the one in flight has landed. */
  private commitWhenLanded = false
  /** Log ranges being dropped after a compaction, in order. */
  private clearing: Promise<void> = Promise.resolve()
  private readonly queue = new JobQueue()
  private pumping = false
  private readonly waiters = new DotWaiters((d) => this.hasApplied(d))
  private listeners = new Set<CommitListener>()
  private readonly tombstones = new TombstoneIndex()
  private readonly problems: Problems
  private readonly now: () => number
  private closed = false
  /** Counters for /metrics. */
  readonly stats = { commits: 0, localOps: 0, remoteOps: 0, duplicateOps: 0, failedCommits: 0 }

  private readonly timingListeners = new Set<CommitTimingListener>()

  constructor(private readonly store: Store, opts: EngineOptions) {
    this.nodeId = opts.nodeId
    this.clock = opts.clock
    this.fsync = opts.fsync ?? 'batch'
    this.cache = new Lru(opts.cacheEntries ?? 50_000, undefined, registerSize, opts.cacheBytes ?? 32 * 1024 * 1024)
    this.maxBatchJobs = opts.maxBatchJobs ?? 1024
    this.maxDocBytes = opts.maxDocBytes ?? 16 * 1024 * 1024
    this.timers = opts.timers ?? realTimers
    this.problems = opts.problems ?? new Problems()
    this.now = opts.now ?? (() => performance.now())
    // Every document dropped from memory is freed: Automerge memory lives outside the JS heap.
    this.docs = new Lru(opts.docCacheEntries ?? 1000, (_k, e) => freeDoc(e.doc))
  }

  async open(): Promise<void> {
    this.meta = await this.store.readMeta()
  }

  /** Stops taking work, waits for the batch in flight, and fails waiters. The store stays open. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.drain()) job.reject(SwarmError.storeClosed())
    while (this.pumping || this.inflight !== undefined) await new Promise((r) => setTimeout(r, 5))
    if (this.flushTimer !== undefined) { this.flushTimer.cancel(); this.flushTimer = undefined }
    // Replicated writes still waiting for their commit get it; nothing else is queued any more.
    const open = this.openBatch
    this.openBatch = undefined
    if (open !== undefined) await this.commitPending(open)
    await this.clearing
    this.waiters.failAll()
    for (const e of this.docs.values()) freeDoc(e.doc)
  }

  get seq(): Seq { return this.meta.seq }
  get refusedStamps(): number { return this.clock.refusedStamps }
  /** Keys known to hold a tombstone sibling, waiting for collection (all of them once a first collection has scanned the store). */
  get tombstonesPending(): number { return this.tombstones.size }
  /** What this node has durably applied: what it tells peers and compacts by. */
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
   * until finishState, so an interrupted transfer leaves nothing claimed that is not here. A
   * chunk that fails marks `transfer`, and its finishState then fails too.
   */
  applyState(registers: ReadonlyArray<readonly [string, RegisterState]>, docs: ReadonlyArray<readonly [string, DocRecord]>, transfer: StateTransfer): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({
      kind: 'state', registers, docs, resolve,
      reject: (e) => { transfer.failed = true; reject(e instanceof Error ? e : new Error(String(e))) }
    }))
  }

  /**
   * Ends a state transfer whose states covered `applied`: this node now has those writes. Its log
   * lacks the ops it skipped, so its floor rises to match (peers needing them get a transfer).
   */
  finishState(applied: VersionVector, transfer: StateTransfer): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'stateEnd', applied, transfer, resolve, reject }))
  }

  /**
   * Drops the tombstone siblings every member has applied (`stable` covers their dots); each key
   * keeps its context, so a write or state that arrives later merges exactly as it would have
   * with the tombstone there (DESIGN §2). Resolves with how many keys changed.
   */
  collectTombstones(stable: VersionVector): Promise<number> {
    return this.tombstones.collect(stable, () => this.store.scanRegisters(),
      (keys) => new Promise<number>((resolve, reject) => this.enqueue({ kind: 'gc', keys, stable, resolve, reject })))
  }

  readMembers(): Promise<Map<NodeId, VersionVector>> {
    return this.store.readMembers()
  }

  writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> {
    return this.store.writeMembers(members)
  }

  /** Drops log entries at or below `floor` (clamped to what is applied here); resolves with the new floor. */
  async compact(floor: VersionVector): Promise<VersionVector> {
    const done = await new Promise<VersionVector>((resolve, reject) => this.enqueue({ kind: 'compact', floor, resolve, reject }))
    // The ops go after the commit, beside later writes; the caller gets them gone.
    await this.clearing
    return done
  }

  /** Tells `listener` the sizes and timings of every landed commit (for /metrics). */
  onCommitTiming(listener: CommitTimingListener): () => void {
    this.timingListeners.add(listener)
    return () => this.timingListeners.delete(listener)
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
  updateDoc(key: string, mutate: DocMutation, preconditions?: Preconditions): Promise<DocResult> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'doc', key, mutate, preconditions, resolve, reject }))
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
    const early = this.early?.states.get(key)
    if (early !== undefined) return early
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    // Synchronous: no commit can land between this read and caching its result.
    const [state] = this.store.getRegistersSync([key])
    if (state !== undefined) this.cache.set(key, state)
    return state
  }

  /** Live keys in order, paged, as `get` reads them (replicated writes shown early included). */
  list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    return listLive((from, n) => this.store.listRegisters({ prefix, after: from, limit: n }), () => this.early?.states, prefix, after, limit)
  }

  /** Live documents in key order, paged (listing.ts says what a page costs). */
  listDocs(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    return listLiveDocs(this.store.scanDocKeys(), (k) => this.readDoc(k, (d) => d !== undefined && docIsLive(d)), prefix, after, limit)
  }

  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> {
    return this.store.readLog(origin, fromSeq, limit)
  }

  /** Whether reads here see the write `dot` (it may still be committing if it came from a peer). */
  hasApplied(dot: Dot): boolean {
    return vvGet(this.meta.applied, dot.origin) >= dot.seq || (this.early !== undefined && vvGet(this.early.applied, dot.origin) >= dot.seq)
  }

  /** Resolves true once every dot is applied here, false after `timeoutMs`. */
  waitFor(dots: readonly Dot[], timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(dots, this.closed ? 0 : timeoutMs)
  }

  /** A hash of every key state (digest.ts): equal digests mean identical states. */
  digest(): Promise<{ digest: string; keys: number }> {
    return digestOf(this.store.scanDocKeys(), (key) => this.readDoc(key, (d) => (d === undefined ? [] : docHeads(d))), this.store.scanRegisters())
  }

  private enqueue(job: Job): void {
    if (this.closed) { job.reject(SwarmError.storeClosed()); return }
    this.queue.push(job)
    if (!this.pumping) void this.pump()
  }

  /**
   * Feeds queued jobs to the open batch. While a commit is in flight only replicated register
   * ops are merged (on top of it, and shown at once; they pass the requests waiting, job-queue.ts);
   * everything else waits for it to land, so the in-flight batch is the only one a local request
   * can be merged on top of uncommitted.
   */
  private async pump(): Promise<void> {
    this.pumping = true
    try {
      const max = this.fsync === 'always' ? 1 : this.maxBatchJobs
      for (;;) {
        const flush = this.flushDue
        let jobs: Job[]
        if (this.inflight === undefined) jobs = this.queue.take(max)
        else jobs = this.openBatch === undefined || this.hasRoom(this.openBatch) ? this.queue.takeReplicated(max) : []
        if (jobs.length === 0 && !flush) break
        this.flushDue = false
        await this.runBatch(jobs, flush)
      }
    } finally {
      this.pumping = false
    }
  }

  /**
   * Adds jobs to the open batch (or a new one), then commits it, unless it holds only replicated
   * register writes: those are readable at once (publishEarly), so their commit can wait up to
   * REMOTE_FLUSH_MS for more and one fsync covers many peer messages instead of one each. One
   * commit is in flight at a time; a batch ready while one is lands when it has landed.
   */
  private async runBatch(jobs: Job[], flush: boolean): Promise<void> {
    // The batch stays the open one while it loads, so a commit failing or landing meanwhile sees it.
    const p = this.openBatch ?? (this.openBatch = this.newPending())
    try {
      await this.loadBase(p, jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      if (this.openBatch === p && p.batch.succeeded.length === 0) this.discard(p)
      else if (this.openBatch === p) this.armFlush()
      return
    }
    if (this.openBatch !== p) {
      // The commit it was built on failed meanwhile (commitPending voided it).
      for (const job of jobs) job.reject(p.below?.failure ?? SwarmError.storeClosed())
      this.discard(p)
      return
    }
    for (const job of jobs) p.batch.add(job)
    this.publishEarly(p)
    if (!flush && !this.closed && this.canDefer(p)) {
      this.armFlush()
      return
    }
    if (this.inflight !== undefined) {
      this.commitWhenLanded = true
      return
    }
    this.openBatch = undefined
    if (this.flushTimer !== undefined) { this.flushTimer.cancel(); this.flushTimer = undefined }
    this.inflight = p
    void this.commitPending(p).then(() => {
      if (this.commitWhenLanded) this.flushDue = true
      this.commitWhenLanded = false
      if (!this.pumping && (this.flushDue || this.queue.length > 0)) void this.pump()
    })
  }

  /** Frees what a batch that will not commit loaded. */
  private discard(p: Pending): void {
    if (this.openBatch === p) this.openBatch = undefined
    for (const e of p.docBase.values()) freeDoc(e.doc)
    p.docBase.clear()
  }

  private newPending(): Pending {
    const base = new Map<string, RegisterState>()
    const docBase = new Map<string, DocEntry>()
    const batch = new BatchBuilder({
      nodeId: this.nodeId, clock: this.clock, maxDocBytes: this.maxDocBytes, meta: this.inflight?.batch.meta ?? this.meta,
      committed: (k) => base.get(k) ?? EMPTY_REGISTER,
      committedDoc: (k) => this.docs.get(k) ?? docBase.get(k)!
    })
    return { batch, base, docBase, late: new Set(), shown: new Set(), published: 0, below: this.inflight, failure: undefined, openedAt: this.now() }
  }

  /**
   * Pins the state every key the jobs read will have once the commit in flight (if any) lands:
   * the cache may evict an entry while a batch stays open, and nothing else commits meanwhile.
   */
  private async loadBase(p: Pending, jobs: readonly Job[]): Promise<void> {
    const keys = new Set<string>()
    const docKeys = new Set<string>()
    for (const job of jobs) keysOf(job, keys, docKeys)
    const missing: string[] = []
    for (const k of keys) {
      if (p.base.has(k) || p.batch.overlay.has(k)) continue
      const hit = this.inflight?.batch.overlay.get(k) ?? this.cache.get(k)
      if (hit !== undefined) p.base.set(k, hit)
      else missing.push(k)
    }
    const loaded = missing.length > 0 ? this.store.getRegistersSync(missing) : []
    missing.forEach((k, i) => p.base.set(k, loaded[i] ?? EMPTY_REGISTER))
    for (const k of docKeys) {
      if (!this.docs.has(k) && !p.docBase.has(k)) p.docBase.set(k, loadEntry(await this.store.getDoc(k), this.nodeId))
    }
  }

  private canDefer(p: Pending): boolean {
    const b = p.batch
    return this.fsync !== 'always' && b.changed && b.docChanges.size === 0 && this.hasRoom(p) &&
      b.succeeded.every((j) => j.kind === 'remote')
  }

  private hasRoom(p: Pending): boolean {
    return p.batch.log.length < REMOTE_FLUSH_OPS && p.batch.succeeded.length < this.maxBatchJobs
  }

  private armFlush(): void {
    if (this.flushTimer !== undefined) return
    this.flushTimer = this.timers.setTimeout(() => {
      this.flushTimer = undefined
      this.flushDue = true
      if (!this.pumping) void this.pump()
    }, REMOTE_FLUSH_MS)
  }

  private async commitPending(p: Pending): Promise<void> {
    const { batch, docBase } = p
    const docs = batch.docWrites()
    if (batch.changed) {
      const meta = batch.meta
      const synced = this.fsync !== 'off'
      const started = this.now()
      try {
        await this.store.commit({ registers: [...batch.overlay], docs: docs.writes, log: batch.log, meta }, { sync: synced })
        const landed = this.now()
        for (const l of this.timingListeners) l({ ops: batch.log.length, jobs: batch.succeeded.length, commitMs: landed - p.openedAt, storeMs: landed - started, synced })
      } catch (err) {
        if (this.inflight === p) this.inflight = undefined
        p.failure = err
        this.early = undefined
        this.stats.failedCommits++
        // A batch merged on top of this one is void too (also one still loading: runBatch sees
        // it is no longer the open batch); its jobs are replicated ops, which their peers send again.
        const next = this.openBatch
        if (next !== undefined && next.below === p) {
          this.discard(next)
          this.commitWhenLanded = false
          for (const job of next.batch.succeeded) job.reject(err)
        }
        // Nothing was committed: fail exactly the requests that were going into this commit,
        // and drop the documents changed in memory (they reload from the store).
        for (const [k, d] of batch.docChanges) {
          if (d.changes.length === 0) continue
          this.docs.delete(k)
          docBase.delete(k)
          freeDoc(d.doc)
        }
        for (const e of docBase.values()) freeDoc(e.doc)
        for (const job of batch.succeeded) job.reject(err)
        return
      }
      this.meta = meta
      // The floor is committed first, so a crash here leaves extra ops, never a hole. Dropping
      // the ops runs beside later commits (they only append above the floor): a compaction
      // deletes tens of thousands of segments, and writes waited for it (a 600 ms stall measured).
      if (batch.clears.length > 0) this.clearing = this.clearing.then(() => this.clearLogs(batch.clears))
      for (const [k, v] of batch.overlay) {
        this.cache.set(k, v)
        this.tombstones.note(k, v)
      }
      this.retireEarly(batch.overlay)
      this.stats.commits++
      this.stats.localOps += batch.localOps
      this.stats.remoteOps += batch.remoteOps
    }
    if (this.inflight === p) this.inflight = undefined
    // Loaded documents join the cache (the LRU frees what it evicts); changed ones replace theirs.
    for (const [k, e] of docBase) if (!docs.entries.has(k)) this.docs.set(k, e)
    for (const [k, e] of docs.entries) this.docs.set(k, e)
    this.stats.duplicateOps += batch.dups
    for (const d of batch.done) d()
    if (batch.changed) {
      for (const l of this.listeners) l(batch.log)
      this.waiters.wake()
    }
  }

  private async clearLogs(clears: ReadonlyArray<readonly [NodeId, Seq, Seq]>): Promise<void> {
    // The floor is already committed: ops left behind are only space, cleared by the next compaction.
    for (const [o, from, to] of clears) await this.store.clearLog(o, from, to).catch(this.problems.catcher('log-clear', 'dropping compacted log ops failed'))
  }

  /**
   * Drops from the early view what a landed commit made readable from the cache and the store:
   * every key it wrote, except those the open batch (merged on top of it) shows itself, whose
   * entry is newer. A key shown before a local write joined the landed batch goes too: the
   * committed state now holds both.
   */
  private retireEarly(landed: ReadonlyMap<string, RegisterState>): void {
    const early = this.early
    if (early === undefined) return
    const open = this.openBatch
    if (open === undefined || open.shown.size === 0) { this.early = undefined; return }
    for (const k of landed.keys()) if (!open.shown.has(k)) early.states.delete(k)
  }

  private publishEarly(p: Pending): void {
    const before = p.published
    this.early = extendEarlyView(this.early, p, this.nodeId, this.meta.applied, this.inflight)
    if (p.published !== before && this.early !== undefined) this.waiters.wake()
  }
}

function registerSize(s: RegisterState): number {
  let n = 64
  for (const sib of s.siblings) n += sib.value.byteLength + sib.contentType.length + 48
  return n
}

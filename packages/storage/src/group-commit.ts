import { EMPTY_REGISTER, SwarmError, vvGet, type Dot, type HybridClock, type NodeId, type Problems, type RegisterState, type Scheduler, type Seq } from '@swarmkv/core'
import type { DocWrite, NodeMeta, Store, StoreWrite } from './store.js'
import type { Lru } from './lru.js'
import type { KeyStates } from './key-states.js'
import type { Checkpointer } from './checkpoint.js'
import type { Failpoints } from './failpoints.js'
import type { TombstoneIndex } from './tombstones.js'
import type { CommitListener, CommitTimingListener, FsyncMode } from './types.js'
import { JobQueue } from './job-queue.js'
import { DotWaiters } from './dot-waiters.js'
import { freeDoc, loadEntry, type DocEntry } from './doc-entry.js'
import { extendEarlyView, type EarlyView } from './early-view.js'
import { keysOf, type Job } from './jobs.js'
import { Batch, type OpenBatch } from './batch.js'
import { mergeJob } from './appliers.js'

/** Replicated register writes wait at most this long for more before their commit. */
const REMOTE_FLUSH_MS = 10
/** ...and no more than this many ops, */
const REMOTE_FLUSH_OPS = 4096
/** ...and no more than this many bytes of values (what the early view holds per batch). */
export const DEFAULT_EARLY_BYTES = 4 * 1024 * 1024

export interface GroupCommitDeps {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  readonly store: Store
  readonly states: KeyStates
  readonly docs: Lru<string, DocEntry>
  readonly checkpointer: Checkpointer
  readonly tombstones: TombstoneIndex
  readonly problems: Problems
  readonly failpoints: Failpoints
  readonly scheduler: Scheduler
  readonly fsync: FsyncMode
  readonly maxBatchJobs: number
  readonly maxDocBytes: number
  readonly earlyBytes: number
}

/**
 * Group commit: the single writer of a node. Jobs are merged into the open batch in memory
 * against committed state; a batch is committed by one store write (the log append of its ops,
 * or, for a batch with jobs that change state without ops, a checkpoint-style write of states
 * and marker); requests are answered only after it landed. One batch is in flight at a time, so
 * merges never race and a failed commit leaves memory as it was.
 */
export class GroupCommit {
  meta: NodeMeta = { seq: 0, applied: {}, floor: {} }
  /**
   * The replicated register writes of the open and in-flight batches that are readable before
   * their commit, and the applied vector they complete (early-view.ts). Undefined when none.
   */
  early: EarlyView | undefined
  private openBatch: OpenBatch | undefined
  /** The batch whose commit is in progress. */
  private inflight: OpenBatch | undefined
  private flushTimer: { cancel(): void } | undefined
  private flushDue = false
  /** The open batch is ready and commits once the one in flight has landed. */
  private commitWhenLanded = false
  /** Log ranges being dropped after a compaction, in order. */
  clearing: Promise<void> = Promise.resolve()
  private readonly queue = new JobQueue()
  private pumping = false
  private closed = false
  readonly waiters: DotWaiters
  /** close() waiting for the writer to go idle. */
  private readonly idleWaiters: Array<() => void> = []
  readonly listeners = new Set<CommitListener>()
  readonly timingListeners = new Set<CommitTimingListener>()
  /** Counters for /metrics. */
  readonly stats = { commits: 0, localOps: 0, remoteOps: 0, duplicateOps: 0, failedCommits: 0 }

  constructor(private readonly d: GroupCommitDeps) {
    this.waiters = new DotWaiters((dot) => this.hasApplied(dot), d.scheduler)
  }

  get isClosed(): boolean { return this.closed }

  /** Whether reads here see the write `dot` (it may still be committing if it came from a peer). */
  hasApplied(dot: Dot): boolean {
    return vvGet(this.meta.applied, dot.origin) >= dot.seq || (this.early !== undefined && vvGet(this.early.applied, dot.origin) >= dot.seq)
  }

  enqueue(job: Job): void {
    if (this.closed) { job.reject(SwarmError.storeClosed()); return }
    this.queue.push(job)
    if (!this.pumping) void this.pump()
  }

  /** Stops taking work and waits for the batch in flight; replicated writes still open get their commit. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.drain()) job.reject(SwarmError.storeClosed())
    while (this.pumping || this.inflight !== undefined) await new Promise<void>((r) => this.idleWaiters.push(r))
    if (this.flushTimer !== undefined) { this.flushTimer.cancel(); this.flushTimer = undefined }
    const open = this.openBatch
    this.openBatch = undefined
    if (open !== undefined) await this.commitBatch(open)
    await this.clearing
  }

  /** Commits what is open and writes every dirty state with the marker (the clean stop). */
  async finalCheckpoint(): Promise<void> {
    await this.d.checkpointer.idle()
    const b = this.newBatch()
    b.batch.checkpoint = true
    b.batch.metaChanged = true
    await this.commitBatch(b)
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
      const max = this.d.fsync === 'always' ? 1 : this.d.maxBatchJobs
      for (;;) {
        // The dirty map is past twice its budget: let the checkpoint in flight land first.
        const full = this.d.checkpointer.backpressure()
        if (full !== undefined) await full
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
      this.settled()
    }
  }

  /** Wakes close() once nothing is being merged and no commit is in flight. */
  private settled(): void {
    if (this.pumping || this.inflight !== undefined) return
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /**
   * Adds jobs to the open batch (or a new one), then commits it, unless it holds only replicated
   * register writes: those are readable at once (publishEarly), so their commit can wait up to
   * REMOTE_FLUSH_MS for more and one fsync covers many peer messages instead of one each. One
   * commit is in flight at a time; a batch ready while one is lands when it has landed.
   */
  private async runBatch(jobs: Job[], flush: boolean): Promise<void> {
    // The batch stays the open one while it loads, so a commit failing or landing meanwhile sees it.
    const p = this.openBatch ?? (this.openBatch = this.newBatch())
    try {
      await this.loadBase(p, jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      if (this.openBatch === p && p.batch.succeeded.length === 0) this.discard(p)
      else if (this.openBatch === p) this.armFlush()
      return
    }
    if (this.openBatch !== p) {
      // The commit it was built on failed meanwhile (commitBatch voided it).
      for (const job of jobs) job.reject(p.below?.failure ?? SwarmError.storeClosed())
      this.discard(p)
      return
    }
    for (const job of jobs) mergeJob(p.batch, job)
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
    void this.commitBatch(p).then(() => {
      if (this.commitWhenLanded) this.flushDue = true
      this.commitWhenLanded = false
      if (!this.pumping && (this.flushDue || this.queue.length > 0)) void this.pump()
    })
  }

  /** Frees what a batch that will not commit loaded. */
  private discard(p: OpenBatch): void {
    if (this.openBatch === p) this.openBatch = undefined
    for (const e of p.docBase.values()) freeDoc(e.doc)
    p.docBase.clear()
  }

  private newBatch(): OpenBatch {
    const base = new Map<string, RegisterState>()
    const docBase = new Map<string, DocEntry>()
    const batch = new Batch({
      nodeId: this.d.nodeId, clock: this.d.clock, maxDocBytes: this.d.maxDocBytes, meta: this.inflight?.batch.meta ?? this.meta,
      committed: (k) => base.get(k) ?? EMPTY_REGISTER,
      committedDoc: (k) => this.d.docs.get(k) ?? docBase.get(k)!
    })
    return { batch, base, docBase, late: new Set(), shown: new Set(), published: 0, below: this.inflight, failure: undefined, openedAt: this.d.scheduler.now() }
  }

  /**
   * Pins the state every key the jobs read will have once the commit in flight (if any) lands:
   * the clean cache may evict an entry while a batch stays open, and nothing else commits meanwhile.
   */
  private async loadBase(p: OpenBatch, jobs: readonly Job[]): Promise<void> {
    const keys = new Set<string>()
    const docKeys = new Set<string>()
    for (const job of jobs) keysOf(job, keys, docKeys)
    let missing: string[] | undefined
    for (const k of keys) {
      if (p.base.has(k) || p.batch.overlay.has(k)) continue
      const hit = this.inflight?.batch.overlay.get(k) ?? this.d.states.get(k)
      if (hit !== undefined) p.base.set(k, hit)
      else (missing ??= []).push(k)
    }
    if (missing !== undefined) {
      // Synchronous: a few small values are quicker read inline than through the thread pool.
      const loaded = this.d.store.getRegistersSync(missing)
      for (let i = 0; i < missing.length; i++) {
        const s = loaded[i]
        p.base.set(missing[i]!, s ?? EMPTY_REGISTER)
        if (s !== undefined) this.d.states.loaded(missing[i]!, s)
      }
    }
    for (const k of docKeys) {
      if (!this.d.docs.has(k) && !p.docBase.has(k)) p.docBase.set(k, loadEntry(await this.d.store.getDoc(k), this.d.nodeId))
    }
  }

  private canDefer(p: OpenBatch): boolean {
    const b = p.batch
    return this.d.fsync !== 'always' && b.changed && b.docChanges.size === 0 && this.hasRoom(p) &&
      b.succeeded.every((j) => j.kind === 'remote')
  }

  private hasRoom(p: OpenBatch): boolean {
    const b = p.batch
    return b.log.length < REMOTE_FLUSH_OPS && b.valueBytes < this.d.earlyBytes && b.succeeded.length < this.d.maxBatchJobs
  }

  private armFlush(): void {
    if (this.flushTimer !== undefined) return
    this.flushTimer = this.d.scheduler.setTimeout(() => {
      this.flushTimer = undefined
      this.flushDue = true
      if (!this.pumping) void this.pump()
    }, REMOTE_FLUSH_MS)
  }

  /** The store write of a batch: its log append, or a checkpoint-style write of every dirty state, its own and the marker. */
  private async storeWrite(batch: Batch, docs: readonly DocWrite[]): Promise<StoreWrite> {
    if (!batch.checkpoint) return { registers: [], docs, log: batch.log }
    // No background checkpoint may land its older marker after this one.
    await this.d.checkpointer.idle()
    return { registers: withDirty(this.d.states, batch.overlay), docs, log: batch.log, meta: batch.meta }
  }

  private async commitBatch(p: OpenBatch): Promise<void> {
    const { batch, docBase } = p
    const { states, store } = this.d
    let docEntries: Map<string, DocEntry> | undefined
    if (batch.changed) {
      const meta = batch.meta
      const synced = this.d.fsync !== 'off'
      try {
        const docs = batch.docWrites()
        docEntries = docs.entries
        const write = await this.storeWrite(batch, docs.writes)
        const started = this.d.scheduler.now()
        await store.write(write, { sync: synced })
        const landed = this.d.scheduler.now()
        for (const l of this.timingListeners) l({ ops: batch.log.length, jobs: batch.succeeded.length, commitMs: landed - p.openedAt, storeMs: landed - started, synced })
      } catch (err) {
        this.failed(p, err)
        return
      }
      this.meta = meta
      if (batch.checkpoint) {
        states.allClean()
        for (const [k, v] of batch.overlay) states.loaded(k, v)
        this.d.checkpointer.covered()
      } else {
        for (const [k, v] of batch.overlay) states.committed(k, v)
        if (batch.log.length > 0) this.d.failpoints.hit('after-log-append')
      }
      for (const [k, v] of batch.overlay) this.d.tombstones.note(k, v)
      if (batch.clears.length > 0) {
        this.d.failpoints.hit('after-checkpoint')
        // The floor is committed first, so a crash here leaves extra ops, never a hole. Dropping
        // the ops runs beside later commits (they only append above the floor): a compaction
        // deletes tens of thousands of segments, and writes waited for it (a 600 ms stall measured).
        this.clearing = this.clearing.then(() => this.clearLogs(batch.clears))
      }
      this.retireEarly(batch.overlay)
      this.stats.commits++
      this.stats.localOps += batch.localOps
      this.stats.remoteOps += batch.remoteOps
    }
    if (this.inflight === p) { this.inflight = undefined; this.settled() }
    // Loaded documents join the cache (the LRU frees what it evicts); changed ones replace theirs.
    for (const [k, e] of docBase) if (docEntries?.has(k) !== true) this.d.docs.set(k, e)
    if (docEntries !== undefined) for (const [k, e] of docEntries) this.d.docs.set(k, e)
    this.stats.duplicateOps += batch.dups
    // Replies first: a snapshot job takes its store snapshot in its reply, before a background
    // checkpoint may start writing states newer than its marker.
    for (const done of batch.done) done()
    if (batch.changed) {
      for (const l of this.listeners) l(batch.log)
      this.waiters.wake()
      this.d.checkpointer.landed(batch.log.length, this.meta)
    }
  }

  private failed(p: OpenBatch, err: unknown): void {
    const { batch, docBase } = p
    if (this.inflight === p) { this.inflight = undefined; this.settled() }
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
      this.d.docs.delete(k)
      docBase.delete(k)
      freeDoc(d.doc)
    }
    for (const e of docBase.values()) freeDoc(e.doc)
    for (const job of batch.succeeded) job.reject(err)
  }

  private async clearLogs(clears: ReadonlyArray<readonly [NodeId, Seq, Seq]>): Promise<void> {
    // The floor is already committed: ops left behind are only space, cleared by the next compaction.
    for (const [o, from, to] of clears) await this.d.store.clearLog(o, from, to).catch(this.d.problems.catcher('log-clear', 'dropping compacted log ops failed'))
  }

  /**
   * Drops from the early view what a landed commit made readable from the key states: every
   * key it wrote, except those the open batch (merged on top of it) shows itself, whose entry
   * is newer. A key shown before a local write joined the landed batch goes too: the committed
   * state now holds both.
   */
  private retireEarly(landed: ReadonlyMap<string, RegisterState>): void {
    const early = this.early
    if (early === undefined) return
    const open = this.openBatch
    if (open === undefined || open.shown.size === 0) { this.early = undefined; return }
    for (const k of landed.keys()) if (!open.shown.has(k)) early.states.delete(k)
  }

  private publishEarly(p: OpenBatch): void {
    const before = p.published
    this.early = extendEarlyView(this.early, p, this.d.nodeId, this.meta.applied, this.inflight)
    if (p.published !== before && this.early !== undefined) this.waiters.wake()
  }
}

/** Every dirty state the batch does not replace, then the batch's own. */
function* withDirty(states: KeyStates, overlay: ReadonlyMap<string, RegisterState>): Iterable<readonly [string, RegisterState]> {
  for (const e of states.dirtyEntries()) if (!overlay.has(e[0])) yield e
  yield* overlay
}

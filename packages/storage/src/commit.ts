import { encode, registerStateEncoding, vvGet, type Dot, type NodeId, type Problems, type RegisterState, type Scheduler, type Seq } from '@swarmkv/core'
import type { DocWrite, NodeMeta, Store, StoreWrite } from './store.js'
import type { Lru } from './lru.js'
import type { KeyStates } from './key-states.js'
import type { Checkpointer } from './checkpoint.js'
import type { Failpoints } from './failpoints.js'
import type { TombstoneIndex } from './tombstones.js'
import type { CommitListener, CommitTimingListener, FsyncMode } from './types.js'
import { DotWaiters } from './dot-waiters.js'
import { freeDoc, type DocEntry } from './doc-entry.js'
import type { Batch } from './batch.js'
import type { PendingBatch } from './pending-batch.js'
import type { PendingBatches } from './pending-batches.js'

export interface CommitDeps {
  readonly store: Store
  readonly states: KeyStates
  readonly docs: Lru<string, DocEntry>
  readonly checkpointer: Checkpointer
  readonly tombstones: TombstoneIndex
  readonly problems: Problems
  readonly failpoints: Failpoints
  readonly scheduler: Scheduler
  readonly fsync: FsyncMode
  readonly pending: PendingBatches
  /** A batch stopped being in flight: the writer may be idle now. */
  readonly flightEnded: () => void
}

/**
 * Commits: a pending batch's one store write (the log append of its ops, or, for a batch with
 * jobs that change state without ops, a checkpoint-style write of states and marker), then what
 * its landing does (key states materialised, tombstones noted, compacted log dropped, documents
 * cached, requests answered, listeners told) or what its failure does (exactly its requests
 * fail, and memory stays as it was).
 */
export class Committer {
  /** The marker as of the last landed commit: what this node has durably applied. */
  meta: NodeMeta = { seq: 0, applied: {}, floor: {} }
  /** Log ranges being dropped after a compaction, in order. */
  clearing: Promise<void> = Promise.resolve()
  /** Reads waiting (`X-After`) for writes to be applied here. */
  readonly waiters: DotWaiters
  private readonly listeners = new Set<CommitListener>()
  private readonly timingListeners = new Set<CommitTimingListener>()
  /** Counters for /metrics. */
  readonly stats = { commits: 0, localOps: 0, remoteOps: 0, duplicateOps: 0, failedCommits: 0 }

  constructor(private readonly d: CommitDeps) {
    this.waiters = new DotWaiters((dot) => this.hasApplied(dot), d.scheduler)
  }

  /** Engine.hasApplied: the committed vector, or the early view's. */
  hasApplied(dot: Dot): boolean {
    const early = this.d.pending.early
    return vvGet(this.meta.applied, dot.origin) >= dot.seq || (early !== undefined && vvGet(early.applied, dot.origin) >= dot.seq)
  }

  /** Engine.onCommit. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Engine.onCommitTiming. */
  onCommitTiming(listener: CommitTimingListener): () => void {
    this.timingListeners.add(listener)
    return () => this.timingListeners.delete(listener)
  }

  async commit(p: PendingBatch): Promise<void> {
    const { batch, docBase } = p
    const { states, store, pending } = this.d
    let docEntries: Map<string, DocEntry> | undefined
    let write: StoreWrite | undefined
    if (batch.changed) {
      const meta = batch.meta
      const synced = this.d.fsync !== 'off'
      try {
        const docs = batch.docWrites()
        docEntries = docs.entries
        write = await this.storeWrite(batch, docs.writes)
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
        states.allClean(write?.encodedRegisters ?? [])
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
      pending.retire(batch.overlay)
      this.stats.commits++
      this.stats.localOps += batch.localOps
      this.stats.remoteOps += batch.remoteOps
    }
    // Before the replies and listeners: one may enqueue a job, and the writer takes it by whether a commit is in flight.
    if (pending.endFlight(p)) this.d.flightEnded()
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

  /** The store write of a batch: its log append, or a checkpoint-style write of every dirty state, its own and the marker. */
  private async storeWrite(batch: Batch, docs: readonly DocWrite[]): Promise<StoreWrite> {
    if (!batch.checkpoint) return { registers: [], docs, log: batch.log }
    // No background checkpoint may land its older marker after this one.
    await this.d.checkpointer.idle()
    // Encoded once: the same bytes go to the store and, once they landed, to the clean cache.
    const encodedRegisters = Array.from(withDirty(this.d.states, batch.overlay), ([k, v]) => [k, encode(registerStateEncoding, v)] as const)
    return { registers: [], encodedRegisters, docs, log: batch.log, meta: batch.meta }
  }

  private failed(p: PendingBatch, err: unknown): void {
    const { batch, docBase } = p
    if (this.d.pending.endFlight(p)) this.d.flightEnded()
    p.failure = err
    this.stats.failedCommits++
    // A batch merged on top of this one is void too; its jobs are replicated ops, which their peers send again.
    const above = this.d.pending.failed(p)
    if (above !== undefined) for (const job of above.batch.succeeded) job.reject(err)
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
}

/** Every dirty state the batch does not replace, then the batch's own. */
function* withDirty(states: KeyStates, overlay: ReadonlyMap<string, RegisterState>): Iterable<readonly [string, RegisterState]> {
  for (const e of states.dirtyEntries()) if (!overlay.has(e[0])) yield e
  yield* overlay
}

import {
  Automerge as A, Problems, docIsLive, realScheduler,
  type Dot, type NodeId, type Scheduler, type Op, type Preconditions, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { DocRecord, Store, StoreSnapshot } from './store.js'
import type { CommitListener, CommitTimingListener, DocMutation, DocResult, EngineOptions, FsyncMode, LocalWrite, StateTransfer, WriteResult } from './types.js'
import { Lru } from './lru.js'
import { KeyStates } from './key-states.js'
import { Checkpointer, DEFAULT_CHECKPOINT_OPS, DEFAULT_DIRTY_BYTES } from './checkpoint.js'
import { replayLog } from './recovery.js'
import { listLive, listLiveDocs } from './listing.js'
import { TombstoneIndex } from './tombstones.js'
import { digestOf } from './digest.js'
import { docHeads, freeDoc, loadEntry, type DocEntry } from './doc-entry.js'
import { NO_FAILPOINTS } from './failpoints.js'
import { DEFAULT_EARLY_BYTES, GroupCommit } from './group-commit.js'
import type { Job } from './jobs.js'

/** Documents kept loaded, at most, and their stored bytes, about (Automerge memory is off-heap). */
export const DEFAULT_DOC_CACHE_ENTRIES = 1000
export const DEFAULT_DOC_CACHE_BYTES = 32 * 1024 * 1024

/**
 * The storage engine of a node: the facade over the single writer (group-commit.ts), the
 * materialised key states behind the log (key-states.ts), checkpoints (checkpoint.ts) and
 * replay on open (recovery.ts). DESIGN §3 gives the write path and its crash invariants.
 */
export class Engine {
  readonly nodeId: NodeId
  readonly fsync: FsyncMode
  private readonly states: KeyStates
  private readonly docs: Lru<string, DocEntry>
  private readonly checkpointer: Checkpointer
  private readonly writer: GroupCommit
  private readonly tombstones = new TombstoneIndex()
  private readonly problems: Problems
  private readonly scheduler: Scheduler
  /** Replay on the last open: ops and ms. */
  readonly recovery = { ops: 0, ms: 0 }

  constructor(private readonly store: Store, private readonly opts: EngineOptions) {
    this.nodeId = opts.nodeId
    this.fsync = opts.fsync ?? 'batch'
    this.problems = opts.problems ?? new Problems()
    const scheduler = this.scheduler = opts.scheduler ?? realScheduler
    const now = () => scheduler.now()
    const failpoints = opts.failpoints ?? NO_FAILPOINTS
    this.states = new KeyStates(opts.cacheEntries, opts.cacheBytes)
    // Every document dropped from memory is freed: Automerge memory lives outside the JS heap.
    this.docs = new Lru(opts.docCacheEntries ?? DEFAULT_DOC_CACHE_ENTRIES, (_k, e) => freeDoc(e.doc), (e) => e.bytes, opts.docCacheBytes ?? DEFAULT_DOC_CACHE_BYTES)
    this.checkpointer = new Checkpointer(store, this.states, {
      dirtyBytes: opts.dirtyBytes ?? DEFAULT_DIRTY_BYTES, ops: opts.checkpointOps ?? DEFAULT_CHECKPOINT_OPS,
      sync: this.fsync !== 'off', problems: this.problems, failpoints, now
    })
    this.writer = new GroupCommit({
      nodeId: this.nodeId, clock: opts.clock, store, states: this.states, docs: this.docs, checkpointer: this.checkpointer,
      tombstones: this.tombstones, problems: this.problems, failpoints, scheduler,
      fsync: this.fsync, maxBatchJobs: opts.maxBatchJobs ?? 1024, maxDocBytes: opts.maxDocBytes ?? 16 * 1024 * 1024,
      earlyBytes: opts.earlyBytes ?? DEFAULT_EARLY_BYTES
    })
  }

  /** Reads the checkpoint marker, replays the log above it, and checkpoints what it replayed. */
  async open(): Promise<void> {
    const started = this.scheduler.now()
    const marker = await this.store.readMeta()
    const { meta, ops } = await replayLog(this.store, marker, this.nodeId, this.states, this.problems)
    this.writer.meta = meta
    if (ops > 0) await this.writer.finalCheckpoint()
    this.recovery.ops = ops
    this.recovery.ms = this.scheduler.now() - started
  }

  /** Stops taking work, waits for the batch in flight, checkpoints (a clean restart replays nothing) and fails waiters. The store stays open. */
  async close(): Promise<void> {
    await this.writer.close()
    await this.writer.finalCheckpoint().catch(this.problems.catcher('checkpoint', 'the checkpoint on close failed; the next start replays the log'))
    this.writer.waiters.failAll()
    for (const e of this.docs.values()) freeDoc(e.doc)
  }

  get seq(): Seq { return this.writer.meta.seq }
  get refusedStamps(): number { return this.opts.clock.refusedStamps }
  /** Keys known to hold a tombstone sibling, waiting for collection (all of them once a first collection has scanned the store). */
  get tombstonesPending(): number { return this.tombstones.size }
  /** What this node has durably applied: what it tells peers and compacts by. */
  get applied(): VersionVector { return this.writer.meta.applied }
  /** Per origin, the log has no op at or below this seq: a peer that needs one gets a state transfer. */
  get floor(): VersionVector { return this.writer.meta.floor }
  /** Counters for /metrics. */
  get stats(): GroupCommit['stats'] { return this.writer.stats }
  /** Memory and checkpoint figures: bytes of each bounded buffer, ops a crash would replay. */
  get memory(): { dirtyBytes: number; flushingBytes: number; cleanBytes: number; dirtyKeys: number; pendingOps: number; checkpoints: number } {
    const s = this.states
    return { dirtyBytes: s.dirtyBytes, flushingBytes: s.flushingBytes, cleanBytes: s.cleanBytes, dirtyKeys: s.dirtyKeys, pendingOps: this.checkpointer.pendingOps, checkpoints: this.checkpointer.stats.checkpoints }
  }

  /** A consistent view of every key state with the marker that covers it, for a state transfer (taken right after a checkpoint). */
  snapshot(): Promise<StoreSnapshot> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'checkpoint', resolve: () => resolve(this.store.snapshot()), reject }))
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
   * with the tombstone there (DESIGN §2). Resolves with how many keys changed. The first one
   * scans the store's states after a checkpoint, so it sees every committed state.
   */
  collectTombstones(stable: VersionVector): Promise<number> {
    return this.tombstones.collect(stable, () => this.checkpointed(this.store.scanRegisters()),
      (keys) => new Promise<number>((resolve, reject) => this.enqueue({ kind: 'gc', keys, stable, resolve, reject })))
  }

  readMembers(): Promise<Map<NodeId, VersionVector>> {
    return this.store.readMembers()
  }

  writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> {
    return this.store.writeMembers(members)
  }

  /**
   * Checkpoints, then drops log entries at or below `floor` (clamped to what is applied here,
   * which that checkpoint covers); resolves with the new floor.
   */
  async compact(floor: VersionVector): Promise<VersionVector> {
    const done = await new Promise<VersionVector>((resolve, reject) => this.enqueue({ kind: 'compact', floor, resolve, reject }))
    // The ops go after the commit, beside later writes; the caller gets them gone.
    await this.writer.clearing
    return done
  }

  /** Tells `listener` the sizes and timings of every landed commit (for /metrics). */
  onCommitTiming(listener: CommitTimingListener): () => void {
    this.writer.timingListeners.add(listener)
    return () => this.writer.timingListeners.delete(listener)
  }

  onCommit(listener: CommitListener): () => void {
    this.writer.listeners.add(listener)
    return () => this.writer.listeners.delete(listener)
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

  /** Runs `read` on the committed document (undefined when it was never written); valid during the call only. */
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
    const early = this.writer.early?.states.get(key)
    if (early !== undefined) return early
    const hit = this.states.get(key)
    if (hit !== undefined) return hit
    // Synchronous: no commit can land between this read and caching its result.
    const [state] = this.store.getRegistersSync([key])
    if (state !== undefined) this.states.loaded(key, state)
    return state
  }

  /** Live keys in order, paged, as `get` reads them (uncheckpointed states and replicated writes shown early included). */
  list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    return listLive((from, n) => this.store.listRegisters({ prefix, after: from, limit: n }), () => this.unflushed(), prefix, after, limit)
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
    return this.writer.hasApplied(dot)
  }

  /** Resolves true once every dot is applied here, false after `timeoutMs`. */
  waitFor(dots: readonly Dot[], timeoutMs: number): Promise<boolean> {
    return this.writer.waiters.wait(dots, this.writer.isClosed ? 0 : timeoutMs)
  }

  /** A hash of every key state (digest.ts), taken after a checkpoint: equal digests mean identical states. */
  async digest(): Promise<{ digest: string; keys: number }> {
    await this.checkpoint()
    return digestOf(this.store.scanDocKeys(), (key) => this.readDoc(key, (d) => (d === undefined ? [] : docHeads(d))), this.store.scanRegisters())
  }

  /** Writes every dirty state and the marker now (one store write). */
  checkpoint(): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'checkpoint', resolve, reject }))
  }

  /** The state maps bulk readers merge over the store's: the early view, then the uncheckpointed states. */
  private unflushed(): ReadonlyArray<ReadonlyMap<string, RegisterState>> {
    const early = this.writer.early?.states
    const rest = this.states.unflushed()
    return early === undefined ? rest : [early, ...rest]
  }

  private async *checkpointed<T>(it: AsyncIterable<T>): AsyncIterable<T> {
    await this.checkpoint()
    yield* it
  }

  private enqueue(job: Job): void {
    this.writer.enqueue(job)
  }
}

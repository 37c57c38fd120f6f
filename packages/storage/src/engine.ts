import type { Automerge as A, Dot, NodeId, Op, Preconditions, RegisterState, Seq, VersionVector } from '@swarmkv/core'
import type { DocRecord, Store, StoreSnapshot } from './store.js'
import type { CommitListener, CommitTimingListener, DocMutation, DocResult, EngineOptions, FsyncMode, LocalWrite, StateTransfer, WriteResult } from './types.js'
import { replayLog } from './recovery.js'
import { digestOf } from './digest.js'
import type { Committer } from './commit.js'
import { buildParts, memoryOf, type EngineParts, type MemoryFigures } from './engine-parts.js'

/**
 * The storage engine of a node: the facade over its parts (engine-parts.ts). DESIGN §3 gives the
 * write path and its words, §3b the log as truth and its crash invariants.
 */
export class Engine {
  readonly nodeId: NodeId
  readonly fsync: FsyncMode
  /** Replay on the last open: ops and ms. */
  readonly recovery = { ops: 0, ms: 0 }
  private readonly p: EngineParts

  constructor(private readonly store: Store, private readonly opts: EngineOptions) {
    this.nodeId = opts.nodeId
    this.p = buildParts(store, opts)
    this.fsync = this.p.fsync
  }

  /** Reads the checkpoint marker, replays the log above it, and checkpoints what it replayed. */
  async open(): Promise<void> {
    const started = this.p.scheduler.now()
    const marker = await this.store.readMeta()
    const { meta, ops } = await replayLog(this.store, marker, this.nodeId, this.p.states, this.p.problems)
    this.p.commits.meta = meta
    if (ops > 0) await this.p.writer.checkpointAll()
    this.recovery.ops = ops
    this.recovery.ms = this.p.scheduler.now() - started
  }

  /** Stops taking work, waits for the batch in flight, checkpoints (a clean restart replays nothing) and fails waiters. The store stays open. */
  async close(): Promise<void> {
    await this.p.writer.close()
    this.p.documents.freeAll()
  }

  get seq(): Seq { return this.p.commits.meta.seq }
  get refusedStamps(): number { return this.opts.clock.refusedStamps }
  /** Keys known to hold a tombstone sibling, waiting for collection (all of them once a first collection has scanned the store). */
  get tombstonesPending(): number { return this.p.tombstones.size }
  /** What this node has durably applied: what it tells peers and compacts by. */
  get applied(): VersionVector { return this.p.commits.meta.applied }
  /** Per origin, the log has no op at or below this seq: a peer that needs one gets a state transfer. */
  get floor(): VersionVector { return this.p.commits.meta.floor }
  /** Counters for /metrics. */
  get stats(): Committer['stats'] { return this.p.commits.stats }
  /** Memory and checkpoint figures: bytes of each bounded buffer, ops a crash would replay. */
  get memory(): MemoryFigures { return memoryOf(this.p) }

  /** A consistent view of every key state with the marker that covers it, for a state transfer (taken right after a checkpoint). */
  snapshot(): Promise<StoreSnapshot> { return this.p.writer.checkpoint(() => this.store.snapshot()) }

  /**
   * Merges key states received in a state transfer (registers by the register merge, documents
   * by loading their saved bytes into what is here). Idempotent; applied vectors do not move
   * until finishState, so an interrupted transfer leaves nothing claimed that is not here. A
   * chunk that fails marks `transfer`, and its finishState then fails too.
   */
  applyState(registers: ReadonlyArray<readonly [string, RegisterState]>, docs: ReadonlyArray<readonly [string, DocRecord]>, transfer: StateTransfer): Promise<number> {
    return new Promise((resolve, reject) => this.p.writer.enqueue({
      kind: 'state', registers, docs, resolve,
      reject: (e) => { transfer.failed = true; reject(e instanceof Error ? e : new Error(String(e))) }
    }))
  }

  /**
   * Ends a state transfer whose states covered `applied`: this node now has those writes. Its log
   * lacks the ops it skipped, so its floor rises to match (peers needing them get a transfer).
   */
  finishState(applied: VersionVector, transfer: StateTransfer): Promise<void> {
    return new Promise((resolve, reject) => this.p.writer.enqueue({ kind: 'stateEnd', applied, transfer, resolve, reject }))
  }

  /**
   * Drops the tombstone siblings every member has applied (`stable` covers their dots); each key
   * keeps its context, so a write or state that arrives later merges exactly as it would have
   * with the tombstone there (DESIGN §2). Resolves with how many keys changed. The first one
   * scans the store's states after a checkpoint, so it sees every committed state.
   */
  collectTombstones(stable: VersionVector): Promise<number> {
    return this.p.tombstones.collect(stable, () => this.checkpointed(this.store.scanRegisters()),
      (keys) => new Promise<number>((resolve, reject) => this.p.writer.enqueue({ kind: 'gc', keys, stable, resolve, reject })))
  }

  readMembers(): Promise<Map<NodeId, VersionVector>> { return this.store.readMembers() }
  writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> { return this.store.writeMembers(members) }

  /**
   * Checkpoints, then drops log entries at or below `floor` (clamped to what is applied here,
   * which that checkpoint covers); resolves with the new floor.
   */
  async compact(floor: VersionVector): Promise<VersionVector> {
    const done = await new Promise<VersionVector>((resolve, reject) => this.p.writer.enqueue({ kind: 'compact', floor, resolve, reject }))
    // The ops go after the commit, beside later writes; the caller gets them gone.
    await this.p.commits.clearing
    return done
  }

  /** Tells `listener` the sizes and timings of every landed commit (for /metrics). */
  onCommitTiming(listener: CommitTimingListener): () => void { return this.p.commits.onCommitTiming(listener) }
  /** Tells `listener` the ops of every landed commit (what replication streams). */
  onCommit(listener: CommitListener): () => void { return this.p.commits.onCommit(listener) }

  /** Applies a request's writes atomically (all or nothing) and resolves after the durable commit. */
  write(writes: readonly LocalWrite[]): Promise<WriteResult[]> {
    return new Promise((resolve, reject) => this.p.writer.enqueue({ kind: 'local', writes, resolve, reject }))
  }

  /** Applies ops received from a peer, in order; duplicates are skipped. Resolves with how many were new. */
  applyRemote(ops: readonly Op[]): Promise<number> {
    return new Promise((resolve, reject) => this.p.writer.enqueue({ kind: 'remote', ops, resolve, reject }))
  }

  /** Applies one change to a document and resolves after the durable commit. */
  updateDoc(key: string, mutate: DocMutation, preconditions?: Preconditions): Promise<DocResult> {
    return new Promise((resolve, reject) => this.p.writer.enqueue({ kind: 'doc', key, mutate, preconditions, resolve, reject }))
  }

  /** Runs `read` on the committed document (undefined when it was never written); valid during the call only. */
  readDoc<T>(key: string, read: (doc: A.Doc<unknown> | undefined) => T): Promise<T> { return this.p.documents.read(key, read) }
  /** Live documents in key order, paged (listing.ts says what a page costs). */
  listDocs(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> { return this.p.documents.list(prefix, after, limit) }
  /**
   * The key's state as this node reads it: replicated writes shown early included (register-reads.ts).
   * Synchronous: every state is in memory or in the store, whose reads do not wait.
   */
  get(key: string): RegisterState | undefined { return this.p.reads.get(key) }
  /** Live keys in order, paged, as `get` reads them. */
  list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> { return this.p.reads.list(prefix, after, limit) }
  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> { return this.store.readLog(origin, fromSeq, limit) }

  /** Whether reads here see the write `dot` (it may still be committing if it came from a peer). */
  hasApplied(dot: Dot): boolean { return this.p.commits.hasApplied(dot) }
  /** Resolves true once every dot is applied here, false after `timeoutMs`. */
  waitFor(dots: readonly Dot[], timeoutMs: number): Promise<boolean> {
    return this.p.commits.waiters.wait(dots, this.p.writer.isClosed ? 0 : timeoutMs)
  }

  /** A hash of every key state (digest.ts), taken after a checkpoint: equal digests mean identical states. */
  async digest(): Promise<{ digest: string; keys: number }> {
    await this.checkpoint()
    return digestOf(this.store.scanDocKeys(), (key) => this.p.documents.heads(key), this.store.scanRegisters())
  }

  /** Writes every dirty state and the marker now (one store write). */
  checkpoint(): Promise<void> { return this.p.writer.checkpoint(() => undefined) }

  private async *checkpointed<T>(it: AsyncIterable<T>): AsyncIterable<T> {
    await this.checkpoint()
    yield* it
  }
}

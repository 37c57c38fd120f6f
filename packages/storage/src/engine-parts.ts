import { Problems, realScheduler, type Scheduler } from '@swarmkv/core'
import type { Store } from './store.js'
import type { EngineOptions, FsyncMode } from './types.js'
import { NO_FAILPOINTS } from './failpoints.js'
import { KeyStates } from './key-states.js'
import { TombstoneIndex } from './tombstones.js'
import { Documents } from './documents.js'
import { Checkpointer, DEFAULT_CHECKPOINT_OPS, DEFAULT_DIRTY_BYTES } from './checkpoint.js'
import { DEFAULT_EARLY_BYTES } from './deferral.js'
import { RegisterReads } from './register-reads.js'
import { GroupCommit } from './group-commit.js'
import type { Committer } from './commit.js'

/** Queued requests that go into one commit, at most. */
export const DEFAULT_MAX_BATCH_JOBS = 1024
/** A document whose stored size exceeds this refuses local changes. */
export const DEFAULT_MAX_DOC_BYTES = 16 * 1024 * 1024

/** What an engine is made of, wired together (the facade, engine.ts, only delegates to them). */
export interface EngineParts {
  readonly fsync: FsyncMode
  readonly problems: Problems
  readonly scheduler: Scheduler
  readonly states: KeyStates
  readonly documents: Documents
  readonly checkpointer: Checkpointer
  readonly tombstones: TombstoneIndex
  readonly writer: GroupCommit
  readonly commits: Committer
  readonly reads: RegisterReads
}

/** Builds the parts of an engine over `store`, with the defaults of every option left out. */
export function buildParts(store: Store, opts: EngineOptions): EngineParts {
  const fsync = opts.fsync ?? 'batch'
  const problems = opts.problems ?? new Problems()
  const scheduler = opts.scheduler ?? realScheduler
  const failpoints = opts.failpoints ?? NO_FAILPOINTS
  const states = new KeyStates(opts.cacheBytes)
  const documents = new Documents(store, opts.nodeId, opts.docCacheEntries, opts.docCacheBytes)
  const checkpointer = new Checkpointer(store, states, {
    dirtyBytes: opts.dirtyBytes ?? DEFAULT_DIRTY_BYTES, ops: opts.checkpointOps ?? DEFAULT_CHECKPOINT_OPS,
    sync: fsync !== 'off', problems, failpoints, now: () => scheduler.now()
  })
  const tombstones = new TombstoneIndex()
  const writer = new GroupCommit({
    nodeId: opts.nodeId, clock: opts.clock, store, states, docs: documents.cache, checkpointer, tombstones, problems, failpoints, scheduler,
    fsync, maxBatchJobs: opts.maxBatchJobs ?? DEFAULT_MAX_BATCH_JOBS, maxDocBytes: opts.maxDocBytes ?? DEFAULT_MAX_DOC_BYTES,
    earlyBytes: opts.earlyBytes ?? DEFAULT_EARLY_BYTES
  })
  const reads = new RegisterReads(store, states, () => writer.pending.early)
  return { fsync, problems, scheduler, states, documents, checkpointer, tombstones, writer, commits: writer.commits, reads }
}

/** Engine.memory: the key states' maps (key-states.ts) and the checkpointer's figures. */
export interface MemoryFigures {
  readonly dirtyBytes: number
  readonly flushingBytes: number
  readonly cleanBytes: number
  readonly dirtyKeys: number
  readonly pendingOps: number
  /** Background checkpoints landed, and failed (their states stayed dirty). */
  readonly checkpoints: number
  readonly failedCheckpoints: number
  /** Time spent writing the background checkpoints that landed, and the states they wrote. */
  readonly checkpointMs: number
  readonly checkpointedStates: number
  /** Times commits waited for a checkpoint (the dirty map past twice its budget), and for how long in all. */
  readonly writeStalls: number
  readonly writeStallMs: number
}

export function memoryOf({ states: s, checkpointer: c }: EngineParts): MemoryFigures {
  const k = c.stats
  return {
    dirtyBytes: s.dirtyBytes, flushingBytes: s.flushingBytes, cleanBytes: s.cleanBytes, dirtyKeys: s.dirtyKeys, pendingOps: c.pendingOps,
    checkpoints: k.checkpoints, failedCheckpoints: k.failed, checkpointMs: k.totalMs, checkpointedStates: k.states, writeStalls: k.stalls, writeStallMs: k.stallMs
  }
}

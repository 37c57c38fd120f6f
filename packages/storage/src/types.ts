import type { Failpoints } from './failpoints.js'
import type { Dot, Preconditions, Problems, RegisterState, Scheduler, VersionVector, HybridClock, NodeId, Op } from '@swarmkv/core'

/** The engine's public types: what callers pass in and get back. The merge code lives elsewhere. */

export type FsyncMode = 'always' | 'batch' | 'off'
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batch', 'off']

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
export type CommitListener = (ops: readonly Op[]) => void

export interface EngineOptions {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  /** Default 'batch': concurrent writes share one synced commit. */
  readonly fsync?: FsyncMode
  /** Bytes of clean register states kept in memory, encoded in one ring. Default 16 MiB (DEFAULT_CACHE_BYTES). */
  readonly cacheBytes?: number
  /**
   * Bytes of register states written to the log but not yet checkpointed (the dirty map) that
   * start a checkpoint. Default 8 MiB (DEFAULT_DIRTY_BYTES). The dirty map holds at most this
   * plus what commits add while one checkpoint is written.
   */
  readonly dirtyBytes?: number
  /** Ops committed since the last checkpoint that start one: bounds replay on start. Default 20 000 (DEFAULT_CHECKPOINT_OPS). */
  readonly checkpointOps?: number
  /** At most this many queued requests go into one commit. Default 1 024 (DEFAULT_MAX_BATCH_JOBS). */
  readonly maxBatchJobs?: number
  /** Documents kept loaded in memory. Default 1 000 (DEFAULT_DOC_CACHE_ENTRIES). */
  readonly docCacheEntries?: number
  /** Stored bytes of the documents kept loaded, about. Default 32 MiB (DEFAULT_DOC_CACHE_BYTES). */
  readonly docCacheBytes?: number
  /** Bytes of replicated values one batch holds readable before its commit (the early view). Default 4 MiB (DEFAULT_EARLY_BYTES). */
  readonly earlyBytes?: number
  /** Crash points for tests (failpoints.ts). Default: none. */
  readonly failpoints?: Failpoints
  /** A document whose stored size exceeds this refuses local changes. Default 16 MiB (DEFAULT_MAX_DOC_BYTES). */
  readonly maxDocBytes?: number
  /** Time: the commit timings' clock and the replicated-write flush timer (a simulation passes its own). Default realScheduler. */
  readonly scheduler?: Scheduler
  /** Where errors handled in the background are logged and counted. Default: a silent one. */
  readonly problems?: Problems
}

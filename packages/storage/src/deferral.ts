import type { Cancellable, Scheduler } from '@swarmkv/core'
import type { FsyncMode } from './types.js'
import type { Batch } from './batch.js'

/** Replicated register writes wait at most this long for more before their commit. */
export const REMOTE_FLUSH_MS = 10
/** ...and no more than this many ops, */
export const REMOTE_FLUSH_OPS = 4096
/** ...and no more than this many bytes of values (what the early view holds per batch). */
export const DEFAULT_EARLY_BYTES = 4 * 1024 * 1024

export interface DeferralLimits {
  readonly fsync: FsyncMode
  readonly maxBatchJobs: number
  readonly earlyBytes: number
}

/**
 * The deferral of replicated writes (DESIGN §3): a batch that holds only replicated register
 * writes is readable before its commit (early-view.ts), so its commit may wait up to
 * REMOTE_FLUSH_MS for the next peer messages, and one fsync covers many of them instead of one
 * each. Anything else in the batch commits it at once.
 */
export function canDefer(b: Batch, limits: DeferralLimits): boolean {
  return limits.fsync !== 'always' && b.changed && b.docChanges.size === 0 && hasRoom(b, limits) &&
    b.succeeded.every((j) => j.kind === 'remote')
}

/** Whether the batch may take more replicated writes: it is within the early view's share and the job limit. */
export function hasRoom(b: Batch, limits: DeferralLimits): boolean {
  return b.log.length < REMOTE_FLUSH_OPS && b.valueBytes < limits.earlyBytes && b.succeeded.length < limits.maxBatchJobs
}

/** The timer a deferred batch commits by: armed once, fired or cancelled once. */
export class FlushTimer {
  private timer: Cancellable | undefined

  constructor(private readonly scheduler: Scheduler, private readonly fire: () => void) {}

  /** Starts the wait, unless one is running already (the first deferred write sets the deadline). */
  arm(): void {
    if (this.timer !== undefined) return
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined
      this.fire()
    }, REMOTE_FLUSH_MS)
  }

  cancel(): void {
    if (this.timer === undefined) return
    this.timer.cancel()
    this.timer = undefined
  }
}

import type { HybridClock, NodeId, RegisterState, Scheduler, VersionVector } from '@swarmkv/core'
import type { NodeMeta } from './store.js'
import type { Lru } from './lru.js'
import type { DocEntry } from './doc-entry.js'
import { FlushTimer, canDefer, hasRoom, type DeferralLimits } from './deferral.js'
import { extendEarlyView, retireEarlyView, type EarlyView } from './early-view.js'
import { freeLoadedDocs, newPendingBatch, type PendingBatch } from './pending-batch.js'

export interface PendingBatchesDeps extends DeferralLimits {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  readonly maxDocBytes: number
  readonly docs: Lru<string, DocEntry>
  readonly scheduler: Scheduler
  /** The flush timer fired (`flushDue` is set): the writer should take its next turn. */
  readonly onFlushDue: () => void
}

/** Where the open batch stands once jobs were merged into it. */
export type Advance = 'deferred' | 'waiting' | 'inflight'

/**
 * The open batch and the in-flight one (DESIGN §3): when the open batch closes (at once, once
 * the commit in flight has landed, or after the deferral of its replicated writes), what a
 * failed commit voids, and the early view the two keep readable before their commits.
 */
export class PendingBatches {
  private openBatch: PendingBatch | undefined
  private flight: PendingBatch | undefined
  /**
   * The replicated register writes of the open and in-flight batches that are readable before
   * their commit, and the applied vector they complete (early-view.ts). Undefined when none.
   */
  early: EarlyView | undefined
  /** The open batch commits at the writer's next turn, with jobs or without. */
  flushDue = false
  /** The open batch is ready and commits once the one in flight has landed. */
  private commitWhenLanded = false
  private readonly timer: FlushTimer

  constructor(private readonly d: PendingBatchesDeps) {
    this.timer = new FlushTimer(d.scheduler, () => {
      this.flushDue = true
      d.onFlushDue()
    })
  }

  /** The batch taking jobs. */
  get open(): PendingBatch | undefined { return this.openBatch }
  /** The batch whose commit is in progress. */
  get inflight(): PendingBatch | undefined { return this.flight }

  /** The batch to merge jobs into: the open one, opened now when there is none. */
  openOrNew(meta: NodeMeta): PendingBatch {
    return this.openBatch ?? (this.openBatch = this.create(meta))
  }

  /** A new batch on top of the one in flight, not made the open one (the checkpoint on close commits it directly). */
  create(meta: NodeMeta): PendingBatch {
    return newPendingBatch(this.d, meta, this.flight, this.d.scheduler.now())
  }

  /** Whether replicated writes may join the open batch while a commit is in flight: none is open, or it has room. */
  acceptsReplicated(): boolean {
    return this.openBatch === undefined || hasRoom(this.openBatch.batch, this.d)
  }

  /**
   * Moves the open batch `p` on once jobs were merged into it: deferred (its flush timer runs),
   * waiting (it commits when the batch in flight has landed) or in flight (the caller commits
   * it now). With `now` (a flush, or the writer closing) it is not deferred.
   */
  advance(p: PendingBatch, now: boolean): Advance {
    if (!now && canDefer(p.batch, this.d)) {
      this.timer.arm()
      return 'deferred'
    }
    if (this.flight !== undefined) {
      this.commitWhenLanded = true
      return 'waiting'
    }
    this.openBatch = undefined
    this.timer.cancel()
    this.flight = p
    return 'inflight'
  }

  /** The commit in flight is over: an open batch that waited for it commits at the writer's next turn. */
  flightOver(): void {
    if (this.commitWhenLanded) this.flushDue = true
    this.commitWhenLanded = false
  }

  /** `p` is no longer in flight (its commit landed or failed); true when it was. */
  endFlight(p: PendingBatch): boolean {
    if (this.flight !== p) return false
    this.flight = undefined
    return true
  }

  /** Whether `p` is still the open batch (a failed commit beneath it voids it meanwhile). */
  isOpen(p: PendingBatch): boolean {
    return this.openBatch === p
  }

  /** The open batch, taken for its commit on close; its flush timer stops. */
  takeOpen(): PendingBatch | undefined {
    this.timer.cancel()
    const open = this.openBatch
    this.openBatch = undefined
    return open
  }

  /** Drops `p` without a commit: it stops being the open batch and frees what it loaded. */
  discard(p: PendingBatch): void {
    if (this.openBatch === p) this.openBatch = undefined
    freeLoadedDocs(p)
  }

  /**
   * Pinning the base of `p` failed (its new jobs were rejected). An open batch with nothing
   * merged goes; one holding replicated writes merged before keeps a flush timer, so they commit.
   */
  pinFailed(p: PendingBatch): void {
    if (this.openBatch !== p) return
    if (p.batch.succeeded.length === 0) this.discard(p)
    else this.timer.arm()
  }

  /**
   * The commit of `p` failed. The early view goes (its ops come again from their peers), and so
   * does a batch merged on top of `p` (E6), also one still loading: it is returned, for the
   * writer to fail its jobs.
   */
  failed(p: PendingBatch): PendingBatch | undefined {
    this.early = undefined
    const above = this.openBatch
    if (above === undefined || above.below !== p) return undefined
    this.discard(above)
    this.commitWhenLanded = false
    return above
  }

  /** Shows the replicated writes merged into `p` since the last call (extendEarlyView); true when more is readable now. */
  publish(p: PendingBatch, durable: VersionVector): boolean {
    const before = p.published
    this.early = extendEarlyView(this.early, p, this.d.nodeId, durable, this.flight)
    return p.published !== before && this.early !== undefined
  }

  /** A commit landed with these states: the early view keeps only what is newer (retireEarlyView). */
  retire(landed: ReadonlyMap<string, RegisterState>): void {
    this.early = retireEarlyView(this.early, landed, this.openBatch)
  }
}

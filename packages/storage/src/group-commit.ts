import { SwarmError, type HybridClock, type Problems, type Scheduler } from '@swarmkv/core'
import type { Checkpointer } from './checkpoint.js'
import type { Failpoints } from './failpoints.js'
import type { TombstoneIndex } from './tombstones.js'
import { JobQueue } from './job-queue.js'
import type { Job } from './jobs.js'
import { mergeJob } from './appliers.js'
import type { DeferralLimits } from './deferral.js'
import { pinBase, type BaseSources } from './pending-batch.js'
import { PendingBatches } from './pending-batches.js'
import { Committer } from './commit.js'

export interface GroupCommitDeps extends BaseSources, DeferralLimits {
  readonly clock: HybridClock
  readonly checkpointer: Checkpointer
  readonly tombstones: TombstoneIndex
  readonly problems: Problems
  readonly failpoints: Failpoints
  readonly scheduler: Scheduler
  readonly maxDocBytes: number
}

/**
 * Group commit: the single writer of a node, its loop. Queued jobs are merged into the open
 * batch in memory against committed state (appliers.ts); the batch is committed by one store
 * write (commit.ts), and its requests are answered only after it landed. One batch is in flight
 * at a time (pending-batches.ts keeps the open and the in-flight one), so merges never race and
 * a failed commit leaves memory as it was.
 */
export class GroupCommit {
  readonly pending: PendingBatches
  readonly commits: Committer
  private readonly queue = new JobQueue()
  private pumping = false
  private closed = false
  /** close() waiting for the writer to go idle. */
  private readonly idleWaiters: Array<() => void> = []

  constructor(private readonly d: GroupCommitDeps) {
    this.pending = new PendingBatches({ ...d, onFlushDue: () => { if (!this.pumping) void this.pump() } })
    this.commits = new Committer({ ...d, pending: this.pending, flightEnded: () => this.settled() })
  }

  get isClosed(): boolean { return this.closed }

  enqueue(job: Job): void {
    if (this.closed) { job.reject(SwarmError.storeClosed()); return }
    this.queue.push(job)
    if (!this.pumping) void this.pump()
  }

  /**
   * Writes every dirty state and the marker (a checkpoint job, in queue order), then resolves
   * with `then()`, run in the job's reply: before any later commit can land.
   */
  checkpoint<T>(then: () => T | PromiseLike<T>): Promise<T> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'checkpoint', resolve: () => resolve(then()), reject }))
  }

  /**
   * Stops taking work, waits for the batch in flight, commits what is open, then checkpoints (a
   * clean restart replays nothing) and fails the reads still waiting.
   */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.drain()) job.reject(SwarmError.storeClosed())
    while (this.pumping || this.pending.inflight !== undefined) await new Promise<void>((r) => this.idleWaiters.push(r))
    const open = this.pending.takeOpen()
    if (open !== undefined) await this.commits.commit(open)
    await this.commits.clearing
    await this.checkpointAll().catch(this.d.problems.catcher('checkpoint', 'the checkpoint on close failed; the next start replays the log'))
    this.commits.waiters.failAll()
  }

  /**
   * Writes every dirty state with the marker in one commit, outside the queue: after a replay on
   * open, and on close once nothing else is merged or in flight.
   */
  async checkpointAll(): Promise<void> {
    await this.d.checkpointer.idle()
    const b = this.pending.create(this.commits.meta)
    b.batch.checkpoint = true
    b.batch.metaChanged = true
    await this.commits.commit(b)
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
        const flush = this.pending.flushDue
        let jobs: Job[]
        if (this.pending.inflight === undefined) jobs = this.queue.take(max)
        else jobs = this.pending.acceptsReplicated() ? this.queue.takeReplicated(max) : []
        if (jobs.length === 0 && !flush) break
        this.pending.flushDue = false
        await this.runBatch(jobs, flush)
      }
    } finally {
      this.pumping = false
      this.settled()
    }
  }

  /** Wakes close() once nothing is being merged and no commit is in flight. */
  private settled(): void {
    if (this.pumping || this.pending.inflight !== undefined) return
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /**
   * Adds jobs to the open batch (or a new one), then commits it, unless it holds only replicated
   * register writes: those are readable at once, so their commit is deferred (deferral.ts). One
   * commit is in flight at a time; a batch ready while one is lands when it has landed.
   */
  private async runBatch(jobs: Job[], flush: boolean): Promise<void> {
    // The batch stays the open one while it loads, so a commit failing or landing meanwhile sees it.
    const p = this.pending.openOrNew(this.commits.meta)
    try {
      await pinBase(p, jobs, this.pending.inflight, this.d)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      this.pending.pinFailed(p)
      return
    }
    if (!this.pending.isOpen(p)) {
      // The commit it was built on failed meanwhile (PendingBatches.failed voided it).
      for (const job of jobs) job.reject(p.below?.failure ?? SwarmError.storeClosed())
      this.pending.discard(p)
      return
    }
    for (const job of jobs) mergeJob(p.batch, job)
    if (this.pending.publish(p, this.commits.meta.applied)) this.commits.waiters.wake()
    if (this.pending.advance(p, flush || this.closed) !== 'inflight') return
    void this.commits.commit(p).then(() => {
      this.pending.flightOver()
      if (!this.pumping && (this.pending.flushDue || this.queue.length > 0)) void this.pump()
    })
  }
}

import type { Job } from './jobs.js'

interface Entry { readonly job: Job; readonly n: number }

/**
 * The engine's queue: first in, first out, except that replicated register writes may pass the
 * requests that wait for the commit in flight (`takeReplicated`). Those writes are merged on top
 * of that commit and readable at once (early-view.ts), so a peer's write no longer waits behind
 * this node's own writes for a commit to land, which added up to a commit's duration to a master's
 * replication lag under local write load.
 *
 * They never pass what they may depend on: another peer message (a message with document ops, or
 * one that arrived while such a job waited) or a state transfer, the "ordered" jobs. A job goes to
 * the fast lane only while the main lane holds no ordered job, so every job in the fast lane
 * arrived before every ordered job in the main lane: taking the fast lane first keeps their order.
 * Everything else (local writes, document changes, compactions) may be passed: a replicated write
 * and a local one are concurrent, and either merge order is a valid history.
 */
export class JobQueue {
  private fast: Entry[] = []
  private main: Entry[] = []
  private ordered = 0
  private arrivals = 0

  get length(): number { return this.fast.length + this.main.length }

  push(job: Job): void {
    const e = { job, n: this.arrivals++ }
    if (this.ordered === 0 && onlyRegisterOps(job)) {
      this.fast.push(e)
      return
    }
    this.main.push(e)
    if (isOrdered(job)) this.ordered++
  }

  /** Up to `max` jobs, oldest first (both lanes, in arrival order). */
  take(max: number): Job[] {
    const out: Job[] = []
    let f = 0
    let m = 0
    while (out.length < max && (f < this.fast.length || m < this.main.length)) {
      const a = this.fast[f]
      const b = this.main[m]
      if (b === undefined || (a !== undefined && a.n < b.n)) { out.push(a!.job); f++ } else { out.push(this.takenFromMain(b.job)); m++ }
    }
    this.fast.splice(0, f)
    this.main.splice(0, m)
    return out
  }

  /**
   * Up to `max` jobs that may merge on top of a commit in flight: replicated register writes
   * only, the fast lane's first, then those at the head of the main lane.
   */
  takeReplicated(max: number): Job[] {
    const out = this.fast.splice(0, max).map((e) => e.job)
    let m = 0
    while (out.length < max && m < this.main.length && onlyRegisterOps(this.main[m]!.job)) out.push(this.takenFromMain(this.main[m++]!.job))
    this.main.splice(0, m)
    return out
  }

  /** Every job, emptying the queue. */
  drain(): Job[] {
    return this.take(Infinity)
  }

  private takenFromMain(job: Job): Job {
    if (isOrdered(job)) this.ordered--
    return job
  }
}

/** A job that may merge on top of a commit in flight: replicated register ops only. */
function onlyRegisterOps(job: Job): boolean {
  return job.kind === 'remote' && job.ops.every((op) => op.kind === 'reg')
}

/** Jobs whose order among themselves must be kept: peer messages and state transfers. */
function isOrdered(job: Job): boolean {
  return job.kind === 'remote' || job.kind === 'state' || job.kind === 'stateEnd'
}

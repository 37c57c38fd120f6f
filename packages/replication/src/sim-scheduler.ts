import type { Cancellable, Scheduler } from '@swarmkv/core'

interface SimEvent { at: number; order: number; fn: () => void; cancelled: boolean }

/**
 * Virtual time for deterministic simulation. Events run one at a time in (time, insertion)
 * order, and the run loop lets every promise chain settle between events, so the same seed
 * replays the same interleaving exactly.
 */
export class SimScheduler implements Scheduler {
  private time = 0
  private order = 0
  private events: SimEvent[] = []
  /** Events run so far: a cheap fingerprint of the interleaving. */
  executed = 0

  now(): number {
    return this.time
  }

  /** Virtual time doubles as the wall clock: the simulation's HLC stamps and "since" times are virtual too. */
  wallNow(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): Cancellable {
    const e: SimEvent = { at: this.time + Math.max(0, ms), order: this.order++, fn, cancelled: false }
    // Insert keeping (at, order) order; the queue stays small.
    let i = this.events.length
    while (i > 0 && this.events[i - 1]!.at > e.at) i--
    this.events.splice(i, 0, e)
    return { cancel: () => { e.cancelled = true } }
  }

  get pending(): number {
    return this.events.filter((e) => !e.cancelled).length
  }

  /** Runs events until none is left before `until` (or at all), at most `maxEvents`. */
  async run(opts: { until?: number; maxEvents?: number } = {}): Promise<void> {
    const max = opts.maxEvents ?? 1_000_000
    for (let n = 0; n < max; n++) {
      // Work started outside the loop (or by the last event) may still be scheduling events.
      await settle()
      const e = this.events[0]
      if (e === undefined || (opts.until !== undefined && e.at > opts.until)) break
      this.events.shift()
      if (e.cancelled) continue
      this.time = e.at
      this.executed++
      e.fn()
    }
    if (opts.until !== undefined && this.time < opts.until) this.time = opts.until
  }
}

/** Lets every pending microtask and nextTick chain run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
}

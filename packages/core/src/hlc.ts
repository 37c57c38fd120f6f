import { realScheduler, type Scheduler } from './scheduler.js'

/**
 * Hybrid logical clock stamps. They only pick the default winner among concurrent siblings;
 * causality is decided by dots and version vectors, never by stamps.
 */
export interface Hlc {
  readonly wall: number
  readonly counter: number
}

export const ZERO_HLC: Hlc = { wall: 0, counter: 0 }

export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall - b.wall || a.counter - b.counter
}

export function formatHlc(h: Hlc): string {
  return `${h.wall}.${h.counter}`
}

export interface HybridClockOptions {
  /** Where the wall clock is read (its `wallNow`). Default realScheduler (Date.now). */
  scheduler?: Pick<Scheduler, 'wallNow'>
  /** A wall clock of its own, for unit tests of pure logic; wins over `scheduler`. */
  now?: () => number
  /** A remote stamp further ahead of local wall time than this is not adopted. Default 60 000 ms. */
  maxDriftMs?: number
}

export const DEFAULT_MAX_DRIFT_MS = 60_000

export class HybridClock {
  private last: Hlc = ZERO_HLC
  private readonly now: () => number
  readonly maxDriftMs: number
  /** How many remote stamps were refused for being too far ahead. */
  refusedStamps = 0

  constructor(opts: HybridClockOptions = {}) {
    const scheduler = opts.scheduler ?? realScheduler
    this.now = opts.now ?? (() => scheduler.wallNow())
    this.maxDriftMs = opts.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS
  }

  /** A stamp for a local event, greater than every stamp seen before. */
  tick(): Hlc {
    const wall = Math.max(this.now(), this.last.wall)
    this.last = wall === this.last.wall ? { wall, counter: this.last.counter + 1 } : { wall, counter: 0 }
    return this.last
  }

  /**
   * Folds in a remote stamp so later local stamps sort after it. Returns false (and adopts
   * nothing) when the stamp is more than maxDriftMs ahead of local wall time.
   */
  observe(remote: Hlc): boolean {
    if (remote.wall - this.now() > this.maxDriftMs) {
      this.refusedStamps++
      return false
    }
    if (compareHlc(remote, this.last) > 0) this.last = remote
    return true
  }

  peek(): Hlc {
    return this.last
  }
}

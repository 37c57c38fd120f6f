/**
 * The one port through which every package reads time and sets timers. Production code takes a
 * `scheduler` option that defaults to `realScheduler`; a simulation passes a virtual-time one
 * (SimScheduler in @swarmkv/replication), so the same seed replays the same interleaving.
 */

/** A timer that can be called off; cancelling one that already ran, or twice, does nothing. */
export interface Cancellable {
  cancel(): void
}

export interface Scheduler {
  /** Monotonic milliseconds (performance.now in production, virtual time in a simulation). */
  now(): number
  /**
   * Wall-clock milliseconds since the epoch (Date.now in production). Only for what must be
   * comparable across processes or shown to people: HLC stamps, "since" times in /cluster,
   * record times in a history. Durations are measured with `now`, which never steps back.
   */
  wallNow(): number
  /** Runs fn once after ms; real timers are unref'd so they never keep a process alive. */
  setTimeout(fn: () => void, ms: number): Cancellable
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref()
    return { cancel: () => clearTimeout(t) }
  }
}

/**
 * The real clocks with timers that do keep the process alive: for a wait that is all a process is
 * doing at that moment (a CLI's reconnect back-off, a script's poll), where an unref'd timer would
 * let the process exit in the middle of the wait.
 */
export const foregroundScheduler: Scheduler = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    return { cancel: () => clearTimeout(t) }
  }
}

/**
 * Runs fn every ms until cancelled, on any Scheduler: the port has no setInterval of its own.
 * The next run is set when one starts, so the period does not stretch by fn's own time; a run
 * that overlaps the next tick is not guarded here (fn decides whether to skip).
 */
export function repeat(scheduler: Scheduler, ms: number, fn: () => void): Cancellable {
  let timer: Cancellable | undefined
  let cancelled = false
  const tick = (): void => {
    if (cancelled) return
    timer = scheduler.setTimeout(tick, ms)
    fn()
  }
  timer = scheduler.setTimeout(tick, ms)
  return {
    cancel: () => {
      cancelled = true
      timer?.cancel()
    }
  }
}

/**
 * Resolves after ms on the given scheduler (a sleep that a simulation can run on virtual time). On
 * realScheduler nothing is kept alive by the sleep itself; use foregroundScheduler where the sleep
 * is the only thing pending.
 */
export function delay(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => { scheduler.setTimeout(resolve, ms) })
}

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { repeat, type Cancellable, type Scheduler } from '@swarmkv/core'

/** How often the monitor's timer fires; each firing records how late it ran. */
const RESOLUTION_MS = 10
/** One window of the delay summary, ms. */
export const DEFAULT_LOOP_WINDOW_MS = 10_000

/** One window's event-loop delay, in seconds. */
export interface LoopDelayWindow {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly windowSeconds: number
}

/**
 * How late the event loop runs what is due: every request, replicated message and commit of a
 * node waits behind whatever holds the loop, so this is the first figure to read when latency
 * grows (a saturated core, a long synchronous task, GC). Measured over fixed windows: /metrics
 * shows the last complete one, the same for every scraper.
 */
export class LoopDelay {
  private readonly histogram: IntervalHistogram
  private readonly timer: Cancellable
  private last: LoopDelayWindow | undefined

  // The histogram's own sampling timer is libuv's (perf_hooks), not ours: only the window roll is scheduled here.
  constructor(scheduler: Scheduler, private readonly windowMs = DEFAULT_LOOP_WINDOW_MS) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.histogram.enable()
    this.timer = repeat(scheduler, windowMs, () => this.roll())
  }

  /** The last complete window (until the first one completes: the time since the start). */
  get window(): LoopDelayWindow {
    return this.last ?? this.current()
  }

  close(): void {
    this.timer.cancel()
    this.histogram.disable()
  }

  private current(): LoopDelayWindow {
    const h = this.histogram
    // The histogram holds whole timer intervals in nanoseconds (an idle loop records about the
    // resolution itself): the delay is what exceeds it. An empty histogram reports zeros.
    const s = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.round(Math.max(0, ns / 1e3 - RESOLUTION_MS * 1000)) / 1e6 : 0)
    return { p50: s(h.percentile(50)), p99: s(h.percentile(99)), max: s(h.max), windowSeconds: this.windowMs / 1000 }
  }

  private roll(): void {
    this.last = this.current()
    this.histogram.reset()
  }
}

import type { Registry } from 'prom-client'
import type { LoopDelayWindow } from '../loop-delay.js'

const NAME = 'swarmkv_event_loop_delay_seconds'

/**
 * The event-loop delay summary over the last complete window, as the hand-written exposition
 * had it (the benchmarks read its quantiles), plus the window's length. prom-client's Summary
 * only summarises what is observed into it; this one reports a window measured elsewhere, so it
 * is registered as a metric of its own.
 */
export function registerLoopSummary(registry: Registry, window: () => LoopDelayWindow): void {
  const help = 'How late the event loop ran what was due, over the last window (a saturated core or a long task shows here first).'
  registry.registerMetric({
    name: NAME,
    get: () => {
      const w = window()
      return {
        name: NAME, help, type: 'summary', aggregator: 'omit',
        values: [
          { labels: { quantile: 0.5 }, value: w.p50 },
          { labels: { quantile: 0.99 }, value: w.p99 },
          { labels: { quantile: 1 }, value: w.max }
        ]
      }
    }
  } as unknown as Parameters<Registry['registerMetric']>[0])
  const wname = `${NAME}_window_seconds`
  registry.registerMetric({
    name: wname,
    get: () => ({ name: wname, help: 'The length of that window.', type: 'gauge', aggregator: 'omit', values: [{ labels: {}, value: window().windowSeconds }] })
  } as unknown as Parameters<Registry['registerMetric']>[0])
}

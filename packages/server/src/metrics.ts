import type { ServerDeps } from './options.js'
import type { LoopDelayWindow } from './loop-delay.js'

const HELP: Record<string, string> = {
  swarmkv_commits_total: 'Store commits (each may carry many writes).',
  swarmkv_local_ops_total: 'Writes originated on this node.',
  swarmkv_remote_ops_total: 'Replicated ops applied on this node.',
  swarmkv_duplicate_ops_total: 'Replicated ops received that were already applied.',
  swarmkv_failed_commits_total: 'Store commits that failed.',
  swarmkv_refused_clock_stamps_total: 'Remote HLC stamps too far ahead of local time, not adopted.',
  swarmkv_seq: 'Highest seq this node has given its own writes.',
  process_resident_memory_bytes: 'Resident memory of the process (JavaScript heap, LevelDB caches and memtables, buffers).',
  nodejs_heap_used_bytes: 'JavaScript heap in use (live objects and garbage not yet collected).',
  nodejs_heap_total_bytes: 'JavaScript heap reserved.',
  nodejs_external_memory_bytes: 'Memory held outside the JavaScript heap by its objects (byte arrays, Automerge documents).'
}

function memory(): Record<string, number> {
  const m = process.memoryUsage()
  return {
    process_resident_memory_bytes: m.rss,
    nodejs_heap_used_bytes: m.heapUsed,
    nodejs_heap_total_bytes: m.heapTotal,
    nodejs_external_memory_bytes: m.external
  }
}

/** Prometheus text exposition of the engine's and replication's counters. */
export function renderMetrics(deps: ServerDeps, loop: LoopDelayWindow): string {
  const s = deps.engine.stats
  const values: Record<string, number> = {
    swarmkv_commits_total: s.commits,
    swarmkv_local_ops_total: s.localOps,
    swarmkv_remote_ops_total: s.remoteOps,
    swarmkv_duplicate_ops_total: s.duplicateOps,
    swarmkv_failed_commits_total: s.failedCommits,
    swarmkv_refused_clock_stamps_total: deps.engine.refusedStamps,
    swarmkv_seq: deps.engine.seq,
    ...(deps.cluster?.metrics() ?? {}),
    ...memory()
  }
  const lines: string[] = []
  for (const [name, v] of Object.entries(values)) {
    const help = HELP[name]
    if (help !== undefined) lines.push(`# HELP ${name} ${help}`)
    lines.push(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`, `${name} ${v}`)
  }
  // A summary over the last complete window (its length is the gauge beside it).
  const delay = 'swarmkv_event_loop_delay_seconds'
  lines.push(
    `# HELP ${delay} How late the event loop ran what was due, over the last window (a saturated core or a long task shows here first).`,
    `# TYPE ${delay} summary`,
    `${delay}{quantile="0.5"} ${loop.p50}`,
    `${delay}{quantile="0.99"} ${loop.p99}`,
    `${delay}{quantile="1"} ${loop.max}`,
    `# HELP ${delay}_window_seconds The length of that window.`,
    `# TYPE ${delay}_window_seconds gauge`,
    `${delay}_window_seconds ${loop.windowSeconds}`
  )
  return lines.join('\n') + '\n'
}

import { runLoad, combine } from './loadgen-client.js'
import { runWrk, WRK_KINDS } from './wrk.js'
import { median, round } from './stats.js'
import type { Workload } from './workloads.js'
import type { Ctx, Latency, LoadResult, LoadTool, Run, ServerFigures } from './types.js'

/**
 * A run whose load generator used more than this share of its core is bounded by the client, not
 * the server: it is flagged in every table and does not count as a baseline.
 */
export const CLIENT_BOUND_PCT = 80
/** Without wrk, a throughput cell's connections are spread over this many autocannon processes. */
export const AUTOCANNON_WORKERS = 2

export interface MeasureSpec {
  urls: string[]
  pids: Array<number | undefined>
  workload: Workload
  connections: number
  pipelining: number
  durationS?: number
  /** Open loop at this total rate (paced client) instead of a closed loop. */
  overallRate?: number
  /** A fixed number of requests (autocannon) instead of a duration. */
  amount?: number
  /** A throughput cell: wrk when installed, else several autocannon processes. */
  throughput?: boolean
  onProgress?: (m: { t: number; done: number }) => void
  progressMs?: number
}

/**
 * One load run against one or more URLs (connections split evenly), with the server pids sampled
 * for CPU and RSS and the load generator's own CPU. Returns one run's figures.
 */
export async function measure(ctx: Ctx, spec: MeasureSpec): Promise<Run> {
  const { urls, pids, workload, connections, pipelining, durationS = ctx.opts.durationS, overallRate, amount } = spec
  const per = Math.max(1, Math.round(connections / urls.length))
  const closedThroughput = spec.throughput === true && overallRate === undefined && amount === undefined && WRK_KINDS.has(workload.kind)
  if (closedThroughput && ctx.throughputTool === 'wrk') {
    const runs = await Promise.all(urls.map((url) => runWrk(ctx, { url, workload, connections: per, pipelining, durationS, serverPids: pids })))
    return withServer(combine(runs.map((r) => r.result)), sumServer(runs.map((r) => r.server)), 'wrk')
  }
  const split = closedThroughput ? AUTOCANNON_WORKERS : 1
  const perInstance = Math.max(1, Math.round(per / split))
  const instances = urls.flatMap((url) => Array.from({ length: split }, () => ({
    url, workload, connections: perInstance, pipelining, durationS, amount,
    ...(overallRate !== undefined ? { overallRate: Math.max(1, Math.round(overallRate / urls.length)) } : {})
  })))
  const tool: LoadTool = overallRate !== undefined ? 'paced' : closedThroughput ? 'autocannon-workers' : 'autocannon'
  const { results, server } = await runLoad(ctx, {
    instances, serverPids: pids, onProgress: spec.onProgress, progressMs: spec.progressMs, processes: split,
    limitS: amount !== undefined ? ctx.opts.growthLimitS : undefined
  })
  return withServer(combine(results), server, tool)
}

function withServer(r: LoadResult, server: ServerFigures, tool: LoadTool): Run {
  return { ...r, ...server, tool }
}

/** Parallel wrk processes against several servers sampled the same pids: server figures are the max, clients sum. */
function sumServer(xs: ServerFigures[]): ServerFigures {
  return {
    serverCpuPct: Math.max(...xs.map((x) => x.serverCpuPct)),
    serverRssMiB: Math.max(...xs.map((x) => x.serverRssMiB)),
    clientCpuPct: xs.reduce((a, x) => a + x.clientCpuPct, 0),
    serverCoreOtherPct: Math.max(...xs.map((x) => x.serverCoreOtherPct))
  }
}

export interface Aggregate {
  reqPerSec: number
  latencyMs: Latency
  latencyNotMeasured?: string
  errors: number
  non2xx: number
  requests: number
  serverCpuPct: number
  serverRssMiB: number
  /** The median run's generator CPU; clientCpuMaxPct is the highest of the runs. */
  clientCpuPct: number
  clientCpuMaxPct: number
  clientBound: boolean
  serverCoreOtherPct: number
  tool: LoadTool
  runs: number[]
  /** Server CPU microseconds per request, per run (CPU % x 10,000 / req/s). */
  serverUsPerReq: number
}

/** The median run by req/s, with every run's req/s kept, errors summed and peak RSS. */
export function aggregate(runs: Run[]): Aggregate {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec)
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]
  if (mid === undefined) throw new Error('aggregate: no runs')
  const clientCpuMaxPct = round(Math.max(...runs.map((r) => r.clientCpuPct)), 1)
  return {
    reqPerSec: round(median(runs.map((r) => r.reqPerSec)), 1),
    latencyMs: roundAll(mid.latencyMs),
    ...(mid.latencyNotMeasured !== undefined ? { latencyNotMeasured: mid.latencyNotMeasured } : {}),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    serverCpuPct: round(median(runs.map((r) => r.serverCpuPct)), 1),
    serverRssMiB: round(Math.max(...runs.map((r) => r.serverRssMiB)), 1),
    clientCpuPct: round(median(runs.map((r) => r.clientCpuPct)), 1),
    clientCpuMaxPct,
    clientBound: clientCpuMaxPct > CLIENT_BOUND_PCT,
    serverCoreOtherPct: round(median(runs.map((r) => r.serverCoreOtherPct)), 1),
    tool: mid.tool,
    runs: runs.map((r) => round(r.reqPerSec, 1)),
    serverUsPerReq: round(median(runs.map((r) => (r.reqPerSec > 0 ? (r.serverCpuPct * 10_000) / r.reqPerSec : NaN))), 1)
  }
}

function roundAll(o: Latency): Latency {
  return { p50: round(o.p50, 3), p90: round(o.p90, 3), p99: round(o.p99, 3), mean: round(o.mean, 3), max: round(o.max, 3) }
}

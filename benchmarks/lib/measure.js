import { runLoad, combine } from './loadgen-client.js'
import { median, round } from './stats.js'

/**
 * One closed-loop autocannon run against one or more URLs (connections split evenly), with the
 * server pids sampled for CPU and RSS. Returns one run's figures.
 */
export async function measure(ctx, { urls, pids, workload, connections, pipelining, durationS, overallRate, amount, onProgress, progressMs }) {
  const per = Math.max(1, Math.round(connections / urls.length))
  const instances = urls.map((url) => ({
    url, workload, connections: per, pipelining, durationS, amount,
    ...(overallRate !== undefined ? { overallRate: Math.max(1, Math.round(overallRate / urls.length)) } : {})
  }))
  const { results, server } = await runLoad(ctx, { instances, serverPids: pids, onProgress, progressMs, limitS: amount !== undefined ? ctx.opts.growthLimitS : undefined })
  return { ...combine(results), ...server }
}

/** The median run by req/s, with every run's req/s kept, errors summed and peak RSS. */
export function aggregate(runs) {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec)
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]
  return {
    reqPerSec: round(median(runs.map((r) => r.reqPerSec)), 1),
    latencyMs: roundAll(mid.latencyMs),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    serverCpuPct: round(median(runs.map((r) => r.serverCpuPct)), 1),
    serverRssMiB: round(Math.max(...runs.map((r) => r.serverRssMiB)), 1),
    clientCpuPct: round(median(runs.map((r) => r.clientCpuPct)), 1),
    serverCoreOtherPct: round(median(runs.map((r) => r.serverCoreOtherPct)), 1),
    runs: runs.map((r) => round(r.reqPerSec, 1))
  }
}

function roundAll(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 3)]))
}

/**
 * Growth: a fixed number of PUTs (1,000,000 in a full run) over the key space on a fresh durable
 * node. Every window (10 s) records throughput, RSS and data dir size: throughput must not decay
 * and memory must level off as the key space fills.
 */
import { startSwarmkv, pidsOf } from '../lib/swarmkv.js'
import { CLIENT_BOUND_PCT, measure } from '../lib/measure.js'
import { CoreNoise, ProcSampler } from '../lib/proc-sampler.js'
import { SERVER_CORE } from '../lib/pin.js'
import { dirSize } from '../lib/dir-size.js'
import { median, round } from '../lib/stats.js'
import type { Ctx, Entry, GrowthWindow, Run } from '../lib/types.js'

/** Throughput of the last windows below this fraction of the first ones counts as decay. */
export const DECAY_THRESHOLD = 0.8
/** Issue 16: a single node stays under this resident memory in the growth run, by default. */
export const RSS_BUDGET_MIB = 200
/**
 * Flat: the last window's RSS is within this fraction of the median RSS of the second half of the
 * windows (a level reached, not a climb that the run happened to stop in the middle of).
 */
export const RSS_FLAT_TOLERANCE = 0.1

export interface RssVerdict {
  budgetMiB: number
  peakMiB: number
  lastMiB: number
  secondHalfMedianMiB: number
  lastToMedian: number | null
  flat: boolean
  underBudget: boolean
}

/** Peak and last resident memory of the growth run, judged against the budget and for flatness. */
export function judgeRss(windows: GrowthWindow[], peakMiB: number): RssVerdict {
  const rss = windows.map((w) => w.rssMiB)
  const lastMiB = rss.at(-1) ?? NaN
  const secondHalfMedianMiB = round(median(rss.slice(Math.floor(rss.length / 2))), 1)
  const lastToMedian = secondHalfMedianMiB > 0 ? round(lastMiB / secondHalfMedianMiB, 3) : null
  const peak = Math.max(peakMiB, ...rss)
  return {
    budgetMiB: RSS_BUDGET_MIB,
    peakMiB: round(peak, 1),
    lastMiB,
    secondHalfMedianMiB,
    lastToMedian,
    flat: lastToMedian !== null && Math.abs(lastToMedian - 1) <= RSS_FLAT_TOLERANCE,
    underBudget: peak <= RSS_BUDGET_MIB
  }
}

export async function runGrowth(ctx: Ctx): Promise<Entry[]> {
  if (!ctx.selected('growth')) return []
  const { opts } = ctx
  ctx.log(`growth: ${opts.growthOps} PUTs over ${opts.keySpace} keys, ${opts.windowS} s windows`)
  const cluster = await startSwarmkv(ctx, [{ name: 'growth', role: 'master', fsync: 'batch' }], null)
  const node = cluster.node('growth')
  const pids = pidsOf(cluster)
  const rss = new ProcSampler(pids)
  // Other processes on the server core, per window: tells a slow window caused by the machine apart.
  let noise = ctx.pin.enabled ? new CoreNoise(SERVER_CORE, pids) : undefined
  noise?.start()
  const windows: GrowthWindow[] = []
  let done = 0
  let last = { t: performance.now(), done: 0 }
  const t0 = performance.now()
  let sampling = Promise.resolve()
  const closeWindow = async (): Promise<void> => {
    const now = performance.now()
    const serverCoreOtherPct = noise?.stop() ?? NaN
    if (noise !== undefined) { noise = new CoreNoise(SERVER_CORE, pids); noise.start() }
    const w: GrowthWindow = {
      tS: round((now - t0) / 1000, 1), ops: done, reqPerSec: round(((done - last.done) * 1000) / (now - last.t), 1),
      rssMiB: round(rss.rssMiB(), 1), dataDirMiB: round((await dirSize(node.dataDir)) / 2 ** 20, 1), serverCoreOtherPct
    }
    last = { t: now, done }
    windows.push(w)
    ctx.log(`  t=${w.tS}s ops=${w.ops} ${Math.round(w.reqPerSec)} req/s rss ${w.rssMiB} MiB data ${w.dataDirMiB} MiB, other load on server core ${w.serverCoreOtherPct}%`)
  }
  const timer = setInterval(() => { sampling = sampling.then(closeWindow) }, opts.windowS * 1000)
  let run: Run
  try {
    run = await measure(ctx, {
      urls: [node.url], pids, workload: { kind: 'put', valueBytes: 100, keySpace: opts.keySpace },
      connections: opts.connections, pipelining: 1, amount: opts.growthOps, progressMs: 250,
      onProgress: (m) => { done = m.done }
    })
  } finally {
    clearInterval(timer)
    await sampling
  }
  try {
    done = run.requests
    // The last, partial window counts only when it is at least half a window long.
    if (performance.now() - last.t >= (opts.windowS * 1000) / 2) await closeWindow()
    const finalDataDirMiB = round((await dirSize(node.dataDir)) / 2 ** 20, 1)
    // The first window holds the JIT warmup: it is left out of the comparison when there are enough.
    const steady = windows.length >= 4 ? windows.slice(1) : windows
    const k = Math.max(1, Math.min(3, Math.floor(steady.length / 3)))
    const first = median(steady.slice(0, k).map((w) => w.reqPerSec))
    const lastK = median(steady.slice(-k).map((w) => w.reqPerSec))
    const ratio = first > 0 ? round(lastK / first, 3) : null
    return [{
      id: 'growth/p1/swarmkv',
      scenario: 'growth',
      group: 'growth',
      title: `Growth: ${opts.growthOps.toLocaleString('en')} PUTs over ${opts.keySpace.toLocaleString('en')} keys`,
      system: 'swarmkv',
      status: 'ok',
      settings: { connections: opts.connections, pipelining: 1, ops: opts.growthOps, keySpace: opts.keySpace, valueBytes: 100, windowS: opts.windowS, fsync: 'batch' },
      reqPerSec: round(run.reqPerSec, 1),
      latencyMs: run.latencyMs,
      errors: run.errors + run.timeouts,
      non2xx: run.non2xx,
      requests: run.requests,
      serverCpuPct: run.serverCpuPct,
      serverRssMiB: run.serverRssMiB,
      clientCpuPct: run.clientCpuPct,
      finalDataDirMiB,
      windows,
      rss: judgeRss(windows, run.serverRssMiB),
      tool: run.tool,
      clientBound: run.clientCpuPct > CLIENT_BOUND_PCT,
      decay: { windowsCompared: k, firstWindowsReqPerSec: first, lastWindowsReqPerSec: lastK, lastToFirst: ratio, threshold: DECAY_THRESHOLD, decayed: ratio !== null && ratio < DECAY_THRESHOLD }
    }]
  } finally {
    await cluster.stop()
  }
}

import { ratio } from './stats.js'
import { CLIENT_BOUND_PCT } from './measure.js'
import { judgeRss, RSS_BUDGET_MIB } from '../scenarios/growth.js'
import type { Entry, GrowthWindow, Result, Target } from './types.js'

/** The lag target of issue 16, at a load that leaves the server core under 60 % busy. */
export const LAG_P50_GOAL_MS = 2
export const LAG_P99_GOAL_MS = 20

/**
 * A run whose server core was busier than this with other processes (a shared machine) says more
 * about the neighbours than about the server: its req/s ratio does not count for a target.
 */
export const OTHER_LOAD_LIMIT_PCT = 20

/** Server CPU microseconds per request: comparable when the machine is shared (older results lack it). */
function usPerReq(e: Entry): number {
  const v = e.serverUsPerReq
  if (typeof v === 'number' && Number.isFinite(v)) return v
  return (e.serverCpuPct ?? NaN) * 10_000 / (e.reqPerSec ?? NaN)
}

/** Finds an entry by id among results that ran. */
export function entry(result: Pick<Result, 'entries'>, id: string): Entry | undefined {
  return result.entries.find((e) => e.id === id && e.status === 'ok')
}

/** The highest load-generator CPU of an entry's runs (older results kept only the median). */
export function generatorMaxPct(e: Entry | undefined): number | undefined {
  if (e === undefined) return undefined
  const max = e.clientCpuMaxPct
  return typeof max === 'number' ? max : e.clientCpuPct
}

function clientBound(e: Entry | undefined): boolean {
  const g = generatorMaxPct(e)
  return g !== undefined && Number.isFinite(g) && g > CLIENT_BOUND_PCT
}

/** swarmkv ÷ the bare route for one single-node cell, void when either side's generator was the bottleneck. */
function vsBaseline(result: Pick<Result, 'entries'>, cell: string, id: string, name: string, min: number, aim?: number): Target {
  const sw = entry(result, `${cell}/p1/swarmkv`)
  const base = entry(result, `${cell}/p1/fastify-map`)
  const value = ratio(sw?.reqPerSec, base?.reqPerSec)
  const goal = `>= ${min}x${aim === undefined ? '' : `, aim ${aim}x`}`
  if (value === null || sw === undefined || base === undefined) return { id, name, value, unit: 'x', goal, met: null }
  const perCpu = ratio(usPerReq(base), usPerReq(sw))
  // The bare route answering at the end of the turn, as swarmkv's GET does: said beside, not judged.
  const alike = entry(result, `${cell}/p1/fastify-map-turn-end`)
  const alikeNote = alike === undefined ? '' : `; against the bare route answering at the end of the turn too: ${ratio(sw.reqPerSec, alike.reqPerSec) ?? 'n/a'}x (per server CPU ${ratio(usPerReq(alike), usPerReq(sw)) ?? 'n/a'}x, ${Math.round(usPerReq(alike))} µs/req)`
  const cpuNote = `per server CPU ${perCpu ?? 'n/a'}x (${Math.round(usPerReq(sw))} against ${Math.round(usPerReq(base))} µs/req)${alikeNote}`
  const bound = [sw, base].filter(clientBound)
  if (bound.length > 0) {
    const worst = Math.max(...bound.map((e) => generatorMaxPct(e) ?? 0))
    return { id, name, value, unit: 'x', goal, met: null, note: `not a valid baseline: the load generator was at ${worst} % of its core (above ${CLIENT_BOUND_PCT} %); ${cpuNote}` }
  }
  const other = Math.max(sw.serverCoreOtherPct ?? 0, base.serverCoreOtherPct ?? 0)
  if (other > OTHER_LOAD_LIMIT_PCT) {
    return { id, name, value, unit: 'x', goal, met: null, note: `not valid: other processes kept the server core ${other} % busy (above ${OTHER_LOAD_LIMIT_PCT} %); ${cpuNote}` }
  }
  return { id, name, value, unit: 'x', goal, met: value >= min, note: cpuNote }
}

/**
 * The targets, from the side-by-side run. `met` is null when a side was not measured (skipped
 * scenario, or --only) or the measurement does not count (a client-bound baseline).
 */
export function evaluateTargets(result: Pick<Result, 'entries'>): Target[] {
  const put = entry(result, 'single-put-100b/p1/swarmkv')
  const etcd = entry(result, 'peer-etcd-put/p1/etcd')
  const paced = entry(result, 'cluster-lag/paced/swarmkv-cluster')
  const growth = entry(result, 'growth/p1/swarmkv')
  const vsEtcd = ratio(put?.reqPerSec, etcd?.reqPerSec)
  const lag = paced?.lagMs as { all: { p50: number; p99: number } } | undefined
  const underCpu = paced?.underCpuLimit === true
  const pacedOther = paced?.serverCoreOtherPct ?? 0
  const noisy = Number.isFinite(pacedOther) && pacedOther > OTHER_LOAD_LIMIT_PCT
  const windows = growth?.windows as GrowthWindow[] | undefined
  const rss = growth === undefined || windows === undefined ? undefined : judgeRss(windows, growth.serverRssMiB ?? NaN)
  const decay = growth?.decay as { lastToFirst: number | null; threshold: number; decayed: boolean } | undefined
  return [
    vsBaseline(result, 'single-put-100b', 'put-100b-vs-map', 'durable PUT 100 B ÷ bare Fastify Map PUT', 0.5, 0.7),
    vsBaseline(result, 'single-put-1k', 'put-1k-vs-map', 'durable PUT 1 KiB ÷ bare route', 0.4),
    vsBaseline(result, 'single-get', 'get-vs-map', 'GET ÷ bare route', 0.7),
    {
      id: 'growth-rss', name: 'single node resident memory, growth run (peak / last)', unit: 'MiB',
      value: rss?.peakMiB ?? null, value2: rss?.lastMiB ?? null, goal: `<= ${RSS_BUDGET_MIB} MiB, flat`,
      met: rss === undefined ? null : rss.underBudget && rss.flat,
      ...(rss === undefined ? {} : { note: `last window ${rss.lastToMedian}x the median of the second half (flat within ±10 %): ${rss.flat ? 'flat' : 'NOT flat'}` })
    },
    {
      id: 'lag-paced', name: 'lag p50 / p99, server core < 60 % busy', unit: 'ms',
      value: lag?.all.p50 ?? null, value2: lag?.all.p99 ?? null, goal: `<= ${LAG_P50_GOAL_MS} ms / <= ${LAG_P99_GOAL_MS} ms`,
      met: lag === undefined || noisy ? null : underCpu && lag.all.p50 <= LAG_P50_GOAL_MS && lag.all.p99 <= LAG_P99_GOAL_MS,
      ...(paced === undefined ? {} : {
        note: `the 3 nodes kept the server core ${paced.serverCpuPct} % busy at ${paced.backgroundReqPerSec as number} req/s paced + the probe` +
          `${underCpu ? '' : ' (NOT under 60 %: the target is not met at this load)'}; other processes ${pacedOther} %${noisy ? ` (above ${OTHER_LOAD_LIMIT_PCT} %: not valid)` : ''}`
      })
    },
    { id: 'put-vs-etcd', name: 'durable PUT 100 B ÷ etcd single-node put', value: vsEtcd, unit: 'x', goal: '>= 2x', met: vsEtcd === null ? null : vsEtcd >= 2 },
    {
      id: 'growth-no-decay', name: 'growth: throughput of the last windows ÷ the first windows', unit: 'x',
      value: decay?.lastToFirst ?? null, goal: `>= ${decay?.threshold ?? 0.8}x`, met: decay === undefined || decay.lastToFirst === null ? null : !decay.decayed
    }
  ]
}

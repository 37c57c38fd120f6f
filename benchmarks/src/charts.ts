/**
 * SVG charts rendered headless with vega-lite -> vega (no canvas, no browser):
 * throughput vs baselines (Redis in a panel of its own: it is ten times faster and would flatten
 * the others), lag percentiles, and throughput / memory over time in the growth run with the
 * memory budget marked.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as vega from 'vega'
import * as vl from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'
import { LAG_P50_GOAL_MS, LAG_P99_GOAL_MS } from './lib/targets.js'
import { PACED_CPU_LIMIT_PCT } from './scenarios/cluster.js'
import { RSS_BUDGET_MIB } from './scenarios/growth.js'
import type { Entry, GrowthWindow, LagFigures, Result } from './lib/types.js'

export interface Chart { name: string; title: string; file: string }

const SYSTEM_COLORS = {
  domain: ['swarmkv', 'fastify-map', 'fastify-map-turn-end', 'swarmkv-cluster', 'redis', 'etcd'],
  range: ['#1f77b4', '#aec7e8', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd']
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  return svg
}

function throughputSpec(result: Result): TopLevelSpec | undefined {
  const label = (e: Entry): string => {
    const p = e.settings?.pipelining ?? 1
    return `${(e.title ?? e.id).replace(/, primary \+ 1 replica|, HTTP put \(JSON gateway\)| spread on 2 masters \(\+1 replica\), total/g, '')}${p > 1 ? `, pipelining ${p}` : ''}`
  }
  const values = result.entries
    .filter((e) => e.status === 'ok' && Number.isFinite(e.reqPerSec) && e.lagMs === undefined && e.group !== 'growth')
    .map((e) => ({ bar: `${label(e)} · ${e.system ?? ''}`, system: e.system ?? '', reqPerSec: Math.round(e.reqPerSec ?? 0), bound: e.clientBound === true ? ' (client-bound)' : '' }))
  if (values.length === 0) return undefined
  const panel = (rows: typeof values, title: string): Record<string, unknown> => ({
    title: { text: title, anchor: 'start', fontSize: 12 },
    data: { values: rows },
    width: 460,
    height: { step: 18 },
    encoding: {
      y: { field: 'bar', type: 'nominal', title: null, sort: null, axis: { labelLimit: 420 } },
      x: { field: 'reqPerSec', type: 'quantitative', title: 'requests per second' }
    },
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { color: { field: 'system', type: 'nominal', scale: SYSTEM_COLORS, legend: { orient: 'bottom', title: null } } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'label', type: 'nominal' } }, transform: [{ calculate: "format(datum.reqPerSec, ',') + datum.bound", as: 'label' }] }
    ]
  })
  const ours = values.filter((v) => v.system !== 'redis')
  const redis = values.filter((v) => v.system === 'redis')
  const panels = [
    ...(ours.length > 0 ? [panel(ours, 'swarmkv, the bare Fastify + Map route and etcd')] : []),
    ...(redis.length > 0 ? [panel(redis, `Redis, on its own scale (up to ${(Math.max(...redis.map((v) => v.reqPerSec)) / Math.max(1, ...ours.map((v) => v.reqPerSec))).toFixed(1)}x the largest bar above)`)] : [])
  ]
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Throughput, req/s (median of runs)', subtitle: subtitle(result) },
    vconcat: panels,
    resolve: { scale: { x: 'independent', y: 'independent' } }
  } as unknown as TopLevelSpec
}

function lagSpec(result: Result): TopLevelSpec | undefined {
  const values: Array<{ series: string; percentile: string; ms: number }> = []
  for (const e of result.entries) {
    if (e.status !== 'ok' || e.lagMs === undefined) continue
    const lag = e.lagMs as LagFigures
    const bg = Math.round((e.backgroundReqPerSec as number | undefined) ?? 0)
    const series = e.system === 'redis' ? `Redis replica, ${e.load ?? ''} load`
      : e.load === 'idle' ? 'swarmkv, no background load'
        : e.load === 'paced' ? `swarmkv, paced ${bg} req/s (core ${Math.round(e.serverCpuPct ?? 0)} % busy)`
          : `swarmkv, ${e.load ?? ''} load (${bg} req/s)`
    for (const p of ['p50', 'p90', 'p99'] as const) values.push({ series, percentile: p, ms: lag.all[p] })
  }
  if (values.length === 0) return undefined
  // Legend and bars in load order, the Redis reference last.
  const series = [...new Set(values.map((v) => v.series))].sort((a, b) => Number(a.startsWith('Redis')) - Number(b.startsWith('Redis')))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Replication visibility lag, ms (ack on one node -> readable on another)', subtitle: subtitle(result) },
    data: { values },
    width: 420,
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'percentile', type: 'ordinal', title: null },
          xOffset: { field: 'series', type: 'nominal', scale: { domain: series } },
          y: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
          color: { field: 'series', type: 'nominal', scale: { domain: series }, legend: { orient: 'bottom', title: null, columns: 1, labelLimit: 400 } }
        }
      },
      { data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: LAG_P99_GOAL_MS } } },
      { data: { values: [{}] }, mark: { type: 'text', align: 'right', baseline: 'bottom', color: '#666', fontSize: 10 }, encoding: { y: { datum: LAG_P99_GOAL_MS }, x: { value: 420 }, text: { value: `target at core < ${PACED_CPU_LIMIT_PCT} %: p99 <= ${LAG_P99_GOAL_MS} ms, p50 <= ${LAG_P50_GOAL_MS} ms` } } }
    ]
  }
}

function growthSpec(result: Result): TopLevelSpec | undefined {
  const g = result.entries.find((e) => e.scenario === 'growth' && e.status === 'ok')
  const windows = g?.windows as GrowthWindow[] | undefined
  if (g === undefined || windows === undefined || windows.length === 0) return undefined
  const base = { data: { values: windows }, width: 520, height: 160 }
  const x = { field: 'tS', type: 'quantitative', title: 'seconds since start' }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${g.title ?? 'Growth'}: per ${g.settings?.windowS ?? '?'} s window`, subtitle: subtitle(result) },
    vconcat: [
      { ...base, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'reqPerSec', type: 'quantitative', title: 'req/s', scale: { zero: true } } } },
      {
        ...base,
        transform: [
          { fold: ['rssMiB', 'dataDirMiB'], as: ['measure', 'MiB'] },
          { calculate: "datum.measure === 'rssMiB' ? 'server RSS' : 'data dir size'", as: 'measure' }
        ],
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: { x, y: { field: 'MiB', type: 'quantitative', title: 'MiB', scale: { zero: true } }, color: { field: 'measure', type: 'nominal', legend: { orient: 'bottom', title: null } } }
          },
          { data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#d62728' }, encoding: { y: { datum: RSS_BUDGET_MIB } } },
          { data: { values: [{}] }, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, color: '#d62728', fontSize: 10 }, encoding: { y: { datum: RSS_BUDGET_MIB }, x: { value: 0 }, text: { value: `RSS budget ${RSS_BUDGET_MIB} MiB` } } }
        ]
      }
    ]
  } as TopLevelSpec
}

function subtitle(result: Result): string {
  return `${result.mode} run ${result.startedAt.slice(0, 10)}, ${result.machine.cores} cores, ${result.pinning.enabled ? 'server and load pinned apart' : 'not pinned'}`
}

/** Writes the charts that have data; returns [{name, file}] relative to the output dir. */
export async function writeCharts(result: Result, dir: string): Promise<Chart[]> {
  await mkdir(dir, { recursive: true })
  const charts: Array<[string, string, TopLevelSpec | undefined]> = [
    ['throughput', 'Throughput vs baselines', throughputSpec(result)],
    ['lag', 'Replication visibility lag percentiles', lagSpec(result)],
    ['growth', 'Throughput, RSS and data size over time', growthSpec(result)]
  ]
  const written: Chart[] = []
  for (const [name, title, spec] of charts) {
    if (spec === undefined) continue
    await writeFile(join(dir, `${name}.svg`), await render(spec))
    written.push({ name, title, file: `charts/${name}.svg` })
  }
  return written
}

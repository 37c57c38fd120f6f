/**
 * SVG charts rendered headless with vega-lite -> vega (no canvas, no browser):
 * throughput vs baselines, lag percentiles, and throughput / memory over time in the growth run.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as vega from 'vega'
import * as vl from 'vega-lite'

const SYSTEM_COLORS = {
  domain: ['swarmkv', 'fastify-map', 'swarmkv-cluster', 'redis', 'etcd'],
  range: ['#1f77b4', '#aec7e8', '#2ca02c', '#d62728', '#9467bd']
}

async function render(spec) {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  return svg
}

function throughputSpec(result) {
  const label = (e) => `${e.title.replace(/, primary \+ 1 replica|, HTTP put \(JSON gateway\)| spread on 2 masters \(\+1 replica\), total/g, '')}${e.settings?.pipelining > 1 ? `, pipelining ${e.settings.pipelining}` : ''}`
  const values = result.entries
    .filter((e) => e.status === 'ok' && Number.isFinite(e.reqPerSec) && e.lagMs === undefined && e.group !== 'growth')
    .map((e) => ({ bar: `${label(e)} · ${e.system}`, system: e.system, reqPerSec: Math.round(e.reqPerSec) }))
  if (values.length === 0) return undefined
  const y = { field: 'bar', type: 'nominal', title: null, sort: null, axis: { labelLimit: 420 } }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Throughput, req/s (median of runs)', subtitle: subtitle(result) },
    data: { values },
    width: 460,
    encoding: { y, x: { field: 'reqPerSec', type: 'quantitative', title: 'requests per second' } },
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { color: { field: 'system', type: 'nominal', scale: SYSTEM_COLORS, legend: { orient: 'bottom', title: null } } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'reqPerSec', type: 'quantitative', format: ',' } } }
    ]
  }
}

function lagSpec(result) {
  const values = []
  for (const e of result.entries) {
    if (e.status !== 'ok' || e.lagMs === undefined) continue
    const series = e.system === 'redis' ? `Redis replica, ${e.load} load` : e.load === 'idle' ? 'swarmkv, no background load' : `swarmkv, ${e.load} load (${Math.round(e.backgroundReqPerSec)} req/s)`
    for (const p of ['p50', 'p90', 'p99']) values.push({ series, percentile: p, ms: e.lagMs.all[p] })
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
      { data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 20 } } },
      { data: { values: [{}] }, mark: { type: 'text', align: 'right', baseline: 'bottom', color: '#666', fontSize: 10 }, encoding: { y: { datum: 20 }, x: { value: 420 }, text: { value: 'target: p99 <= 20 ms at half load' } } }
    ]
  }
}

function growthSpec(result) {
  const g = result.entries.find((e) => e.scenario === 'growth' && e.status === 'ok')
  if (g === undefined || g.windows.length === 0) return undefined
  const base = { data: { values: g.windows }, width: 520, height: 160 }
  const x = { field: 'tS', type: 'quantitative', title: 'seconds since start' }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${g.title}: per ${g.settings.windowS} s window`, subtitle: subtitle(result) },
    vconcat: [
      { ...base, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'reqPerSec', type: 'quantitative', title: 'req/s', scale: { zero: true } } } },
      {
        ...base,
        transform: [
          { fold: ['rssMiB', 'dataDirMiB'], as: ['measure', 'MiB'] },
          { calculate: "datum.measure === 'rssMiB' ? 'server RSS' : 'data dir size'", as: 'measure' }
        ],
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'MiB', type: 'quantitative', title: 'MiB' }, color: { field: 'measure', type: 'nominal', legend: { orient: 'bottom', title: null } } }
      }
    ]
  }
}

function subtitle(result) {
  return `${result.mode} run ${result.startedAt.slice(0, 10)}, ${result.machine.cores} cores, ${result.pinning.enabled ? 'server and load pinned apart' : 'not pinned'}`
}

/** Writes the charts that have data; returns [{name, file}] relative to the output dir. */
export async function writeCharts(result, dir) {
  await mkdir(dir, { recursive: true })
  const charts = [
    ['throughput', 'Throughput vs baselines', throughputSpec(result)],
    ['lag', 'Replication visibility lag percentiles', lagSpec(result)],
    ['growth', 'Throughput, RSS and data size over time', growthSpec(result)]
  ]
  const written = []
  for (const [name, title, spec] of charts) {
    if (spec === undefined) continue
    await writeFile(join(dir, `${name}.svg`), await render(spec))
    written.push({ name, title, file: `charts/${name}.svg` })
  }
  return written
}

#!/usr/bin/env node
/**
 * The write-load benchmark runner: `pnpm bench [--quick] [options]`, `swarmkv bench`, or
 * `node benchmarks/run.js`. Runs every scenario in turn on this machine, then writes
 * results/<mode>.json, RESULTS.md and charts/*.svg under --out.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { HELP, parseOptions } from './lib/options.js'
import { LOAD_CORE, pinPid, pinningPlan } from './lib/pin.js'
import { cpuTimes, fsyncLatencyMs, machineInfo, stealPct, versions } from './lib/sysinfo.js'
import { runSingleNode } from './scenarios/single-node.js'
import { runPeers } from './scenarios/peers.js'
import { runCluster } from './scenarios/cluster.js'
import { runDocuments } from './scenarios/documents.js'
import { runGrowth } from './scenarios/growth.js'
import { evaluateTargets } from './lib/targets.js'
import { readHistory, writeReport } from './report.js'
import { writeCharts } from './charts.js'

const GROUPS = [
  { id: 'single', run: runSingleNode },
  { id: 'peer', run: runPeers },
  { id: 'cluster', run: runCluster },
  { id: 'documents', run: runDocuments },
  { id: 'growth', run: runGrowth }
]

/** results/full-2026-11-26T07-36.json: one file per full run, by its start time (UTC). */
export function historyName(result) {
  return `${result.mode}-${result.startedAt.slice(0, 16).replace(':', '-')}.json`
}

function log(line) {
  process.stdout.write(`${line}\n`)
}

/** Renders RESULTS.md and the charts again from a results file, next to its results/ folder. */
async function rerender(file) {
  const result = JSON.parse(await readFile(file, 'utf8'))
  const out = dirname(dirname(resolve(file)))
  const charts = await writeCharts(result, join(out, 'charts'))
  await writeReport(result, join(out, 'RESULTS.md'), charts, result.mode === 'full' ? await readHistory(join(out, 'results')) : [])
  log(`rendered ${join(out, 'RESULTS.md')} and ${charts.length} charts from ${file}`)
  return 0
}

async function main() {
  const opts = parseOptions(process.argv.slice(2))
  if (opts.help) { process.stdout.write(HELP); return 0 }
  if (opts.reportOnly !== undefined) return rerender(opts.reportOnly)
  const started = new Date()
  const machine = machineInfo()
  const cpu0 = cpuTimes()
  const pin = pinningPlan(!opts.pin)
  // The runner itself (a light orchestrator sampling /proc) stays off the server core.
  pinPid(pin, process.pid, LOAD_CORE)
  const tmp = await mkdtemp(join(tmpdir(), 'swarmkv-bench-'))
  const selected = (id) => opts.only === undefined || opts.only.some((p) => id.startsWith(p))
  const ctx = { opts, pin, tmp, log, selected }
  const fsyncStart = fsyncLatencyMs(tmp)
  log(`swarmkv benchmarks, ${opts.mode} mode; ${pin.note}`)
  if (!pin.enabled) log('NOTE: servers and load generators are NOT pinned to separate cores; CPU figures and ratios are noisier')

  const entries = []
  for (const g of GROUPS) {
    if (opts.only !== undefined && !opts.only.some((p) => p.startsWith(g.id) || g.id.startsWith(p))) continue
    const t0 = performance.now()
    try {
      entries.push(...await g.run(ctx))
    } catch (e) {
      log(`FAILED ${g.id}: ${e instanceof Error ? e.message : String(e)}`)
      entries.push({ id: g.id, group: g.id, status: 'failed', reason: e instanceof Error ? e.message : String(e) })
    }
    log(`-- ${g.id} done in ${Math.round((performance.now() - t0) / 1000)} s`)
  }
  for (const e of entries.filter((x) => x.status === 'skipped')) log(`SKIPPED ${e.id}: ${e.reason}`)

  const finished = new Date()
  const loadAvgEnd = machineInfo().loadAvg
  const result = {
    schema: 1,
    mode: opts.mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    elapsedS: Math.round((finished.getTime() - started.getTime()) / 1000),
    command: `node benchmarks/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine, loadAvgEnd, stealPct: stealPct(cpu0, cpuTimes()), fsyncMs: { start: fsyncStart, end: fsyncLatencyMs(tmp) } },
    versions: versions(),
    pinning: pin,
    settings: {
      connections: opts.connections, pipelinings: opts.pipelinings, durationS: opts.durationS, warmupS: opts.warmupS,
      repeats: opts.repeats, keySpace: opts.keySpace, growthOps: opts.growthOps, growthWindowS: opts.windowS,
      lagProbeRate: opts.lagProbeRate, lagDurationS: opts.lagDurationS, only: opts.only ?? null
    },
    entries
  }
  result.targets = evaluateTargets(result)
  await mkdir(join(opts.out, 'results'), { recursive: true })
  const jsonPath = join(opts.out, 'results', `${opts.mode}.json`)
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`)
  // Full runs are also kept under their start time, so RESULTS.md can show the spread between runs.
  if (opts.mode === 'full') await writeFile(join(opts.out, 'results', historyName(result)), `${JSON.stringify(result, null, 2)}\n`)
  const charts = opts.charts ? await writeCharts(result, join(opts.out, 'charts')) : []
  await writeReport(result, join(opts.out, 'RESULTS.md'), charts, opts.mode === 'full' ? await readHistory(join(opts.out, 'results')) : [])
  await rm(tmp, { recursive: true, force: true })
  log(`wrote ${jsonPath}, ${join(opts.out, 'RESULTS.md')}${charts.length > 0 ? ` and ${charts.length} charts` : ''} in ${result.elapsedS} s`)
  for (const t of result.targets) log(`target ${t.met === null ? 'NOT MEASURED' : t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.value ?? 'n/a'} (${t.goal})`)
  return entries.some((e) => e.status === 'failed') ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`)
  process.exitCode = 1
})

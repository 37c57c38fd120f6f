#!/usr/bin/env node
/**
 * The write-load benchmark runner: `pnpm bench [--quick] [options]`, `swarmkv bench`, or
 * `node benchmarks/dist/run.js`. Runs every scenario in turn on this machine, then writes:
 *  - a full run: results/latest.json (its full figures), one row appended to results/history.jsonl,
 *    RESULTS.md and charts/*.svg under --out (benchmarks/);
 *  - a quick run: quick.json, RESULTS.md and charts/ under --out (benchmarks/quick-run/), never results/.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { HELP, parseOptions } from './lib/options.js'
import { LOAD_CORE, pinPid, pinningPlan } from './lib/pin.js'
import { cpuTimes, fsyncLatencyMs, machineInfo, stealPct, versions } from './lib/sysinfo.js'
import { wrkInstalled } from './lib/wrk.js'
import { AUTOCANNON_WORKERS, CLIENT_BOUND_PCT } from './lib/measure.js'
import { runSingleNode } from './scenarios/single-node.js'
import { runPeers } from './scenarios/peers.js'
import { runCluster } from './scenarios/cluster.js'
import { runDocuments } from './scenarios/documents.js'
import { runGrowth } from './scenarios/growth.js'
import { evaluateTargets } from './lib/targets.js'
import { appendHistory, historyRow, HISTORY_FILE, LATEST_FILE, readHistory } from './lib/history.js'
import { writeReport } from './report.js'
import { writeCharts } from './charts.js'
import type { Ctx, Entry, Result } from './lib/types.js'

const GROUPS: Array<{ id: string; run: (ctx: Ctx) => Promise<Entry[]> }> = [
  { id: 'single', run: runSingleNode },
  { id: 'peer', run: runPeers },
  { id: 'cluster', run: runCluster },
  { id: 'documents', run: runDocuments },
  { id: 'growth', run: runGrowth }
]

function log(line: string): void {
  process.stdout.write(`${line}\n`)
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Renders RESULTS.md and the charts again from a results file: a full run's results/latest.json
 * (beside results/history.jsonl; output next to results/), or a quick run's quick.json (output beside it).
 */
async function rerender(file: string): Promise<number> {
  const result = JSON.parse(await readFile(file, 'utf8')) as Result
  result.targets = evaluateTargets(result)
  const full = result.mode === 'full'
  const out = full ? dirname(dirname(resolve(file))) : dirname(resolve(file))
  const charts = await writeCharts(result, join(out, 'charts'))
  await writeReport(result, join(out, 'RESULTS.md'), charts, full ? await readHistory(join(dirname(resolve(file)), HISTORY_FILE)) : [])
  log(`rendered ${join(out, 'RESULTS.md')} and ${charts.length} charts from ${basename(file)}`)
  return 0
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2))
  if (opts.help) { process.stdout.write(HELP); return 0 }
  if (opts.reportOnly !== undefined) return rerender(opts.reportOnly)
  const hasWrk = wrkInstalled()
  if (opts.loadTool === 'wrk' && !hasWrk) throw new Error('--load-tool wrk: wrk is not installed (Debian: apt-get install wrk)')
  const started = new Date()
  const machine = machineInfo()
  const cpu0 = cpuTimes()
  const pin = pinningPlan(!opts.pin)
  // The runner itself (a light orchestrator sampling /proc, and the lag probe) stays off the server core.
  pinPid(pin, process.pid, LOAD_CORE)
  const tmp = await mkdtemp(join(tmpdir(), 'swarmkv-bench-'))
  const selected = (id: string): boolean => opts.only === undefined || opts.only.some((p) => id.startsWith(p))
  const throughputTool = opts.loadTool === 'autocannon' || !hasWrk ? 'autocannon-workers' : 'wrk'
  const ctx: Ctx = { opts, pin, tmp, log, selected, throughputTool }
  const fsyncStart = fsyncLatencyMs(tmp)
  log(`swarmkv benchmarks, ${opts.mode} mode; ${pin.note}`)
  if (!pin.enabled) log('NOTE: servers and load generators are NOT pinned to separate cores; CPU figures and ratios are noisier')
  log(throughputTool === 'wrk'
    ? 'single-node throughput cells: wrk on the load core'
    : `NOTE: single-node throughput cells: ${AUTOCANNON_WORKERS} autocannon processes on the load core (${hasWrk ? '--load-tool autocannon' : 'wrk is not installed: apt-get install wrk'}); watch the generator CPU column`)

  const entries: Entry[] = []
  for (const g of GROUPS) {
    if (opts.only !== undefined && !opts.only.some((p) => p.startsWith(g.id) || g.id.startsWith(p))) continue
    const t0 = performance.now()
    try {
      entries.push(...await g.run(ctx))
    } catch (e) {
      log(`FAILED ${g.id}: ${message(e)}`)
      entries.push({ id: g.id, group: g.id, status: 'failed', reason: message(e) })
    }
    log(`-- ${g.id} done in ${Math.round((performance.now() - t0) / 1000)} s`)
  }
  for (const e of entries.filter((x) => x.status === 'skipped')) log(`SKIPPED ${e.id}: ${e.reason ?? ''}`)

  const finished = new Date()
  const loadAvgEnd = machineInfo().loadAvg
  const result: Result = {
    schema: 2,
    mode: opts.mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    elapsedS: Math.round((finished.getTime() - started.getTime()) / 1000),
    command: `node benchmarks/dist/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine, loadAvgEnd, stealPct: stealPct(cpu0, cpuTimes()), fsyncMs: { start: fsyncStart, end: fsyncLatencyMs(tmp) } },
    versions: versions(),
    pinning: pin,
    settings: {
      connections: opts.connections, pipelinings: opts.pipelinings, durationS: opts.durationS, warmupS: opts.warmupS,
      repeats: opts.repeats, keySpace: opts.keySpace, growthOps: opts.growthOps, growthWindowS: opts.windowS,
      lagProbeRate: opts.lagProbeRate, lagDurationS: opts.lagDurationS, throughputTool, only: opts.only ?? null
    },
    entries,
    targets: []
  }
  result.targets = evaluateTargets(result)
  await mkdir(opts.out, { recursive: true })
  let jsonPath: string
  let history: Awaited<ReturnType<typeof readHistory>> = []
  if (opts.mode === 'full') {
    const dir = join(opts.out, 'results')
    await mkdir(dir, { recursive: true })
    jsonPath = join(dir, LATEST_FILE)
    await appendHistory(join(dir, HISTORY_FILE), historyRow(result))
    history = await readHistory(join(dir, HISTORY_FILE))
  } else {
    jsonPath = join(opts.out, 'quick.json')
  }
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`)
  const charts = opts.charts ? await writeCharts(result, join(opts.out, 'charts')) : []
  await writeReport(result, join(opts.out, 'RESULTS.md'), charts, history)
  await rm(tmp, { recursive: true, force: true })
  log(`wrote ${jsonPath}, ${join(opts.out, 'RESULTS.md')}${charts.length > 0 ? ` and ${charts.length} charts` : ''} in ${result.elapsedS} s`)
  for (const t of result.targets) {
    const verdict = t.met === null ? (t.value === null ? 'NOT MEASURED' : 'NOT VALID') : t.met ? 'MET   ' : 'MISSED'
    log(`target ${verdict} ${t.name}: ${t.value ?? 'n/a'}${t.value2 === undefined ? '' : ` / ${t.value2 ?? 'n/a'}`} (${t.goal})${t.note === undefined ? '' : `; ${t.note}`}`)
  }
  const generators = entries.filter((e) => e.clientBound === true)
  if (generators.length > 0) log(`CLIENT-BOUND cells (load generator above ${CLIENT_BOUND_PCT} % of its core): ${generators.map((e) => e.id).join(', ')}`)
  return entries.some((e) => e.status === 'failed') ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
  process.exitCode = 1
})

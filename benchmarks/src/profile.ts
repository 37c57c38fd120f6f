#!/usr/bin/env node
/**
 * `pnpm bench:profile`: where a durable PUT's time goes, swarmkv beside the bare Fastify + Map
 * route, in one run on this machine.
 *
 *  1. Each server runs under `node --cpu-prof` while a closed-loop PUT load saturates it; the
 *     profile becomes a flame graph (SVG) and a table of time by category and function.
 *  2. Each server, without the profiler, serves the same load closed loop and then paced at fixed
 *     rates; per-thread CPU time and context switches per request are read from /proc. This shows
 *     what one request costs at saturation, where group commits amortise it, and at a moderate
 *     steady rate, where each request wakes the server (and its threads) on its own.
 *
 * Writes benchmarks/profiles/{PROFILE.md, summary.json, put-swarmkv.svg, put-fastify-map.svg}.
 * Runs as benchmarks/dist/profile.js (`pnpm bench:profile` builds it first).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freeTcpPort, SWARMKV_BIN } from '@swarmkv/testkit'
import { SERVER_CORE, pinningPlan, pinnedCommand } from './lib/pin.js'
import { startProcess, stopProcess } from './lib/child.js'
import { runLoad } from './lib/loadgen-client.js'
import { ThreadSampler } from './lib/thread-sampler.js'
import { breakdown, fromFirstRequest, renderFlamegraph, type Breakdown, type CpuProfile } from './lib/flamegraph.js'
import { BENCH_DIR } from './lib/options.js'
import type { ThreadCost } from './lib/thread-sampler.js'
import type { Workload } from './lib/workloads.js'
import type { Ctx } from './lib/types.js'
import { cpuTimes, gitRev, machineInfo, stealPct } from './lib/sysinfo.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const BASELINE = join(HERE, 'baselines/fastify-map-server.js')

interface System { system: string; title: string; args: (port: number, dir: string) => string[]; ready: RegExp }
type LoadRow = { system?: string; load: string; reqPerSec: number; p50Ms: number; p99Ms: number; errors: number; serverCpuPct: number } & ThreadCost
type ProfileRow = { system: string } & Breakdown
interface ProfileSummary {
  date: string; commit: string; machine: ReturnType<typeof machineInfo> & { node: string; stealPct: number | null }
  pinning: string; settings: Record<string, unknown>; loads: LoadRow[]; profiles: ProfileRow[]
}

const { values: v } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rates: { type: 'string', default: '200,1000' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string', default: join(BENCH_DIR, 'profiles') },
    help: { type: 'boolean' }
  }
})
if (v.help) {
  process.stdout.write('usage: node benchmarks/dist/profile.js [--duration S] [--rates R1,R2] [--connections N] [--out DIR]\n')
  process.exit(0)
}
const durationS = Number(v.duration)
const rates = v.rates.split(',').map(Number).filter((r) => r > 0)
const connections = Number(v.connections)
const workload: Workload = { kind: 'put', valueBytes: 100, keySpace: 100_000 }
const tmp = mkdtempSync(join(tmpdir(), 'swarmkv-profile-'))
const ctx: Pick<Ctx, 'pin'> = { pin: pinningPlan() }
const log = (s: string): void => { process.stdout.write(`${s}\n`) }

const SYSTEMS: System[] = [
  {
    system: 'swarmkv',
    title: 'swarmkv, durable PUT 100 B (fsync batch)',
    args: (port, dir) => [SWARMKV_BIN, 'start', '--http', `127.0.0.1:${port}`, '--data', join(dir, 'data'), '--fsync', 'batch'],
    ready: /listening on/
  },
  {
    system: 'fastify-map',
    title: 'bare Fastify + Map PUT route (the ceiling baseline)',
    args: (port) => [BASELINE, String(port), '0', '100'],
    ready: /listening \d+/
  }
]

async function withServer<T>(s: System, nodeFlags: (dir: string) => string[], fn: (url: string, pid: number) => Promise<T>): Promise<{ dir: string; result: T }> {
  const dir = mkdtempSync(join(tmp, `${s.system}-`))
  const port = await freeTcpPort()
  const [cmd, args] = pinnedCommand(ctx.pin, SERVER_CORE, process.execPath, [...nodeFlags(dir), ...s.args(port, dir)])
  const { child, pid } = await startProcess(cmd, args, { ready: s.ready, log: createWriteStream(join(dir, 'server.log')) })
  // taskset execs the server, so the pid is the server's own.
  try {
    return { dir, result: await fn(`http://127.0.0.1:${port}`, pid) }
  } finally {
    await stopProcess(child)
  }
}

async function measureLoads(s: System): Promise<LoadRow[]> {
  const { result } = await withServer(s, () => [], async (url, pid) => {
    const rows: LoadRow[] = []
    // A short warm-up, then the closed loop, then each paced rate.
    await runLoad(ctx, { instances: [{ url, workload, connections, pipelining: 1, durationS: 3 }], serverPids: [pid] })
    for (const spec of [{ name: 'closed loop', extra: {} }, ...rates.map((r) => ({ name: `paced ${r}/s`, extra: { overallRate: r } }))] as Array<{ name: string; extra: { overallRate?: number } }>) {
      const threads = new ThreadSampler(pid)
      threads.start()
      const { results, server } = await runLoad(ctx, { instances: [{ url, workload, connections, pipelining: 1, durationS, ...spec.extra }], serverPids: [pid] })
      const r = results[0]
      if (r === undefined) throw new Error('the load generator returned no result')
      const row: LoadRow = {
        load: spec.name, reqPerSec: Math.round(r.reqPerSec), p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99,
        errors: r.errors + r.timeouts + r.non2xx, serverCpuPct: server.serverCpuPct, ...threads.stop(r.requests)
      }
      rows.push(row)
      log(`  ${s.system.padEnd(11)} ${spec.name.padEnd(14)} ${Math.round(r.reqPerSec)} req/s, ${row.totalUsPerReq} us CPU/request (main ${row.mainUsPerReq}), ${(row.mainSwitchesPerReq + row.otherSwitchesPerReq).toFixed(2)} switches/request, autocannon cpu ${server.clientCpuPct}%`)
    }
    return rows
  })
  return result
}

async function profileOne(s: System): Promise<CpuProfile> {
  const { dir } = await withServer(s, (d) => ['--cpu-prof', '--cpu-prof-dir', join(d, 'prof')], async (url, pid) => {
    await runLoad(ctx, { instances: [{ url, workload, connections, pipelining: 1, durationS }], serverPids: [pid] })
  })
  const profDir = join(dir, 'prof')
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`${s.system} wrote no CPU profile (did it exit on SIGTERM?)`)
  return fromFirstRequest(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile)
}

type Col<R> = [string, keyof R | ((r: R) => unknown), 'l'?]

function table<R>(rows: R[], cols: Array<Col<R>>): string {
  const head = `| ${cols.map((c) => c[0]).join(' | ')} |`
  const sep = `| ${cols.map((c) => (c[2] === 'l' ? '---' : '---:')).join(' | ')} |`
  return [head, sep, ...rows.map((r) => `| ${cols.map((c) => String(typeof c[1] === 'function' ? c[1](r) : r[c[1]])).join(' | ')} |`)].join('\n')
}

function report(summary: ProfileSummary): string {
  const { loads, profiles } = summary
  const lines = [
    '# Where a durable PUT\'s time goes',
    '',
    `Generated by \`pnpm bench:profile\` (benchmarks/src/profile.ts) on ${summary.date}, commit ${summary.commit}. ` +
      `${summary.machine.cpuModel}, ${summary.machine.cores} cores, Node ${summary.machine.node}. ${summary.pinning}. ` +
      `${summary.machine.stealPct ?? 'unknown'} % of the machine's CPU time was stolen by the hypervisor during the run.`,
    '',
    `PUT of 100 B values on random keys of a 100,000-key space, ${connections} connections, ${durationS} s per load. ` +
      'CPU per request is the run time of every thread of the server process (from /proc/<pid>/task/*/schedstat) ' +
      'divided by the requests served; "main" is the JavaScript thread, "others" are libuv\'s pool (LevelDB reads and writes), ' +
      'V8\'s platform workers (GC) and LevelDB\'s compaction thread. Switches are context switches per request, all threads.',
    '',
    '## Cost per request: saturated and at steady moderate rates',
    '',
    table(loads, [
      ['system', 'system', 'l'], ['load', 'load', 'l'], ['req/s', 'reqPerSec'], ['p99 ms', 'p99Ms'],
      ['CPU µs/req', 'totalUsPerReq'], ['main µs/req', 'mainUsPerReq'], ['others µs/req', 'otherUsPerReq'],
      ['switches/req', (r: LoadRow) => Math.round((r.mainSwitchesPerReq + r.otherSwitchesPerReq) * 100) / 100]
    ]),
    '',
    ...ratioLines(loads),
    ...wakeupLines(loads),
    '',
    '## Main-thread profile under the closed-loop load',
    '',
    'Flame graphs from the first request on (icicle: callers above callees; idle time left out; hover a box for its figures):',
    '',
    ...profiles.map((p) => `- [${p.system}](put-${p.system}.svg): ${p.sampledMs} ms sampled`),
    '',
    'Self time by category, as a share of each server\'s sampled main-thread time:',
    '',
    categoryTable(profiles),
    '',
    ...profiles.flatMap((p) => [
      `Top functions by self time, ${p.system}:`,
      '',
      table(p.functions, [['function', 'fn', 'l'], ['category', 'category', 'l'], ['% of main thread', 'pct']]),
      ''
    ]),
    '## Reading it',
    '',
    '- The sampled time of a pinned server includes the moments its main thread was runnable but preempted by its own',
    '  helper threads on the same core; a frame that hands work to another thread (`_write` of a LevelDB batch) is',
    '  charged that wait. The per-thread table above is the exact split.',
    '- At a steady moderate rate requests arrive one at a time: each wakes the event loop, and each swarmkv commit',
    '  wakes a libuv pool thread for the LevelDB write and its fsync and wakes the event loop again when it is done.',
    '  The rows for the paced loads show what those wake-ups cost on this machine, beside the baseline that has',
    '  only the first.',
    ''
  ]
  return lines.join('\n')
}

function ratioLines(loads: LoadRow[]): string[] {
  const by = (sys: string, load: string): LoadRow | undefined => loads.find((r) => r.system === sys && r.load === load)
  return [...new Set(loads.map((r) => r.load))].map((load) => {
    const a = by('swarmkv', load)
    const b = by('fastify-map', load)
    if (a === undefined || b === undefined) return ''
    return `- ${load}: swarmkv costs ${(a.totalUsPerReq / b.totalUsPerReq).toFixed(2)}x the baseline's CPU per request ` +
      `(${a.totalUsPerReq} against ${b.totalUsPerReq} µs), ${(a.mainSwitchesPerReq + a.otherSwitchesPerReq).toFixed(2)} against ` +
      `${(b.mainSwitchesPerReq + b.otherSwitchesPerReq).toFixed(2)} context switches.`
  })
}

/** What the baseline alone pays per request when requests come one at a time. */
function wakeupLines(loads: LoadRow[]): string[] {
  const base = loads.filter((r) => r.system === 'fastify-map')
  const closed = base.find((r) => r.load === 'closed loop')
  if (closed === undefined) return []
  return base.filter((r) => r !== closed).map((r) =>
    `- The baseline alone, ${r.load}: ${r.totalUsPerReq} µs of CPU per request against ${closed.totalUsPerReq} µs saturated ` +
    `(${(r.totalUsPerReq / closed.totalUsPerReq).toFixed(1)}x): what waking an idle server for each request costs on this machine.`)
}

function categoryTable(profiles: ProfileRow[]): string {
  const cats = [...new Set(profiles.flatMap((p) => p.categories.map((c) => c.category)))]
  const rows = cats.map((c) => Object.fromEntries([['category', c], ...profiles.map((p) => [p.system, p.categories.find((x) => x.category === c)?.pct ?? 0])]) as Record<string, string | number>)
  return table(rows, [['category', 'category', 'l'], ...profiles.map((p): Col<Record<string, string | number>> => [`${p.system} %`, p.system])])
}

async function main(): Promise<void> {
  mkdirSync(v.out, { recursive: true })
  log(`profile: ${ctx.pin.note}`)
  const loads: LoadRow[] = []
  const profiles: ProfileRow[] = []
  const cpu0 = cpuTimes()
  try {
    for (const s of SYSTEMS) {
      log(`${s.system}: CPU profile under closed-loop PUT load (${durationS} s)`)
      const prof = await profileOne(s)
      writeFileSync(join(v.out, `put-${s.system}.svg`), renderFlamegraph(prof, { title: `${s.title}: main thread under closed-loop PUT load` }))
      profiles.push({ system: s.system, ...breakdown(prof) })
    }
    for (const s of SYSTEMS) {
      log(`${s.system}: cost per request, closed loop and paced at ${rates.join(', ')}/s`)
      for (const row of await measureLoads(s)) loads.push({ system: s.system, ...row })
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  const summary: ProfileSummary = {
    date: new Date().toISOString(),
    commit: gitRev() ?? 'unknown',
    machine: { ...machineInfo(), node: process.version, stealPct: stealPct(cpu0, cpuTimes()) },
    pinning: ctx.pin.note,
    settings: { durationS, rates, connections, workload },
    loads,
    profiles
  }
  writeFileSync(join(v.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  writeFileSync(join(v.out, 'PROFILE.md'), report(summary))
  log(`wrote ${join(v.out, 'PROFILE.md')}`)
}

await main()

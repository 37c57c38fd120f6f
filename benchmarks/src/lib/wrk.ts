import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { BENCH_DIR } from './options.js'
import { LOAD_CORE, SERVER_CORE, pinnedCommand } from './pin.js'
import { CLK_TCK, CoreNoise, ProcSampler, statFields } from './proc-sampler.js'
import { onPath } from './peer-env.js'
import type { Workload } from './workloads.js'
import type { Ctx, LoadResult, ServerFigures } from './types.js'

/** The Lua script that draws the requests (benchmarks/wrk/kv.lua). */
export const WRK_SCRIPT = join(BENCH_DIR, 'wrk', 'kv.lua')
/** One wrk thread: the load core is one core, and one thread drove ~50k req/s on it here. */
export const WRK_THREADS = 1
/** The workloads kv.lua draws; the others (etcd, documents) stay with the Node generators. */
export const WRK_KINDS: ReadonlySet<Workload['kind']> = new Set(['put', 'get', 'mix'])

export function wrkInstalled(): boolean {
  return onPath('wrk')
}

/** The line kv.lua's done() prints; latencies in microseconds. */
export interface WrkJson {
  requests: number; durationUs: number; connectErrors: number; readErrors: number; writeErrors: number
  statusErrors: number; timeouts: number; p50: number; p90: number; p99: number; mean: number; max: number
}

/**
 * Why a pipelined wrk run has no latency figures. wrk records one latency per batch (when the last
 * of its `pipelining` responses arrives: wrk.c response_complete), then, before done() reads the
 * histogram, "corrects" it for coordinated omission (stats_correct) with an expected interval of
 * runtime / (requests / connections). requests counts every pipelined request, so that interval is
 * 1/pipelining of a connection's real batch period: every batch looks late and gets about
 * pipelining - 1 made-up samples at n - k x interval. Those below the histogram's min are added to
 * its count but never visited by stats_percentile or stats_mean (both walk min..max), so a high
 * percentile's rank is never reached and wrk returns 0, and the rest are shifted (p50 140.7 ms and
 * p90 = p99 = 0 in the run of 2026-12-01, whose batches took 108 ms on average: 50 connections over
 * 465 batches/s). Even uncorrected, a batch's latency is not a request's, and the script cannot
 * time requests itself: request() runs once per batch and response() does not say which of the
 * thread's connections answered.
 */
export const WRK_PIPELINED_LATENCY =
  'not measured with pipelining: wrk times one batch, not each request, and its coordinated-omission correction then ' +
  'divides the expected interval by the pipelining depth, which makes up samples below the histogram\'s minimum ' +
  '(its p90/p99 came out as 0)'

const NOT_MEASURED = { p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN }

/** kv.lua's WRK-JSON line in wrk's stdout, if there is one. */
export function parseWrkJson(stdout: string): WrkJson | undefined {
  const json = /^WRK-JSON (.+)$/m.exec(stdout)?.[1]
  return json === undefined ? undefined : (JSON.parse(json) as WrkJson)
}

/** One wrk run's figures; latencies in ms, or not measured (NaN, with the reason) when pipelined. */
export function wrkLoadResult(r: WrkJson, pipelining: number): LoadResult {
  const durationS = r.durationUs / 1e6
  const ms = (us: number): number => us / 1000
  return {
    requests: r.requests,
    durationS,
    reqPerSec: durationS > 0 ? r.requests / durationS : NaN,
    ...(pipelining > 1
      ? { latencyMs: { ...NOT_MEASURED }, latencyNotMeasured: WRK_PIPELINED_LATENCY }
      : { latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), mean: ms(r.mean), max: ms(r.max) } }),
    errors: r.connectErrors + r.readErrors + r.writeErrors,
    timeouts: r.timeouts,
    // wrk counts a response with a status above 399 as a status error.
    non2xx: r.statusErrors,
    statusCodes: {}
  }
}

export interface WrkSpec { url: string; workload: Workload; connections: number; pipelining: number; durationS: number; serverPids: Array<number | undefined> }

/**
 * One closed-loop wrk run on the load core. Its CPU is exact, not sampled: wrk runs under a
 * small sh that, once wrk has exited and been reaped, prints its own /proc stat, whose
 * cutime+cstime are the CPU of every thread wrk had.
 */
export async function runWrk(ctx: Ctx, spec: WrkSpec): Promise<{ result: LoadResult; server: ServerFigures }> {
  const w = spec.workload
  const wrkArgs = [
    '-t', String(WRK_THREADS), '-c', String(spec.connections), '-d', `${spec.durationS}s`, '--timeout', '10s',
    '-s', WRK_SCRIPT, spec.url, '--', w.kind, String(w.valueBytes ?? 100), String(w.keySpace), String(w.readRatio ?? 0.9), String(spec.pipelining)
  ]
  const [cmd, args] = pinnedCommand(ctx.pin, LOAD_CORE, 'wrk', wrkArgs)
  const script = '"$@"; rc=$?; read -r s < /proc/$$/stat; echo "WRK-STAT $s" >&2; exit $rc'
  const sampler = new ProcSampler(spec.serverPids)
  const noise = ctx.pin.enabled ? new CoreNoise(SERVER_CORE, spec.serverPids) : undefined
  sampler.start()
  noise?.start()
  const t0 = performance.now()
  const child = spawn('sh', ['-c', script, 'sh', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { err += c.toString() })
  const killer = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + 30) * 1000)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('exit', (c) => resolve(c))
    child.on('error', reject)
  }).finally(() => clearTimeout(killer))
  const wallS = (performance.now() - t0) / 1000
  const s = sampler.stop()
  const serverCoreOtherPct = noise?.stop() ?? NaN
  const json = parseWrkJson(out)
  const stat = /^WRK-STAT (.+)$/m.exec(err)?.[1]
  if (code !== 0 || json === undefined || stat === undefined) {
    throw new Error(`wrk failed (exit ${code}): ${`${err}\n${out}`.trim().split('\n').slice(-3).join(' ')}`)
  }
  const f = statFields(stat)
  // cutime and cstime: the 16th and 17th fields, the 14th and 15th after the name.
  const clientCpuS = (Number(f[13]) + Number(f[14])) / CLK_TCK
  return {
    result: wrkLoadResult(json, spec.pipelining),
    server: {
      serverCpuPct: s.cpuPct,
      serverRssMiB: s.rssMiB,
      clientCpuPct: Math.round((clientCpuS / wallS) * 1000) / 10,
      serverCoreOtherPct
    }
  }
}

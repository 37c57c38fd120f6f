import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LOAD_CORE, SERVER_CORE, pinnedCommand } from './pin.js'
import { CoreNoise, ProcSampler } from './proc-sampler.js'
import type { InstanceSpec, LoadgenMessage } from './loadgen.js'
import type { Ctx, LoadResult, ServerFigures } from './types.js'

const LOADGEN = fileURLToPath(new URL('./loadgen.js', import.meta.url))

export interface LoadSpec {
  instances: InstanceSpec[]
  serverPids: Array<number | undefined>
  progressMs?: number
  /** Called about every progressMs with the responses counted so far (all processes). */
  onProgress?: (m: { t: number; done: number }) => void
  /** Bounded: the children are killed after this many seconds (default: the longest duration plus 60 s). */
  limitS?: number
  /** Node processes to spread the instances over (round robin); 1 unless the caller splits a load. */
  processes?: number
}

/** Waits for a child to exit, killing it if it lingers: a load generator never outlives its run. */
async function reap(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise((r) => { child.once('exit', r); setTimeout(r, 2000).unref() })
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/**
 * Runs autocannon (or paced) instances in child processes on the load core while sampling the
 * server pids, and the children's own CPU (the load generator's: near 100 % of its core means the
 * figure is bounded by the client, not the server).
 */
export async function runLoad(ctx: Pick<Ctx, 'pin'>, spec: LoadSpec): Promise<{ results: LoadResult[]; server: ServerFigures }> {
  const { instances, serverPids, progressMs = 1000, onProgress } = spec
  const longest = Math.max(...instances.map((i) => i.durationS ?? 0))
  const limit = spec.limitS ?? longest + 60
  const n = Math.max(1, Math.min(spec.processes ?? 1, instances.length))
  const groups: InstanceSpec[][] = Array.from({ length: n }, () => [])
  instances.forEach((inst, i) => groups[i % n]?.push(inst))
  const children = groups.map(() => {
    const [cmd, args] = pinnedCommand(ctx.pin, LOAD_CORE, process.execPath, [LOADGEN])
    return spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  })
  const sampler = new ProcSampler(serverPids)
  const client = new ProcSampler(children.map((c) => c.pid))
  // Other processes of a shared machine running on the server core during the run.
  const noise = ctx.pin.enabled ? new CoreNoise(SERVER_CORE, serverPids) : undefined
  const killer = setTimeout(() => { for (const c of children) c.kill('SIGKILL') }, limit * 1000)
  const done = new Array<number>(n).fill(0)
  let started = 0
  try {
    const perChild = await Promise.all(children.map((child, k) => new Promise<LoadResult[]>((resolve, reject) => {
      child.on('message', (m: LoadgenMessage) => {
        if (m.type === 'start') {
          if (++started === n) { sampler.start(); client.start(); noise?.start() }
        } else if (m.type === 'progress') {
          done[k] = m.done
          if (k === 0) onProgress?.({ t: m.t, done: done.reduce((a, b) => a + b, 0) })
        } else if (m.type === 'done') resolve(m.results)
        else reject(new Error(`load generator failed: ${m.message}`))
      })
      child.on('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? code}) before reporting`)))
      child.on('error', reject)
      child.send({ instances: groups[k], progressMs })
    })))
    const s = sampler.stop()
    const server: ServerFigures = { serverCpuPct: s.cpuPct, serverRssMiB: s.rssMiB, clientCpuPct: client.stop().cpuPct, serverCoreOtherPct: noise?.stop() ?? NaN }
    return { results: perChild.flat(), server }
  } finally {
    clearTimeout(killer)
    await Promise.all(children.map(reap))
  }
}

/** Sums several instances run side by side (e.g. one per master) into one figure. */
export function combine(results: LoadResult[]): LoadResult {
  const [first] = results
  if (first === undefined) throw new Error('combine: no results')
  if (results.length === 1) return first
  const requests = results.reduce((a, r) => a + r.requests, 0)
  const weighted = (f: (r: LoadResult) => number): number => results.reduce((a, r) => a + f(r) * r.requests, 0) / Math.max(1, requests)
  const notMeasured = results.find((r) => r.latencyNotMeasured !== undefined)?.latencyNotMeasured
  return {
    requests,
    durationS: Math.max(...results.map((r) => r.durationS)),
    reqPerSec: results.reduce((a, r) => a + r.reqPerSec, 0),
    // Percentiles of a union are not a weighted mean of percentiles; this is an approximation,
    // stated in the report, that is exact when the instances see the same distribution.
    latencyMs: {
      p50: weighted((r) => r.latencyMs.p50),
      p90: weighted((r) => r.latencyMs.p90),
      p99: Math.max(...results.map((r) => r.latencyMs.p99)),
      mean: weighted((r) => r.latencyMs.mean),
      max: Math.max(...results.map((r) => r.latencyMs.max))
    },
    ...(notMeasured !== undefined ? { latencyNotMeasured: notMeasured } : {}),
    errors: results.reduce((a, r) => a + r.errors, 0),
    timeouts: results.reduce((a, r) => a + r.timeouts, 0),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    statusCodes: {}
  }
}

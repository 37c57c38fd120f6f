import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LOAD_CORE, SERVER_CORE, pinnedCommand } from './pin.js'
import { CoreNoise, ProcSampler } from './proc-sampler.js'

const LOADGEN = fileURLToPath(new URL('./loadgen.js', import.meta.url))

/**
 * Runs autocannon instances in a child process on the load core while sampling the server pids.
 * `onProgress({t, done})` is called about every progressMs. Bounded: the child is killed after
 * `limitS` seconds (default: the longest duration plus 60 s).
 */
export async function runLoad(ctx, { instances, serverPids, progressMs = 1000, onProgress, limitS }) {
  const longest = Math.max(...instances.map((i) => i.durationS ?? 0))
  const limit = limitS ?? longest + 60
  const [cmd, args] = pinnedCommand(ctx.pin, LOAD_CORE, process.execPath, [LOADGEN])
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const sampler = new ProcSampler(serverPids)
  // The load generator's own CPU: near 100 % means the figure is bounded by the client, not the server.
  const client = new ProcSampler([child.pid])
  // Other processes of a shared machine running on the server core during the run.
  const noise = ctx.pin.enabled ? new CoreNoise(SERVER_CORE, serverPids) : undefined
  const killer = setTimeout(() => child.kill('SIGKILL'), limit * 1000)
  try {
    return await new Promise((resolve, reject) => {
      child.on('message', (m) => {
        if (m.type === 'start') { sampler.start(); client.start(); noise?.start() }
        else if (m.type === 'progress') onProgress?.(m)
        else if (m.type === 'done') {
          const server = { ...sampler.stop(), clientCpuPct: client.stop().serverCpuPct, serverCoreOtherPct: noise?.stop() ?? NaN }
          resolve({ results: m.results, server })
        } else if (m.type === 'error') reject(new Error(`load generator failed: ${m.message}`))
      })
      child.on('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? code}) before reporting`)))
      child.on('error', reject)
      child.send({ instances, progressMs })
    })
  } finally {
    clearTimeout(killer)
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 2000).unref() })
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }
}

/** Sums several instances run side by side (e.g. one per master) into one figure. */
export function combine(results) {
  if (results.length === 1) return results[0]
  const requests = results.reduce((a, r) => a + r.requests, 0)
  const weighted = (f) => results.reduce((a, r) => a + f(r) * r.requests, 0) / Math.max(1, requests)
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
    errors: results.reduce((a, r) => a + r.errors, 0),
    timeouts: results.reduce((a, r) => a + r.timeouts, 0),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    statusCodes: {}
  }
}

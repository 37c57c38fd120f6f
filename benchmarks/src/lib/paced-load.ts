import http from 'node:http'
import { paced } from './pace.js'
import { summarize } from './stats.js'
import type { HttpRequest } from './workloads.js'
import type { LoadResult } from './types.js'

export interface PacedSpec { url: string; connections: number; overallRate: number; durationS: number; timeoutS?: number }

/**
 * Open-loop load at a steady rate: one request every 1/rate s, spread evenly, over at most
 * `connections` keep-alive sockets. autocannon's rate limit is a per-second quota that each
 * connection spends back to back and then idles until the next second, so "half the maximum rate"
 * through it is the maximum rate for half of every second; this keeps the load at the rate asked.
 * A latency counts from the request's scheduled time, so a stalled server is not hidden by the
 * generator waiting for it (no coordinated omission). Resolves with autocannon-shaped figures.
 */
export async function runPaced(spec: PacedSpec, next: () => HttpRequest, onResponse: () => void): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections })
  const url = new URL(spec.url)
  const timeoutMs = (spec.timeoutS ?? 10) * 1000
  const latencies: number[] = []
  const statusCodes: Record<string, number> = {}
  let errors = 0
  let timeouts = 0
  let non2xx = 0
  const t0 = performance.now()
  const fire = (i: number): Promise<void> => new Promise((resolve) => {
    const scheduled = t0 + (i * 1000) / spec.overallRate
    const r = next()
    const req = http.request({ host: url.hostname, port: url.port, path: r.path, method: r.method, headers: r.headers, agent, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => {
        const code = res.statusCode ?? 0
        latencies.push(performance.now() - scheduled)
        statusCodes[code] = (statusCodes[code] ?? 0) + 1
        if (code < 200 || code > 299) non2xx++
        onResponse()
        resolve()
      })
    })
    req.on('timeout', () => { timeouts++; req.destroy(new Error('timeout')) })
    req.on('error', () => { errors++; resolve() })
    req.end(r.body)
  })
  await paced({ rate: spec.overallRate, durationS: spec.durationS, fire })
  agent.destroy()
  const durationS = (performance.now() - t0) / 1000
  const s = summarize(latencies)
  return {
    requests: latencies.length,
    durationS,
    reqPerSec: latencies.length / durationS,
    latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99, mean: s.mean, max: s.max },
    errors,
    timeouts,
    non2xx,
    statusCodes
  }
}

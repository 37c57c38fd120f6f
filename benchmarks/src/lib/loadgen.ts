/**
 * The Node load generator process (started pinned to the load core by loadgen-client.ts). It
 * receives one message `{instances: [...], progressMs}` over IPC, runs one autocannon instance per
 * entry at the same time, reports progress, and answers `{type: 'done', results}`; then it exits.
 * An instance with `overallRate` is an open-loop load at that steady rate instead (paced-load.ts).
 */
import autocannon, { type Result as AutocannonResult } from 'autocannon'
import { requestFactory, type Workload } from './workloads.js'
import { runPaced } from './paced-load.js'
import type { LoadResult } from './types.js'

export interface InstanceSpec {
  url: string
  workload: Workload
  connections: number
  pipelining?: number
  durationS?: number
  amount?: number
  timeoutS?: number
  /** Open loop at this many requests per second instead of autocannon's closed loop. */
  overallRate?: number
}

export interface LoadgenConfig { instances: InstanceSpec[]; progressMs?: number }

export type LoadgenMessage =
  | { type: 'start'; t: number }
  | { type: 'progress'; t: number; done: number }
  | { type: 'done'; t: number; done: number; results: LoadResult[] }
  | { type: 'error'; message: string }

function runOne(spec: InstanceSpec, onResponse: () => void): Promise<AutocannonResult> {
  const next = requestFactory(spec.workload)
  return new Promise((resolve, reject) => {
    const inst = autocannon({
      url: spec.url,
      connections: spec.connections,
      pipelining: spec.pipelining ?? 1,
      ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationS ?? 10 }),
      timeout: spec.timeoutS ?? 10,
      requests: [{ setupRequest: (req) => ({ ...req, headers: {}, body: undefined, ...next() }) }]
    }, (err, result) => (err ? reject(err) : resolve(result)))
    inst.on('response', onResponse)
  })
}

function shape(r: AutocannonResult): LoadResult {
  const durationS = r.duration
  const completed = r.requests.total ?? r.totalCompletedRequests ?? 0
  return {
    requests: completed,
    durationS,
    reqPerSec: durationS > 0 ? completed / durationS : NaN,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]))
  }
}

function send(m: LoadgenMessage, then: () => void = () => undefined): void {
  process.send?.(m, then)
}

process.once('message', (cfg: LoadgenConfig) => {
  let done = 0
  const progress = setInterval(() => send({ type: 'progress', t: Date.now(), done }), cfg.progressMs ?? 1000)
  send({ type: 'start', t: Date.now() })
  const run = (spec: InstanceSpec): Promise<LoadResult> => spec.overallRate !== undefined
    ? runPaced({ url: spec.url, connections: spec.connections, overallRate: spec.overallRate, durationS: spec.durationS ?? 10, timeoutS: spec.timeoutS }, requestFactory(spec.workload), () => { done++ })
    : runOne(spec, () => { done++ }).then(shape)
  Promise.all(cfg.instances.map(run))
    .then((results) => {
      clearInterval(progress)
      send({ type: 'done', t: Date.now(), done, results }, () => process.exit(0))
    })
    .catch((e: unknown) => {
      clearInterval(progress)
      send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) }, () => process.exit(1))
    })
})

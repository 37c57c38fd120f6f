/**
 * The load generator process (started pinned to the load core by loadgen-client.js). It receives one
 * message `{instances: [...], progressMs}` over IPC, runs one autocannon instance per entry at the
 * same time, reports progress, and answers `{type: 'done', results}`; then it exits. An instance
 * with `overallRate` is an open-loop load at that steady rate instead (paced-load.js).
 */
import autocannon from 'autocannon'
import { requestFactory } from './workloads.js'
import { runPaced } from './paced-load.js'

function runOne(spec, onResponse) {
  const next = requestFactory(spec.workload)
  return new Promise((resolve, reject) => {
    const inst = autocannon({
      url: spec.url,
      connections: spec.connections,
      pipelining: spec.pipelining ?? 1,
      ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationS }),
      timeout: spec.timeoutS ?? 10,
      requests: [{ setupRequest: (req) => ({ ...req, headers: {}, body: undefined, ...next() }) }]
    }, (err, result) => (err ? reject(err) : resolve(result)))
    inst.on('response', onResponse)
  })
}

function shape(r) {
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

process.once('message', (cfg) => {
  let done = 0
  const progress = setInterval(() => process.send({ type: 'progress', t: Date.now(), done }), cfg.progressMs ?? 1000)
  process.send({ type: 'start', t: Date.now() })
  const run = (spec) => spec.overallRate !== undefined
    ? runPaced(spec, requestFactory(spec.workload), () => { done++ })
    : runOne(spec, () => { done++ }).then(shape)
  Promise.all(cfg.instances.map(run))
    .then((results) => {
      clearInterval(progress)
      process.send({ type: 'done', t: Date.now(), done, results }, () => process.exit(0))
    })
    .catch((e) => {
      clearInterval(progress)
      process.send({ type: 'error', message: String(e?.stack ?? e) }, () => process.exit(1))
    })
})

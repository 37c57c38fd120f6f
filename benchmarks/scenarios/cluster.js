/**
 * Cluster: 2 masters + 1 replica (replicating over Hyperswarm on loopback), PUT load spread on both
 * masters. Reports the total throughput the masters acknowledge and the throughput the cluster
 * replicates (what its slowest node applied in the same window: above it, lag grows without
 * bound), and the replication visibility lag at half the replicated maximum and at the maximum,
 * measured by a paced probe while a background load runs.
 */
import { startSwarmkv, pidsOf } from '../lib/swarmkv.js'
import { measure, aggregate } from '../lib/measure.js'
import { swarmkvLag } from '../lib/lag-probe.js'
import { ProcSampler } from '../lib/proc-sampler.js'
import { median, round, summarize } from '../lib/stats.js'

const NODES = [
  { name: 'm1', role: 'master', fsync: 'batch' },
  { name: 'm2', role: 'master', fsync: 'batch' },
  { name: 'r1', role: 'replica', fsync: 'batch' }
]

export async function runCluster(ctx) {
  if (!ctx.selected('cluster')) return []
  const { opts } = ctx
  ctx.log('cluster: starting 2 masters + 1 replica')
  const cluster = await startSwarmkv(ctx, NODES, 'bench-secret')
  const entries = []
  try {
    await cluster.waitConnected()
    const masters = ['m1', 'm2'].map((n) => cluster.node(n).url)
    const pids = pidsOf(cluster)
    const workload = { kind: 'put', valueBytes: 100, keySpace: opts.keySpace }
    const base = { urls: masters, pids, workload, connections: opts.connections, pipelining: 1 }

    // Three processes to warm up (and the replication sessions): a longer warmup than single node.
    await measure(ctx, { ...base, durationS: opts.warmupS * 3 })
    const runs = []
    const replicated = []
    for (let r = 0; r < opts.repeats; r++) {
      const before = await appliedOps(cluster)
      const t0 = performance.now()
      const run = await measure(ctx, { ...base, durationS: opts.durationS })
      const after = await appliedOps(cluster)
      const elapsedS = (performance.now() - t0) / 1000
      // Every node applies every write once (its own or a peer's): the slowest node's count is
      // what the cluster replicated in this window.
      const slowest = Math.min(...[...after].map(([name, n]) => n - (before.get(name) ?? 0)))
      replicated.push(slowest / elapsedS)
      runs.push(run)
      ctx.log(`  cluster PUT on both masters run ${r + 1}/${opts.repeats}: ${Math.round(run.reqPerSec)} req/s acknowledged, ${Math.round(slowest / elapsedS)} /s applied on every node, p99 ${run.latencyMs.p99} ms, cpu (3 nodes) ${run.serverCpuPct}%`)
    }
    const max = { ...aggregate(runs), replicatedPerSec: round(median(replicated), 1) }
    entries.push({
      id: 'cluster-put/max/swarmkv-cluster',
      scenario: 'cluster-put',
      group: 'cluster',
      title: 'Cluster PUT 100 B spread on 2 masters (+1 replica), total',
      system: 'swarmkv-cluster',
      status: 'ok',
      settings: { connections: opts.connections, pipelining: 1, durationS: opts.durationS, repeats: opts.repeats, valueBytes: 100, keySpace: opts.keySpace, nodes: '2 masters + 1 replica', cpu: 'server figures summed over the 3 nodes' },
      ...max
    })

    // The lag runs start from a converged cluster, not from the backlog the maximum left behind.
    const d0 = performance.now()
    await cluster.waitConverged(120_000)
    entries.at(-1).drainedAfterMs = Math.round(performance.now() - d0)
    ctx.log(`  cluster converged ${entries.at(-1).drainedAfterMs} ms after the maximum load stopped`)
    const half = Math.max(10, Math.round(max.replicatedPerSec / 2))
    // Idle: the probe alone, the replication path's own latency with nothing else to do.
    for (const load of [{ name: 'idle', rate: 0 }, { name: 'half', rate: half }, { name: 'max', rate: undefined }]) {
      entries.push(await lagEntry(ctx, cluster, base, load))
    }
    const t0 = performance.now()
    const conv = await cluster.waitConverged(120_000)
    const convergeMs = Math.round(performance.now() - t0)
    ctx.log(`  cluster converged ${convergeMs} ms after the load stopped (${conv.keys} keys, identical digests)`)
    entries.find((e) => e.id === 'cluster-put/max/swarmkv-cluster').convergedAfterMs = convergeMs
  } finally {
    await cluster.stop()
  }
  return entries
}

/** Per node, p99 and max of its event-loop delay in ms (swarmkv_event_loop_delay_seconds). */
async function eventLoopDelays(nodes) {
  const out = {}
  for (const { name, url } of nodes) {
    const text = await (await fetch(`${url}/metrics`)).text()
    const q = (quantile) => Number(new RegExp(`^swarmkv_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000
    out[name] = { p99: Math.round(q('0.99') * 10) / 10, max: Math.round(q('1') * 10) / 10 }
  }
  return out
}

/** Per node, the writes it has applied: its own plus its peers' (from /metrics). */
async function appliedOps(cluster) {
  const out = new Map()
  for (const name of ['m1', 'm2', 'r1']) {
    const text = await (await fetch(`${cluster.node(name).url}/metrics`)).text()
    const counter = (metric) => Number(new RegExp(`^${metric} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN)
    out.set(name, counter('swarmkv_local_ops_total') + counter('swarmkv_remote_ops_total'))
  }
  return out
}

async function lagEntry(ctx, cluster, base, load) {
  const { opts } = ctx
  const writers = ['m1', 'm2'].map((name) => ({ name, url: cluster.node(name).url }))
  const nodes = ['m1', 'm2', 'r1'].map((name) => ({ name, url: cluster.node(name).url }))
  // The probe starts a second into the background load and ends a second before it.
  const idle = load.rate === 0
  const sampler = new ProcSampler(base.pids)
  if (idle) sampler.start()
  const background = idle ? undefined : measure(ctx, { ...base, durationS: opts.lagDurationS + 2, overallRate: load.rate })
  if (!idle) await new Promise((r) => setTimeout(r, 1000))
  const probe = await swarmkvLag({ writers, nodes, rate: opts.lagProbeRate, durationS: opts.lagDurationS, tag: load.name })
  // Each node's event-loop delay over its last complete 10 s window, which lies inside the probe.
  const loopDelay = await eventLoopDelays(nodes)
  const bg = idle
    ? { reqPerSec: 0, latencyMs: null, errors: 0, timeouts: 0, ...sampler.stop(), clientCpuPct: NaN }
    : await background
  const rtt = summarize(probe.rtts)
  const byTarget = {}
  for (const [name, xs] of probe.lags) byTarget[name] = summarize(xs)
  const all = [...probe.lags.values()].flat()
  const rttMedian = median(probe.rtts)
  const corrected = all.map((x) => Math.max(0, x - rttMedian))
  const s = summarize(all)
  ctx.log(`  lag at ${load.name} load (${Math.round(bg.reqPerSec)} req/s background + ${opts.lagProbeRate}/s probe): p50 ${s.p50} ms, p99 ${s.p99} ms raw; read round trip p50 ${rtt.p50} ms`)
  return {
    id: `cluster-lag/${load.name}/swarmkv-cluster`,
    scenario: 'cluster-lag',
    group: 'cluster',
    title: idle ? 'Replication visibility lag, no background load' : `Replication visibility lag at ${load.name} load`,
    system: 'swarmkv-cluster',
    status: 'ok',
    load: load.name,
    settings: {
      targetRate: load.rate ?? 'max (closed loop)',
      background: idle ? 'none' : 'autocannon PUT 100 B on both masters', probeRate: opts.lagProbeRate, durationS: opts.lagDurationS,
      visibility: 'GET /kv/<key>?wait=5000 with X-After: <write token> on each other node'
    },
    backgroundReqPerSec: round(bg.reqPerSec, 1),
    backgroundLatencyMs: bg.latencyMs === null ? null : Object.fromEntries(Object.entries(bg.latencyMs).map(([k, v]) => [k, round(v, 2)])),
    serverCpuPct: bg.serverCpuPct,
    serverRssMiB: bg.serverRssMiB,
    clientCpuPct: bg.clientCpuPct,
    errors: bg.errors + bg.timeouts + probe.failures,
    writes: probe.writes,
    lagMs: { all: s, byTarget, rttCorrected: summarize(corrected) },
    eventLoopDelayMs: loopDelay,
    readRoundTripMs: rtt
  }
}

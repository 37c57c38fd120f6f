/**
 * Peer baselines where installed: Redis with one replica (redis-benchmark SET, replica visibility
 * lag) and etcd single node (HTTP put). A missing peer is reported as skipped, with the reason.
 */
import { startRedisPair, redisBenchmark, redisLag } from '../baselines/redis.js'
import { startEtcd } from '../baselines/etcd.js'
import { INSTALL_HINT, onPath, skipped } from '../lib/peer-env.js'
import { ProcSampler } from '../lib/proc-sampler.js'
import { measure, aggregate } from '../lib/measure.js'
import { median, round, summarize } from '../lib/stats.js'
import { CLIENT_BOUND_PCT } from '../lib/measure.js'
import type { RedisPair } from '../baselines/redis.js'
import type { Ctx, Entry, Run } from '../lib/types.js'
import type { Workload } from '../lib/workloads.js'

const REDIS_FSYNC = ['everysec', 'always']
/** Sizes the background SET load of the lag run so it outlasts the probe (it is stopped after). */
const BACKGROUND_SET_RATE = 150_000

export async function runPeers(ctx: Ctx): Promise<Entry[]> {
  const out: Entry[] = []
  if (ctx.selected('peer-redis')) {
    if (!onPath('redis-server') || !onPath('redis-benchmark')) out.push(skipped('peer-redis', 'peer', `Redis not installed (redis-server, redis-benchmark): skipped; ${INSTALL_HINT}`))
    else out.push(...await runRedis(ctx))
  }
  if (ctx.selected('peer-etcd')) {
    if (!onPath('etcd')) out.push(skipped('peer-etcd', 'peer', `etcd not installed: skipped; ${INSTALL_HINT}`))
    else out.push(...await runEtcd(ctx))
  }
  return out
}

async function timedSet(ctx: Ctx, pair: RedisPair, { requests, pipelining }: { requests: number; pipelining: number }): Promise<Run & { wallS: number; replicaCpuPct: number }> {
  const primary = new ProcSampler([pair.primary.pid])
  const replica = new ProcSampler([pair.replica.pid])
  primary.start(); replica.start()
  const t0 = performance.now()
  const bench = redisBenchmark(ctx, {
    port: pair.primary.port, requests, connections: ctx.opts.connections, pipelining,
    keySpace: ctx.opts.keySpace, valueBytes: 100, limitS: ctx.opts.durationS * 4 + 30
  })
  const client = new ProcSampler([bench.child.pid])
  client.start()
  const r = await bench.done
  const wallS = (performance.now() - t0) / 1000
  const p = primary.stop()
  const rep = replica.stop()
  const c = client.stop()
  return {
    ...r, wallS, durationS: wallS, errors: 0, timeouts: 0, non2xx: 0, statusCodes: {}, requests, tool: 'redis-benchmark',
    serverCpuPct: p.cpuPct, serverRssMiB: p.rssMiB, replicaCpuPct: rep.cpuPct, clientCpuPct: c.cpuPct, serverCoreOtherPct: NaN
  }
}

async function runRedis(ctx: Ctx): Promise<Entry[]> {
  const { opts } = ctx
  const pair = await startRedisPair(ctx)
  const entries: Entry[] = []
  try {
    for (const fsync of REDIS_FSYNC) {
      await pair.setFsync(fsync)
      for (const pipelining of opts.pipelinings) {
        // A short calibration run (also the warmup) sizes -n so a run lasts about --duration.
        const cal = await timedSet(ctx, pair, { requests: 20_000 * pipelining, pipelining })
        const requests = Math.max(10_000, Math.round(cal.reqPerSec * opts.durationS))
        const runs: Array<Run & { replicaCpuPct: number }> = []
        for (let r = 0; r < opts.repeats; r++) {
          const run = await timedSet(ctx, pair, { requests, pipelining })
          runs.push(run)
          ctx.log(`  redis SET appendfsync ${fsync} p${pipelining} run ${r + 1}/${opts.repeats}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.latencyMs.p99} ms, redis-benchmark cpu ${run.clientCpuPct}%${run.clientCpuPct > CLIENT_BOUND_PCT ? ' (CLIENT-BOUND)' : ''}`)
        }
        entries.push({
          id: `peer-redis-set/${fsync}/p${pipelining}/redis`,
          scenario: 'peer-redis-set',
          group: 'peer',
          title: `Redis SET 100 B, primary + 1 replica, appendfsync ${fsync}`,
          system: 'redis',
          status: 'ok',
          settings: { connections: opts.connections, pipelining, requests, repeats: opts.repeats, valueBytes: 100, keySpace: opts.keySpace, appendfsync: fsync, tool: 'redis-benchmark' },
          ...aggregate(runs),
          replicaCpuPct: round(median(runs.map((r) => r.replicaCpuPct)), 1)
        })
      }
    }
    await pair.setFsync('everysec')
    entries.push(await redisLagEntry(ctx, pair))
  } finally {
    await pair.stop()
  }
  return entries
}

/** Replica visibility lag while redis-benchmark saturates the primary with SETs. */
async function redisLagEntry(ctx: Ctx, pair: RedisPair): Promise<Entry> {
  const { opts } = ctx
  const bg = redisBenchmark(ctx, {
    port: pair.primary.port, requests: Math.round(BACKGROUND_SET_RATE * (opts.lagDurationS + 10)), connections: opts.connections, pipelining: 1,
    keySpace: opts.keySpace, valueBytes: 100, limitS: opts.lagDurationS + 30
  })
  bg.done.catch(() => { /* stopped on purpose below */ })
  const client = new ProcSampler([bg.child.pid])
  client.start()
  await new Promise((r) => setTimeout(r, 500))
  const lag = await redisLag({ primaryPort: pair.primary.port, replicaPort: pair.replica.port, rate: opts.lagProbeRate, durationS: opts.lagDurationS })
  const clientCpuPct = client.stop().cpuPct
  bg.stop()
  const s = summarize(lag.lags)
  ctx.log(`  redis replica lag under SET load: p50 ${s.p50} ms, p99 ${s.p99} ms (${lag.writes} probes, ${lag.missing} never seen)`)
  return {
    id: 'peer-redis-lag/max/redis',
    scenario: 'peer-redis-lag',
    group: 'peer',
    title: 'Redis replica visibility lag under saturating SET load',
    system: 'redis',
    status: 'ok',
    load: 'max',
    settings: { probeRate: opts.lagProbeRate, durationS: opts.lagDurationS, background: 'redis-benchmark SET -c 50 -P 1', appendfsync: 'everysec', visibility: 'keyspace notification on the replica' },
    tool: 'redis-benchmark',
    clientCpuPct,
    clientBound: clientCpuPct > CLIENT_BOUND_PCT,
    lagMs: { all: s, byTarget: { replica: s } },
    writes: lag.writes,
    missing: lag.missing
  }
}


async function runEtcd(ctx: Ctx): Promise<Entry[]> {
  const { opts } = ctx
  const etcd = await startEtcd(ctx)
  const workload: Workload = { kind: 'etcd-put', valueBytes: 100, keySpace: opts.keySpace }
  const runs: Run[] = []
  try {
    await measure(ctx, { urls: [etcd.url], pids: [etcd.pid], workload, connections: opts.connections, pipelining: 1, durationS: opts.warmupS })
    for (let r = 0; r < opts.repeats; r++) {
      const run = await measure(ctx, { urls: [etcd.url], pids: [etcd.pid], workload, connections: opts.connections, pipelining: 1, durationS: opts.durationS })
      runs.push(run)
      ctx.log(`  etcd put p1 run ${r + 1}/${opts.repeats}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.latencyMs.p99} ms, cpu ${run.serverCpuPct}%, autocannon cpu ${run.clientCpuPct}%`)
    }
  } finally {
    await etcd.stop()
  }
  return [{
    id: 'peer-etcd-put/p1/etcd',
    scenario: 'peer-etcd-put',
    group: 'peer',
    title: 'etcd single node, HTTP put (JSON gateway) 100 B',
    system: 'etcd',
    status: 'ok',
    settings: { connections: opts.connections, pipelining: 1, durationS: opts.durationS, repeats: opts.repeats, valueBytes: 100, keySpace: opts.keySpace, endpoint: 'POST /v3/kv/put' },
    ...aggregate(runs)
  }]
}

import { ratio } from './stats.js'

/** Finds an entry by id among results that ran. */
export function entry(result, id) {
  return result.entries.find((e) => e.id === id && e.status === 'ok')
}

/**
 * The targets, from the side-by-side run. `met` is null when a side was not measured
 * (skipped scenario, or --only).
 */
export function evaluateTargets(result) {
  const put = entry(result, 'single-put-100b/p1/swarmkv')
  const map = entry(result, 'single-put-100b/p1/fastify-map')
  const etcd = entry(result, 'peer-etcd-put/p1/etcd')
  const half = entry(result, 'cluster-lag/half/swarmkv-cluster')
  const growth = entry(result, 'growth/p1/swarmkv')
  const vsMap = ratio(put?.reqPerSec, map?.reqPerSec)
  const vsEtcd = ratio(put?.reqPerSec, etcd?.reqPerSec)
  const lagP99 = half?.lagMs.all.p99 ?? null
  return [
    { id: 'put-vs-fastify-map', name: 'durable single-node PUT 100 B (p1) / bare Fastify Map PUT', value: vsMap, goal: '>= 0.7x', met: vsMap === null ? null : vsMap >= 0.7 },
    { id: 'put-vs-etcd', name: 'durable single-node PUT 100 B (p1) / etcd single-node put', value: vsEtcd, goal: '>= 2x', met: vsEtcd === null ? null : vsEtcd >= 2 },
    { id: 'lag-half-p99', name: 'replication visibility lag p99 at half load, ms (raw, includes one read response)', value: lagP99, goal: '<= 20 ms', met: lagP99 === null ? null : lagP99 <= 20 },
    { id: 'growth-no-decay', name: 'growth: throughput of the last windows / the first windows', value: growth?.decay.lastToFirst ?? null, goal: `>= ${growth?.decay.threshold ?? 0.8}`, met: growth === undefined || growth.decay.lastToFirst === null ? null : !growth.decay.decayed }
  ]
}

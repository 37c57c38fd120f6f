/**
 * Documents: PATCH (JSON merge patch) throughput on a hot set of Automerge documents. The documents
 * API is a later issue: until PATCH /docs/<key> answers something other than 404, this slot is
 * reported as skipped with 'documents API not available'.
 */
import { startSwarmkv, pidsOf } from '../lib/swarmkv.js'
import { measure, aggregate } from '../lib/measure.js'
import { skipped } from '../lib/peer-env.js'
import type { Ctx, Entry, Run } from '../lib/types.js'
import type { Workload } from '../lib/workloads.js'

export const DOCS_UNAVAILABLE = 'documents API not available'
const HOT_DOCS = 100

async function documentsAvailable(url: string): Promise<boolean> {
  await fetch(`${url}/docs/bench-probe`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"f0":0}' }).then((r) => r.arrayBuffer())
  const res = await fetch(`${url}/docs/bench-probe`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"f0":1}' })
  await res.arrayBuffer()
  return res.status !== 404
}

export async function runDocuments(ctx: Ctx): Promise<Entry[]> {
  if (!ctx.selected('documents')) return []
  const { opts } = ctx
  const cluster = await startSwarmkv(ctx, [{ name: 'docs', role: 'master', fsync: 'batch' }], null)
  try {
    const url = cluster.node('docs').url
    if (!(await documentsAvailable(url))) return [skipped('documents-patch', 'documents', `${DOCS_UNAVAILABLE} (PATCH /docs/x answered 404): skipped`)]
    for (let i = 0; i < HOT_DOCS; i++) {
      const res = await fetch(`${url}/docs/d${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"f0":0}' })
      if (!res.ok) throw new Error(`creating document d${i} failed: ${res.status}`)
      await res.arrayBuffer()
    }
    const workload: Workload = { kind: 'doc-patch', keySpace: HOT_DOCS, keyPrefix: 'd' }
    const base = { urls: [url], pids: pidsOf(cluster), workload, connections: opts.connections, pipelining: 1 }
    await measure(ctx, { ...base, durationS: opts.warmupS })
    const runs: Run[] = []
    for (let r = 0; r < opts.repeats; r++) {
      const run = await measure(ctx, { ...base, durationS: opts.durationS })
      runs.push(run)
      ctx.log(`  documents PATCH run ${r + 1}/${opts.repeats}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.latencyMs.p99} ms`)
    }
    return [{
      id: 'documents-patch/p1/swarmkv',
      scenario: 'documents-patch',
      group: 'documents',
      title: `PATCH merge-patch on ${HOT_DOCS} hot documents`,
      system: 'swarmkv',
      status: 'ok',
      settings: { connections: opts.connections, pipelining: 1, durationS: opts.durationS, repeats: opts.repeats, hotDocuments: HOT_DOCS },
      ...aggregate(runs)
    }]
  } finally {
    await cluster.stop()
  }
}

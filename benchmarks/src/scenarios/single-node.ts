/**
 * Single node, durable (fsync batch), standalone: swarmkv against the bare Fastify + Map ceiling,
 * side by side. Runs alternate between the servers (A, B, A, B…) so machine noise hits both. The
 * GET cell has a third server: the bare route answering at the end of the loop's turn, as
 * swarmkv's GET does (DESIGN §8), the like-for-like ceiling for reads.
 */
import { startFastifyMap } from '../baselines/fastify-map.js'
import { startSwarmkv, pidsOf, prefill } from '../lib/swarmkv.js'
import { CLIENT_BOUND_PCT, measure, aggregate } from '../lib/measure.js'
import type { Ctx, Entry, Run } from '../lib/types.js'
import type { WorkloadKind } from '../lib/workloads.js'

export interface SingleWorkload { id: string; title: string; kind: WorkloadKind; valueBytes: number; readRatio?: number }

export const WORKLOADS: SingleWorkload[] = [
  { id: 'single-put-100b', title: 'PUT 100 B, random key', kind: 'put', valueBytes: 100 },
  { id: 'single-put-1k', title: 'PUT 1 KiB, random key', kind: 'put', valueBytes: 1024 },
  { id: 'single-get', title: 'GET existing key', kind: 'get', valueBytes: 100 },
  { id: 'single-mix', title: '90/10 GET/PUT mix, 100 B', kind: 'mix', valueBytes: 100, readRatio: 0.9 }
]
// Reads first, so they read the 100 B prefill values; the 1 KiB PUTs overwrite them last.
const RUN_ORDER = ['single-get', 'single-mix', 'single-put-100b', 'single-put-1k']

export async function runSingleNode(ctx: Ctx): Promise<Entry[]> {
  const workloads = RUN_ORDER.map((id) => WORKLOADS.find((w) => w.id === id)).filter((w): w is SingleWorkload => w !== undefined && ctx.selected(w.id))
  if (workloads.length === 0) return []
  const { opts } = ctx
  ctx.log(`single node: prefilling ${opts.keySpace} keys on swarmkv and the Fastify Map baseline`)
  const cluster = await startSwarmkv(ctx, [{ name: 'solo', role: 'master', fsync: 'batch' }], null)
  const base = await startFastifyMap(ctx, { prefill: opts.keySpace, valueBytes: 100 })
  const turnEnd = workloads.some((w) => w.kind === 'get') ? await startFastifyMap(ctx, { prefill: opts.keySpace, valueBytes: 100, turnEnd: true }) : undefined
  const both = [
    { system: 'swarmkv', url: cluster.node('solo').url, pids: pidsOf(cluster) },
    { system: 'fastify-map', url: base.url, pids: [base.pid] }
  ]
  const withTurnEnd = turnEnd === undefined ? both : [...both, { system: 'fastify-map-turn-end', url: turnEnd.url, pids: [turnEnd.pid] }]
  const entries: Entry[] = []
  try {
    await prefill(cluster.node('solo').url, { count: opts.keySpace, valueBytes: 100 })
    for (const w of workloads) {
      const workload = { kind: w.kind, valueBytes: w.valueBytes, readRatio: w.readRatio, keySpace: opts.keySpace }
      const systems = w.kind === 'get' ? withTurnEnd : both
      for (const pipelining of opts.pipelinings) {
        const runs = new Map<string, Run[]>(systems.map((s) => [s.system, []]))
        for (const s of systems) {
          await measure(ctx, { urls: [s.url], pids: s.pids, workload, connections: opts.connections, pipelining, durationS: opts.warmupS, throughput: true })
        }
        for (let r = 0; r < opts.repeats; r++) {
          for (const s of systems) {
            const run = await measure(ctx, { urls: [s.url], pids: s.pids, workload, connections: opts.connections, pipelining, durationS: opts.durationS, throughput: true })
            runs.get(s.system)?.push(run)
            ctx.log(`  ${w.id} p${pipelining} ${s.system.padEnd(20)} run ${r + 1}/${opts.repeats}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.latencyNotMeasured !== undefined ? 'not measured' : `${run.latencyMs.p99} ms`}, server cpu ${run.serverCpuPct}%, ${run.tool} cpu ${run.clientCpuPct}%${run.clientCpuPct > CLIENT_BOUND_PCT ? ' (CLIENT-BOUND)' : ''}`)
          }
        }
        for (const s of systems) {
          entries.push({
            id: `${w.id}/p${pipelining}/${s.system}`,
            scenario: w.id,
            group: 'single',
            title: w.title,
            system: s.system,
            status: 'ok',
            settings: { connections: opts.connections, pipelining, durationS: opts.durationS, repeats: opts.repeats, valueBytes: w.valueBytes, keySpace: opts.keySpace, fsync: s.system === 'swarmkv' ? 'batch' : 'none (memory)' },
            ...aggregate(runs.get(s.system) ?? [])
          })
        }
      }
    }
  } finally {
    await turnEnd?.stop()
    await base.stop()
    await cluster.stop()
  }
  return entries
}

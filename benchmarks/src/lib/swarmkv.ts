import { randomBytes } from 'node:crypto'
import { Cluster, type NodeSpec } from '@swarmkv/testkit'
import { SERVER_CORE, pinPid } from './pin.js'
import type { Ctx } from './types.js'

/**
 * The testkit turns periodic log compaction off (tests compact on request); benchmarks measure
 * `swarmkv start`'s default instead.
 */
const PRODUCTION_ARGS = ['--compact-interval', '60000']

/** Starts swarmkv nodes as real processes (via the testkit) and pins them to the server core. */
export async function startSwarmkv(ctx: Ctx, nodes: NodeSpec[], secret: string | null): Promise<Cluster> {
  const specs = nodes.map((n) => ({ ...n, args: [...PRODUCTION_ARGS, ...(n.args ?? [])] }))
  const cluster = await Cluster.start({ nodes: specs, secret, cluster: 'bench' })
  for (const n of cluster.nodes.values()) pinPid(ctx.pin, n.child?.pid, SERVER_CORE)
  return cluster
}

export function pidsOf(cluster: Cluster): Array<number | undefined> {
  return [...cluster.nodes.values()].map((n) => n.child?.pid)
}

/**
 * Ops per prefill batch. Not the 1,000-op maximum: a batch's response carries one write token per
 * op in X-Write-Token (~21 bytes each), and Node's HTTP clients refuse headers over 16 KiB.
 */
const PREFILL_BATCH = 500

/**
 * Writes keys k0..k{count-1} with `valueBytes`-byte values through POST /batch, so GET scenarios
 * read existing keys and PUT scenarios overwrite them.
 */
export async function prefill(url: string, { count, valueBytes, keyPrefix = 'k', parallel = 4 }: { count: number; valueBytes: number; keyPrefix?: string; parallel?: number }): Promise<void> {
  // Random base64 text of the given length: incompressible enough, and valid UTF-8 for the JSON batch.
  const values = Array.from({ length: 64 }, () => randomBytes(valueBytes).toString('base64').slice(0, valueBytes))
  const batches: Array<[number, number]> = []
  for (let i = 0; i < count; i += PREFILL_BATCH) batches.push([i, Math.min(count, i + PREFILL_BATCH)])
  let next = 0
  const worker = async (): Promise<void> => {
    for (let b = batches[next++]; b !== undefined; b = batches[next++]) {
      const [from, to] = b
      const ops = []
      for (let k = from; k < to; k++) ops.push({ op: 'put', key: `${keyPrefix}${k}`, value: values[k % values.length] })
      const res = await fetch(`${url}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ops }) })
      if (!res.ok) throw new Error(`prefill batch failed: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

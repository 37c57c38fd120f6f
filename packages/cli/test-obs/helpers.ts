import type { NodeProcess } from '@swarmkv/testkit'

export type PeerOf = Awaited<ReturnType<NodeProcess['cluster']>>['peers'][number]

/** What `on` says of peer `of` in GET /cluster. */
export async function peerOf(on: NodeProcess, of: NodeProcess): Promise<PeerOf> {
  const p = (await on.cluster()).peers.find((x) => x.nodeId === of.nodeId)
  if (p === undefined) throw new Error(`${on.spec.name} does not list ${of.spec.name}`)
  return p
}

/** One sample of a /metrics series (labels as written), or undefined when it is not emitted. */
export async function sample(on: NodeProcess, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${on.url}/metrics`)).text()
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return undefined
}

/** The per-peer label set `on` gives `peer` in /metrics. */
export function peerLabels(peer: PeerOf): string {
  return `{peer="${peer.nodeId}",role="${peer.role}",region="${peer.region}"}`
}

/** `count` PUTs to `node`, `concurrency` at a time; every one must be acknowledged. */
export async function writeMany(node: NodeProcess, count: number, prefix: string, concurrency = 16): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${node.url}/kv/${prefix}-${i}`, { method: 'PUT', body: `v${i}` })
      if (!res.ok) throw new Error(`PUT ${prefix}-${i} on ${node.spec.name}: ${res.status} ${await res.text()}`)
    }
  }))
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

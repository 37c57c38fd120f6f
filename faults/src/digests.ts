import type { DigestSample } from '@swarmkv/testkit'
import { NODES, urlOf } from './topology.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every node's /admin/digest now (undefined for a node that does not answer in 2 s). */
export async function digests(): Promise<DigestSample> {
  const at = Date.now()
  const entries = await Promise.all(NODES.map(async (n): Promise<[string, string | undefined]> => {
    try {
      const res = await fetch(`${urlOf(n)}/admin/digest`, { signal: AbortSignal.timeout(2000) })
      return [n, res.ok ? ((await res.json()) as { digest: string }).digest : undefined]
    } catch {
      return [n, undefined]
    }
  }))
  return { at, digests: new Map(entries) }
}

export function agree(s: DigestSample): boolean {
  const first = s.digests.get(NODES[0]!)
  return first !== undefined && NODES.every((n) => s.digests.get(n) === first)
}

/** POST /admin/compact on every node. */
export async function compactAll(): Promise<void> {
  await Promise.all(NODES.map(async (n) => {
    const res = await fetch(`${urlOf(n)}/admin/compact`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`POST /admin/compact on ${n}: ${res.status}`)
  }))
}

/**
 * Compacts every node until their digests agree. A node collects the tombstones every member it
 * knows of has acknowledged; an ack still in flight when it compacts leaves it a tombstone the
 * others dropped, and with periodic compaction off nothing would collect it later (seen once:
 * us-m1 kept its digest apart for good after one round). Compacting again once the acks are in
 * collects the rest. Resolves with the rounds it took; throws after `boundMs`.
 */
export async function compactUntilAgreed(boundMs: number): Promise<number> {
  const deadline = Date.now() + boundMs
  for (let round = 1; ; round++) {
    await compactAll()
    if (agree(await digests())) return round
    if (Date.now() > deadline) throw new Error(`digests still apart after ${round} rounds of compaction`)
    await sleep(500)
  }
}

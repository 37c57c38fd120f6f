import { seededRandom } from '@swarmkv/replication'
import { parseVV } from '@swarmkv/core'
import type { AppliedSample, RecordingClient } from '@swarmkv/testkit'
import { MASTERS, NODES, urlOf, type NodeName } from './topology.js'

/** Pause between two calls of one client: keeps 8 clients near 300 calls/s on a shared 2-core box. */
const THINK_MS = 20
/** The wait a read-your-writes read or a causal-chain read allows for replication, in ms. */
const READ_WAIT_MS = 3000
/** Nodes a `?w=` write asks for: a region has 3, the cluster 5. */
const QUORUM_W = 3
const SAMPLE_TIMEOUT_MS = 1500
/** Steps between a key's put and its delete (the deleter client). */
const DELETE_LAG = 10

export interface WorkloadOptions {
  readonly client: RecordingClient
  /** Keys are `${prefix}/…`, so each case judges its own keys only. */
  readonly prefix: string
  readonly seed: number
  readonly until: () => boolean
  /** Masters writes go to (a disk-full or paused master stays in: its refusals are part of the test). */
  readonly masters?: readonly NodeName[]
}

export interface WorkloadResult {
  readonly keys: Set<string>
  readonly appliedSamples: AppliedSample[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Eight clients (nine processes), each one call at a time, until `until()` says stop:
 * - three write a few hot keys on a random master, some with a context read from another node
 *   (siblings, superseding, lost writes);
 * - one writes keys and deletes each ten steps later on the same master (resurrection);
 * - one writes on a master and reads with X-After on another node (read-your-writes);
 * - one writes on a master, reads it on another master with X-After, and writes there with the
 *   context it read (a causal chain across masters, and so across skewed clocks);
 * - one writes with ?w=3, then reads every node's applied vector (quorum);
 * - one writes a fresh key on two masters at once with an empty context (siblings).
 */
export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const random = seededRandom(o.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const masters = o.masters ?? MASTERS
  const keys = new Set<string>()
  const appliedSamples: AppliedSample[] = []
  const key = (k: string) => { const full = `${o.prefix}/${k}`; keys.add(full); return full }
  let n = 0
  const value = (p: number) => `${o.prefix}:${p}:${n++}`

  const hot = async (p: number) => {
    while (!o.until()) {
      const k = key(`hot/${Math.floor(random() * 6)}`)
      const at = pick(masters)
      if (random() < 0.3) {
        const read = await o.client.get(p, pick(NODES), k)
        await o.client.put(p, at, k, value(p), { context: read.context ?? '' })
      } else {
        await o.client.put(p, at, k, value(p))
      }
      await sleep(THINK_MS)
    }
  }

  // Each key is deleted DELETE_LAG steps after its put, on the master that took the put (so the
  // delete has seen it): a copy of a data dir taken in between holds values deleted later.
  const deleter = async (p: number) => {
    const written: Array<[string, NodeName]> = []
    for (let i = 0; !o.until(); i++) {
      const k = key(`del/${i}`)
      const at = pick(masters)
      await o.client.put(p, at, k, value(p))
      written.push([k, at])
      if (written.length > DELETE_LAG) {
        const [old, where] = written.shift()!
        await o.client.del(p, where, old)
      }
      await sleep(THINK_MS)
    }
  }

  const ryw = async (p: number) => {
    for (let i = 0; !o.until(); i++) {
      const k = key(`ryw/${i}`)
      const at = pick(masters)
      const w = await o.client.put(p, at, k, value(p))
      if (w.token !== undefined) await o.client.get(p, pick(NODES.filter((x) => x !== at)), k, { after: [w.token], waitMs: READ_WAIT_MS })
      await sleep(THINK_MS)
    }
  }

  const chain = async (p: number) => {
    for (let i = 0; !o.until(); i++) {
      const k = key(`chain/${i}`)
      const first = pick(masters)
      const w = await o.client.put(p, first, k, value(p))
      const second = pick(masters.filter((x) => x !== first))
      if (w.token === undefined || second === undefined) continue
      const read = await o.client.get(p, second, k, { after: [w.token], waitMs: READ_WAIT_MS })
      if (read.status === 200 && read.context !== undefined) await o.client.put(p, second, k, value(p), { context: read.context })
      await sleep(THINK_MS)
    }
  }

  const siblings = async (p: number) => {
    for (let i = 0; !o.until(); i++) {
      const k = key(`sib/${i}`)
      const [a, b] = [pick(masters), pick(masters)]
      // An empty context supersedes nothing: the two writes are concurrent wherever they land.
      await Promise.all([o.client.put(p, a, k, value(p), { context: '' }), o.client.put(p + 100, b, k, value(p + 100), { context: '' })])
      await sleep(THINK_MS)
    }
  }

  const quorum = async (p: number) => {
    for (let i = 0; !o.until(); i++) {
      const w = await o.client.put(p, pick(masters), key(`q/${i}`), value(p), { w: QUORUM_W, timeoutMs: 2000 })
      if (w.outcome === 'ok') await sampleApplied(appliedSamples)
      await sleep(THINK_MS)
    }
  }

  await Promise.all([hot(0), hot(1), hot(2), deleter(3), ryw(4), chain(5), quorum(6), siblings(7)])
  return { keys, appliedSamples }
}

/** Every reachable node's applied vector, each stamped with when its request was sent. */
export async function sampleApplied(into: AppliedSample[]): Promise<void> {
  await Promise.all(NODES.map(async (node) => {
    const at = Date.now()
    try {
      const res = await fetch(`${urlOf(node)}/admin/digest`, { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) })
      if (!res.ok) return
      const body = await res.json() as { applied: Record<string, number> }
      const applied = parseVV(Object.entries(body.applied).map(([k, s]) => `${k}:${s}`).join(','))
      if (applied !== undefined) into.push({ node, at, applied })
    } catch {
      // A node that does not answer (paused, down, cut off) gives no sample: nothing is claimed about it.
    }
  }))
}

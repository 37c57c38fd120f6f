import {
  HybridClock, applyMergePatch, docToJson, formatDot, parseVV, formatVV, winner, type Dot, type NodeId, type Op, type Sibling, type VersionVector
} from '@swarmkv/core'
import { checkLostWrites, type KeyView, type WriteRecord } from '@swarmkv/testkit'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { Membership, MemoryNetwork, Replicator, SimScheduler, identityFromSeed, seededRandom, settle, type WireRole } from '@swarmkv/replication'

export interface SimNode {
  readonly name: string
  readonly role: WireRole
  readonly nodeId: NodeId
  readonly publicKey: Uint8Array
  readonly engine: Engine
  readonly membership: Membership
  readonly replicator: Replicator
}

export interface SimResult {
  readonly digests: string[]
  readonly applied: VersionVector[]
  readonly acked: Dot[]
  readonly lost: string[]
  readonly events: number
  readonly docs: string[]
  readonly stateTransfers: number
  /** Keys whose stable tombstones were dropped, over every node. */
  readonly tombstonesCollected: number
}

const SECRET = 'sim-secret'

/**
 * One seeded run: masters take random writes (with and without contexts, deletes included)
 * while links delay frames, break and get partitioned; then the network heals and the run
 * continues until nothing is left to deliver.
 */
export interface SimOptions {
  masters?: number
  replicas?: number
  writes?: number
  dropProbability?: number
  cutFirstTwoMasters?: boolean
  /** Nodes compact their logs at random times; one replica starts only after the writes. */
  compactAndJoinLate?: boolean
}

export async function simulate(seed: number, opts: SimOptions = {}): Promise<SimResult> {
  const random = seededRandom(seed ^ 0x5eed)
  const scheduler = new SimScheduler()
  const net = new MemoryNetwork({ seed, scheduler, minDelayMs: 1, maxDelayMs: 30, dropProbability: opts.dropProbability ?? 0.002 })
  const nodes: SimNode[] = []
  const roles: WireRole[] = [...Array<WireRole>(opts.masters ?? 3).fill('master'), ...Array<WireRole>(opts.replicas ?? 1).fill('replica')]
  for (const [i, role] of roles.entries()) {
    const seedBytes = new Uint8Array(32)
    seedBytes[0] = i + 1
    seedBytes[1] = seed & 0xff
    const id = identityFromSeed(seedBytes)
    const store = new MemoryStore()
    await store.open()
    const engine = new Engine(store, { nodeId: id.nodeId, clock: new HybridClock({ scheduler }), scheduler })
    await engine.open()
    const transport = net.transport(id.keyPair.publicKey)
    // Compaction runs only where the harness says (no periodic schedule: start() is not called).
    const membership = new Membership({ engine, scheduler })
    const replicator = new Replicator({
      engine, membership, transport, secret: SECRET, scheduler,
      local: () => ({ nodeId: id.nodeId, role, region: 'sim', httpUrl: `http://sim-${i}`, readOnly: false })
    })
    nodes.push({ name: `${role}${i}`, role, nodeId: id.nodeId, publicKey: id.keyPair.publicKey, engine, membership, replicator })
  }
  const lateJoiner = opts.compactAndJoinLate === true ? nodes[nodes.length - 1] : undefined
  for (const n of nodes) if (n !== lateJoiner) await n.replicator.start()
  // Every op as its origin committed it: the reference for "nothing acknowledged was lost",
  // independent of what the nodes' logs still hold after compaction.
  const allOps: Op[] = []
  for (const n of nodes) n.engine.onCommit((ops) => { for (const o of ops) if (o.origin === n.nodeId) allOps.push(o) })

  const masters = nodes.filter((n) => n.role === 'master')
  // Optionally the first two masters never reach each other: they must converge through the others.
  if (opts.cutFirstTwoMasters === true) net.block(masters[0]!.publicKey, masters[1]!.publicKey)
  const keys = ['a', 'b', 'c', 'd', 'e/1', 'e/2']
  const acked: Dot[] = []
  const writes = opts.writes ?? 120
  let t = 0
  for (let i = 0; i < writes; i++) {
    t += 1 + Math.floor(random() * 15)
    const at = masters[Math.floor(random() * masters.length)]!
    const key = keys[Math.floor(random() * keys.length)]!
    const r = random()
    scheduler.setTimeout(() => {
      void (async () => {
        // Sometimes the client read its context from another node first.
        let context: VersionVector | undefined
        if (r < 0.4) {
          const from = nodes[Math.floor(random() * nodes.length)]!
          const state = from.engine.get(key)
          context = parseVV(formatVV(state?.context ?? {}))
        }
        if (r > 0.9) {
          // Some writes are document patches, to the same two documents from every master.
          const res = await at.engine.updateDoc(`doc-${i % 2}`, (root) => applyMergePatch(root, { [`f${i % 5}`]: `${at.name}-${i}`, [at.name]: i }))
          if (res.dot !== undefined) acked.push(res.dot)
          return
        }
        const [res] = await at.engine.write([{ key, value: new TextEncoder().encode(`${at.name}-${i}`), contentType: 'text/plain', deleted: r > 0.8, context }])
        acked.push(res!.dot)
      })()
    }, t)
  }
  // Partitions that heal, and random link breaks.
  for (let p = 0; p < 4; p++) {
    const start = Math.floor(random() * t)
    const shuffled = [...nodes].sort(() => random() - 0.5)
    const cutAt = 1 + Math.floor(random() * (nodes.length - 1))
    scheduler.setTimeout(() => net.partition(shuffled.slice(0, cutAt).map((n) => n.publicKey), shuffled.slice(cutAt).map((n) => n.publicKey)), start)
    scheduler.setTimeout(() => net.heal(), start + 50 + Math.floor(random() * 400))
  }
  for (let k = 0; k < 6; k++) scheduler.setTimeout(() => net.breakRandomLink(), Math.floor(random() * t))
  if (opts.compactAndJoinLate === true) {
    for (let k = 0; k < 8; k++) {
      const n = nodes[Math.floor(random() * (nodes.length - 1))]!
      scheduler.setTimeout(() => { void n.membership.compactOnce() }, Math.floor(random() * t))
    }
  }

  await scheduler.run({ until: t + 1000 })
  if (lateJoiner !== undefined) {
    // Everyone compacts what all current members have, then the new node arrives.
    for (const n of nodes) if (n !== lateJoiner) await n.membership.compactOnce()
    await lateJoiner.replicator.start()
  }
  net.dropProbability = 0
  net.heal()
  await scheduler.run({ until: scheduler.now() + 60_000 })
  if (opts.compactAndJoinLate === true) {
    // Tombstones go at each node's own compaction: digests agree once every node has compacted.
    for (const n of nodes) await n.membership.compactOnce()
  }
  await settle()

  const digests: string[] = []
  for (const n of nodes) digests.push((await n.engine.digest()).digest)
  const lost = await findLost(nodes, allOps, acked)
  const docs: string[] = []
  for (const n of nodes) docs.push(JSON.stringify(await n.engine.readDoc('doc-0', (d) => (d === undefined ? null : docToJson(d)))))
  const stateTransfers = nodes.reduce((a, n) => a + n.replicator.stats.stateTransfersReceived, 0)
  const tombstonesCollected = nodes.reduce((a, n) => a + n.membership.stats.tombstonesCollected, 0)
  for (const n of nodes) await n.replicator.stop()
  await scheduler.run({ until: scheduler.now() + 1000 })
  return { digests, applied: nodes.map((n) => n.engine.applied), acked, lost, events: scheduler.executed, docs, stateTransfers, tombstonesCollected }
}

/**
 * The lost-write check of testkit (the one the process tests and the fault suite use), on every
 * node's final state; documents only need to exist. Acknowledged dots no node committed are lost
 * outright.
 */
async function findLost(nodes: readonly SimNode[], ops: readonly Op[], acked: Dot[]): Promise<string[]> {
  const byDot = new Map(ops.map((o) => [formatDot(o), o]))
  const lost: string[] = []
  const regs: WriteRecord[] = []
  for (const dot of acked) {
    const op = byDot.get(formatDot(dot))
    if (op === undefined) { lost.push(`${formatDot(dot)} (never committed)`); continue }
    if (op.kind === 'reg') continue
    if (!(await nodes[0]!.engine.readDoc(op.key, (d) => d !== undefined))) lost.push(`${formatDot(dot)} (document missing)`)
  }
  for (const o of ops) if (o.kind === 'reg') regs.push({ token: formatDot(o), key: o.key, deleted: o.write.sibling.deleted, context: o.write.context, committed: true })
  const keys = [...new Set(regs.map((w) => w.key))]
  const states = new Map<string, Map<string, KeyView>>()
  for (const n of nodes) {
    const views = new Map<string, KeyView>()
    for (const key of keys) {
      const state = n.engine.get(key)
      if (state !== undefined) views.set(key, { context: state.context, siblings: state.siblings.map((s) => ({ dot: formatDot(s), deleted: s.deleted })), winner: optionalDot(winner(state)) })
    }
    states.set(n.name, views)
  }
  return [...lost, ...checkLostWrites(regs, states).problems]
}

function optionalDot(s: Sibling | undefined): string | undefined {
  return s === undefined ? undefined : formatDot(s)
}

import { describe, expect, it } from 'vitest'
import { HybridClock } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { MemoryNetwork, Replicator, SimScheduler, identityFromSeed } from '@swarmkv/replication'

async function simNode(net: MemoryNetwork, scheduler: SimScheduler, n: number, mode: { role: 'master' | 'replica'; readOnly: boolean }) {
  const id = identityFromSeed(new Uint8Array(32).fill(n))
  const store = new MemoryStore()
  await store.open()
  const engine = new Engine(store, { nodeId: id.nodeId, clock: new HybridClock({ now: () => scheduler.now() }), timers: scheduler })
  await engine.open()
  const replicator = new Replicator({
    engine, transport: net.transport(id.keyPair.publicKey), secret: 's', scheduler,
    local: () => ({ nodeId: id.nodeId, role: mode.role, region: 'r', httpUrl: `http://n${n}`, readOnly: mode.readOnly })
  })
  await replicator.start()
  return { id, engine, replicator, mode }
}

const put = (key: string) => ({ key, value: new TextEncoder().encode('v'), contentType: 'text/plain', deleted: false })

describe('lag per peer, on the sending side, connected or not', () => {
  it('grows in ops and age while a peer is away, ages from the oldest missing write (not the last catch-up), and is 0 again after', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 3, scheduler })
    const a = await simNode(net, scheduler, 1, { role: 'master', readOnly: false })
    const b = await simNode(net, scheduler, 2, { role: 'replica', readOnly: false })
    await a.engine.write([put('first')])
    await scheduler.run({ until: scheduler.now() + 1_000 })
    const peerB = () => a.replicator.peers().find((p) => p.nodeId === b.id.nodeId)!
    expect(peerB()).toMatchObject({ connected: true, lagOps: 0, lagMs: 0, readOnly: false, catchingUp: false })

    // An idle minute, then the peer goes away and writes land: the age counts from those writes.
    await scheduler.run({ until: scheduler.now() + 60_000 })
    net.partition([a.id.keyPair.publicKey], [b.id.keyPair.publicKey])
    await scheduler.run({ until: scheduler.now() + 100 })
    const wroteAt = scheduler.now()
    for (let i = 0; i < 50; i++) await a.engine.write(Array.from({ length: 10 }, (_, j) => put(`k${i}-${j}`)))
    await scheduler.run({ until: wroteAt + 2_000 })
    expect(peerB()).toMatchObject({ connected: false, lagOps: 500 })
    expect(peerB().lagMs).toBeGreaterThanOrEqual(2_000)
    expect(peerB().lagMs).toBeLessThan(2_100)
    await scheduler.run({ until: wroteAt + 7_000 })
    expect(peerB().lagMs).toBeGreaterThanOrEqual(7_000)
    expect(peerB().lagMs).toBeLessThan(7_100)
    // The receiving side: b, cut off, cannot know how far behind it is.
    expect(b.replicator.behind()).toEqual([{ origin: a.id.nodeId, ops: null }])

    net.heal()
    await scheduler.run({ until: scheduler.now() + 3_000 })
    expect(peerB()).toMatchObject({ connected: true, lagOps: 0, lagMs: 0 })
    expect(b.replicator.behind()).toEqual([{ origin: a.id.nodeId, ops: 0 }])
    await a.replicator.stop()
    await b.replicator.stop()
  })
})

describe('mode announcements (wire v2)', () => {
  it('a master switched to read-only is shown so on its peers at once, and after a reconnect', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 4, scheduler })
    const a = await simNode(net, scheduler, 1, { role: 'master', readOnly: false })
    const b = await simNode(net, scheduler, 2, { role: 'replica', readOnly: false })
    await scheduler.run({ until: scheduler.now() + 1_000 })
    const seenByB = () => b.replicator.peers().find((p) => p.nodeId === a.id.nodeId)!
    expect(seenByB()).toMatchObject({ role: 'master', readOnly: false })
    a.mode.readOnly = true
    a.replicator.announceMode()
    await scheduler.run({ until: scheduler.now() + 100 })
    expect(seenByB()).toMatchObject({ role: 'master', readOnly: true })
    net.partition([a.id.keyPair.publicKey], [b.id.keyPair.publicKey])
    await scheduler.run({ until: scheduler.now() + 100 })
    expect(seenByB()).toMatchObject({ connected: false, readOnly: true })
    a.mode.role = 'replica'
    a.mode.readOnly = false
    net.heal()
    await scheduler.run({ until: scheduler.now() + 2_000 })
    expect(seenByB()).toMatchObject({ connected: true, role: 'replica', readOnly: false })
    await a.replicator.stop()
    await b.replicator.stop()
  })
})

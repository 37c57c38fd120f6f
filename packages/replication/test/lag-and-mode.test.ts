import { describe, expect, it } from 'vitest'
import { HybridClock, type Logger } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { Membership, MemoryNetwork, Replicator, SimScheduler, identityFromSeed } from '@swarmkv/replication'

/** A logger that keeps every line, for assertions on what was logged. */
function recordingLogger(lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }>, bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (obj: object, msg: string) => { lines.push({ level, msg, obj: { ...bindings, ...obj } }) }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (b) => recordingLogger(lines, { ...bindings, ...b }) }
}

async function simNode(net: MemoryNetwork, scheduler: SimScheduler, n: number, mode: { role: 'master' | 'replica'; readOnly: boolean }, log?: Logger, protocolVersions?: number[]) {
  const id = identityFromSeed(new Uint8Array(32).fill(n))
  const store = new MemoryStore()
  await store.open()
  const engine = new Engine(store, { nodeId: id.nodeId, clock: new HybridClock({ scheduler }), scheduler })
  await engine.open()
  const membership = new Membership({ engine, scheduler, ...(log !== undefined ? { log } : {}) })
  const replicator = new Replicator({
    engine, membership, transport: net.transport(id.keyPair.publicKey), secret: 's', scheduler, ...(log !== undefined ? { log } : {}), ...(protocolVersions !== undefined ? { protocolVersions } : {}),
    local: () => ({ nodeId: id.nodeId, role: mode.role, region: 'r', httpUrl: `http://n${n}`, readOnly: mode.readOnly })
  })
  await replicator.start()
  return { id, engine, membership, replicator, mode }
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

describe('a v2 node and a v1 node (an older release)', () => {
  it('negotiate v1, replicate, and exchange roles; read-only stays unknown (null), never sent as a message v1 lacks', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 6, scheduler })
    const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = []
    const a = await simNode(net, scheduler, 1, { role: 'master', readOnly: true }, recordingLogger(lines))
    const old = await simNode(net, scheduler, 2, { role: 'master', readOnly: false }, recordingLogger(lines), [1])
    await old.engine.write([put('from-old')])
    await scheduler.run({ until: scheduler.now() + 1_000 })
    expect(a.engine.applied).toEqual(old.engine.applied)
    expect(old.replicator.peers()[0]).toMatchObject({ role: 'master', readOnly: null, connected: true })
    expect(a.replicator.peers()[0]).toMatchObject({ role: 'master', readOnly: null, connected: true })
    a.mode.role = 'replica'
    a.replicator.announceMode()
    await scheduler.run({ until: scheduler.now() + 100 })
    expect(old.replicator.peers()[0]).toMatchObject({ role: 'replica', readOnly: null, connected: true })
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([])
    await a.replicator.stop()
    await old.replicator.stop()
  })
})

describe('catch-up by state transfer, visible in the logs and the counters', () => {
  it('a peer that needs compacted ops gets a state transfer: both sides log its start and end with keys, bytes and rate', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 5, scheduler })
    const linesA: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = []
    const linesB: typeof linesA = []
    const a = await simNode(net, scheduler, 1, { role: 'master', readOnly: false }, recordingLogger(linesA))
    for (let i = 0; i < 30; i++) await a.engine.write(Array.from({ length: 10 }, (_, j) => put(`s${i}-${j}`)))
    // Nobody else is a member yet: compaction drops the whole log.
    await a.membership.compactOnce()
    expect(linesA.find((l) => l.msg === 'log compacted')?.obj).toMatchObject({ droppedOps: 300 })
    const b = await simNode(net, scheduler, 2, { role: 'replica', readOnly: false }, recordingLogger(linesB))
    await scheduler.run({ until: scheduler.now() + 3_000 })
    expect(b.engine.applied).toEqual(a.engine.applied)
    const sent = linesA.find((l) => l.msg === 'state transfer finished')
    const received = linesB.find((l) => l.msg === 'state transfer finished')
    expect(linesA.some((l) => l.msg === 'state transfer started' && l.obj.direction === 'sending')).toBe(true)
    expect(sent?.obj).toMatchObject({ direction: 'sending', keys: 300, peer: b.id.nodeId })
    expect(received?.obj).toMatchObject({ direction: 'receiving', keys: 300, peer: a.id.nodeId })
    expect(sent!.obj.bytes).toBeGreaterThan(300 * 10)
    expect(received!.obj.bytes).toBe(sent!.obj.bytes)
    expect(a.replicator.stats).toMatchObject({ stateTransfersSent: 1, stateTransferKeys: 300, stateTransferBytes: sent!.obj.bytes })
    expect(linesB.some((l) => l.msg === 'peer connected' && l.obj.peer === a.id.nodeId)).toBe(true)
    // Over: nothing is shown as under way any more, and the peer is caught up.
    expect(a.replicator.peers()[0]).toMatchObject({ transfer: null, catchingUp: false, lagOps: 0, lagMs: 0 })
    await a.replicator.stop()
    await b.replicator.stop()
    expect(linesA.some((l) => l.level === 'error')).toBe(false)
  })
})

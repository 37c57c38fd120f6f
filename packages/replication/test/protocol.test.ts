import { describe, expect, it } from 'vitest'
import * as c from 'compact-encoding'
import Protomux from 'protomux'
import { HybridClock } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import {
  Membership, MemoryNetwork, PROTOCOL, Replicator, SimScheduler, authProof, identityFromSeed, type FramedConnection
} from '@swarmkv/replication'

async function simNode(net: MemoryNetwork, scheduler: SimScheduler, n: number, secret: string) {
  const seed = new Uint8Array(32).fill(n)
  const id = identityFromSeed(seed)
  const store = new MemoryStore()
  await store.open()
  const engine = new Engine(store, { nodeId: id.nodeId, clock: new HybridClock({ scheduler }), scheduler })
  await engine.open()
  const membership = new Membership({ engine, scheduler })
  const replicator = new Replicator({
    engine, membership, transport: net.transport(id.keyPair.publicKey), secret, scheduler,
    local: () => ({ nodeId: id.nodeId, role: 'master', region: 'r', httpUrl: `http://n${n}`, readOnly: false })
  })
  await replicator.start()
  return { id, engine, membership, replicator }
}

const put = (key: string, value: string) => ({ key, value: new TextEncoder().encode(value), contentType: 'text/plain', deleted: false })

/** A peer under the test's control: it gets the raw connection to `to` and speaks (or not) by hand. */
async function rawPeer(net: MemoryNetwork, n: number, to: Uint8Array): Promise<{ publicKey: Uint8Array; conn: Promise<FramedConnection> }> {
  const publicKey = identityFromSeed(new Uint8Array(32).fill(n)).keyPair.publicKey
  let resolve!: (c: FramedConnection) => void
  const conn = new Promise<FramedConnection>((r) => { resolve = r })
  await net.transport(publicKey).start((cn) => {
    if (Buffer.from(cn.remotePublicKey).equals(Buffer.from(to))) resolve(cn)
    else cn.destroy()
  })
  return { publicKey, conn }
}

describe('replication protocol over the in-memory network', () => {
  it('nodes with different secrets exchange no ops and count the failed proofs', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 1, scheduler })
    const a = await simNode(net, scheduler, 1, 'right')
    const b = await simNode(net, scheduler, 2, 'wrong')
    await a.engine.write([put('x', 'from-a')])
    await b.engine.write([put('y', 'from-b')])
    await scheduler.run({ until: 5_000 })
    expect(a.engine.applied).toEqual({ [a.id.nodeId]: 1 })
    expect(b.engine.applied).toEqual({ [b.id.nodeId]: 1 })
    // Whichever side checks the other's proof first drops the connection.
    expect(a.replicator.stats.authFailures + b.replicator.stats.authFailures).toBeGreaterThan(0)
    expect(a.replicator.peers()).toEqual([])
    await a.replicator.stop()
    await b.replicator.stop()
  })

  it('a malformed message after a valid handshake closes only that connection', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 2, scheduler })
    const victim = await simNode(net, scheduler, 1, 's')
    const friend = await simNode(net, scheduler, 2, 's')
    const raw = await rawPeer(net, 3, victim.id.keyPair.publicKey)
    const conn = await raw.conn
    let closed = false
    conn.on('close', () => { closed = true })
    const mux = Protomux.from(conn)
    const ch = mux.createChannel({ protocol: PROTOCOL })!
    const auth = ch.addMessage({ encoding: c.raw, onmessage: () => {} })
    const hello = ch.addMessage({ encoding: c.raw, onmessage: () => {} })
    const ops = ch.addMessage({ encoding: c.raw, onmessage: () => {} })
    ch.open()
    auth.send(authProof('s', conn.handshakeHash, conn.publicKey))
    await scheduler.run({ until: 100 })
    expect(closed).toBe(false)
    // A well-formed hello would come next; this one is garbage.
    hello.send(new Uint8Array([1, 1, 0xff, 0xff, 0xff]))
    ops.send(new Uint8Array([7, 7, 7]))
    await scheduler.run({ until: 500 })
    expect(closed).toBe(true)
    expect(victim.replicator.stats.malformedMessages).toBeGreaterThan(0)
    // The node still replicates with everyone else.
    await friend.engine.write([put('k', 'still-works')])
    await scheduler.run({ until: 2_000 })
    expect(victim.engine.applied[friend.id.nodeId]).toBe(1)
    await victim.replicator.stop()
    await friend.replicator.stop()
  })

  it('garbage bytes instead of the protocol close the connection', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 3, scheduler })
    const victim = await simNode(net, scheduler, 1, 's')
    const raw = await rawPeer(net, 4, victim.id.keyPair.publicKey)
    const conn = await raw.conn
    let closed = false
    conn.on('close', () => { closed = true })
    for (let i = 0; i < 5; i++) conn.write(new Uint8Array(64).map((_, j) => (i * 31 + j * 17) & 0xff))
    await scheduler.run({ until: 15_000 })
    expect(closed).toBe(true)
    expect(victim.replicator.peers()).toEqual([])
    await victim.replicator.stop()
  })

  it('ops before the handshake are a protocol error', async () => {
    const scheduler = new SimScheduler()
    const net = new MemoryNetwork({ seed: 4, scheduler })
    const victim = await simNode(net, scheduler, 1, 's')
    const raw = await rawPeer(net, 5, victim.id.keyPair.publicKey)
    const conn = await raw.conn
    let closed = false
    conn.on('close', () => { closed = true })
    const ch = Protomux.from(conn).createChannel({ protocol: PROTOCOL })!
    ch.addMessage({ encoding: c.raw, onmessage: () => {} })
    ch.addMessage({ encoding: c.raw, onmessage: () => {} })
    const ack = [ch.addMessage({ encoding: c.raw, onmessage: () => {} }), ch.addMessage({ encoding: c.raw, onmessage: () => {} })][1]!
    ch.open()
    ack.send(new Uint8Array([0]))
    await scheduler.run({ until: 500 })
    expect(closed).toBe(true)
    expect(victim.replicator.stats.protocolErrors).toBe(1)
    await victim.replicator.stop()
  })
})

describe('backpressure', () => {
  it('a slow peer makes the sender pause its cursor: ops in flight stay bounded', async () => {
    const scheduler = new SimScheduler()
    // Every frame takes 20-40 virtual ms and holds the sender's buffer until it arrives.
    const net = new MemoryNetwork({ seed: 5, scheduler, minDelayMs: 20, maxDelayMs: 40, slowLinks: true })
    const sender = await simNode(net, scheduler, 1, 's')
    const value = 'v'.repeat(200)
    for (let b = 0; b < 20; b++) {
      await sender.engine.write(Array.from({ length: 500 }, (_, i) => put(`k${b}/${i}`, value)))
    }
    const receiver = await simNode(net, scheduler, 2, 's')
    let maxAhead = 0
    for (let t = 50; t <= 20_000; t += 50) {
      await scheduler.run({ until: t })
      const ahead = sender.replicator.stats.opsSent - (receiver.engine.applied[sender.id.nodeId] ?? 0)
      maxAhead = Math.max(maxAhead, ahead)
      if (receiver.engine.applied[sender.id.nodeId] === 10_000) break
    }
    expect(receiver.engine.applied[sender.id.nodeId]).toBe(10_000)
    // Without backpressure all 10,000 ops would be queued at once; with it, a few messages' worth.
    expect(maxAhead).toBeLessThan(2_000)
    await sender.replicator.stop()
    await receiver.replicator.stop()
  }, 60_000)
})

import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { HybridClock, type NodeId } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { HyperswarmTransport, Membership, Replicator, identityFromSeed, topicFor, type FramedConnection } from '@swarmkv/replication'
import { Cluster, freeUdpPort, waitUntil } from '@swarmkv/testkit'

const seed = (n: number) => new Uint8Array(32).fill(n)

describe('security against a real node over Hyperswarm', () => {
  let cluster: Cluster | undefined
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const f of cleanups.splice(0)) await f()
    await cluster?.stop()
  })

  it('a node with the wrong secret receives no op and none of its ops is applied', async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'm1' }], secret: 'the-right-secret' })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    const m1 = cluster.node('m1')
    await m1.client.put('private', 'data')
    const victimKey = Buffer.from((await m1.cluster()).self.publicKey!, 'hex')

    // An intruder that knows where the node is but not the secret, with writes of its own.
    const id = identityFromSeed(seed(9))
    const store = new MemoryStore()
    await store.open()
    const engine = new Engine(store, { nodeId: id.nodeId, clock: new HybridClock() })
    await engine.open()
    await engine.write([{ key: 'private', value: new TextEncoder().encode('forged'), contentType: 'text/plain', deleted: false }])
    let connections = 0
    const transport = new HyperswarmTransport({
      keyPair: id.keyPair, topic: topicFor('test', 'a-wrong-secret'), bootstrap: [cluster.bootstrap],
      port: await freeUdpPort(), joinPeers: [victimKey]
    })
    const intruder = new Replicator({
      engine, membership: new Membership({ engine }), transport: { start: (on) => transport.start((c) => { connections++; on(c) }), stop: () => transport.stop(), joined: () => transport.joined() },
      secret: 'a-wrong-secret', local: () => ({ nodeId: id.nodeId, role: 'master', region: 'x', httpUrl: 'http://intruder', readOnly: false })
    })
    await intruder.start()
    cleanups.push(() => intruder.stop())

    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${m1.url}/metrics`)).text())?.[1] ?? 'NaN')
    await waitUntil('the intruder to connect and be refused', async () =>
      connections > 0 && (intruder.stats.authFailures + (await metric('swarmkv_replication_auth_failures_total'))) > 0, 30_000)
    const view = await m1.cluster()
    expect(view.peers).toEqual([])
    expect(view.self.applied[id.nodeId]).toBeUndefined()
    expect(engine.applied[m1.nodeId as NodeId]).toBeUndefined()
    expect(await m1.client.getText('private')).toBe('data')
  })

  it('a peer sending garbage bytes is disconnected and the node keeps serving', async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'm1' }] })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    const m1 = cluster.node('m1')
    const victimKey = Buffer.from((await m1.cluster()).self.publicKey!, 'hex')
    const id = identityFromSeed(seed(7))
    let closed!: () => void
    const wasClosed = new Promise<void>((r) => { closed = r })
    const transport = new HyperswarmTransport({ keyPair: id.keyPair, topic: topicFor('x', 'y'), bootstrap: [cluster.bootstrap], port: await freeUdpPort(), joinPeers: [victimKey] })
    await transport.start((conn: FramedConnection) => {
      conn.on('close', () => closed())
      for (let i = 0; i < 20; i++) conn.write(Buffer.from(Array.from({ length: 200 }, (_, j) => (i * 131 + j * 7) & 0xff)))
    })
    cleanups.push(() => transport.stop())
    await Promise.race([wasClosed, new Promise((_, rej) => setTimeout(() => rej(new Error('not disconnected within 20 s')), 20_000))])
    expect((await fetch(`${m1.url}/health`)).status).toBe(200)
    expect(await m1.client.put('after', 'garbage')).toHaveLength(1)
    expect(await m1.client.getText('after')).toBe('garbage')
  })
})

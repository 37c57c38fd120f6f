import { describe, expect, it } from 'vitest'
import { MemoryNetwork, SimScheduler, HyperswarmTransport, identityFromSeed, startBootstrap, topicFor } from '@swarmkv/replication'
import { freeUdpPort } from '@swarmkv/testkit'
import { transportSuite } from './transport-suite.js'

const seedOf = (i: number) => new Uint8Array(32).fill(i + 1)
const publicKey = (i: number) => identityFromSeed(seedOf(i)).keyPair.publicKey

// The in-memory network in the mode where a write completes only on arrival (slowLinks), so
// that backpressure exists at all.
transportSuite('MemoryNetwork', async () => {
  const scheduler = new SimScheduler()
  const net = new MemoryNetwork({ seed: 1, scheduler, slowLinks: true })
  return {
    make: (i) => net.transport(publicKey(i)),
    publicKey,
    until: async (what, cond, limitMs = 20_000) => {
      const deadline = scheduler.now() + limitMs
      while (!cond()) {
        if (scheduler.now() > deadline) throw new Error(`not within ${limitMs} virtual ms: ${what}`)
        await scheduler.run({ until: scheduler.now() + 5 })
      }
    },
    close: async () => { await scheduler.run({ until: scheduler.now() + 1000 }) }
  }
})

// Real Hyperswarm on loopback with its own DHT bootstrap (never the public one).
/** Peer `i` on real Hyperswarm, over loopback, through the given DHT bootstrap. */
function hyperswarmPeer(i: number, topic: Uint8Array, bootstrapPort: number): HyperswarmTransport {
  return new HyperswarmTransport({
    keyPair: identityFromSeed(seedOf(i)).keyPair, topic, bootstrap: [{ host: '127.0.0.1', port: bootstrapPort }],
    host: '127.0.0.1', port: 0, fastRefreshMs: 500
  })
}

/** Real time passes until `cond` holds; throws after `limitMs`. */
async function untilReal(what: string, cond: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

transportSuite('HyperswarmTransport', async () => {
  const bootstrap = await startBootstrap('127.0.0.1', await freeUdpPort())
  const topic = topicFor(`transport-suite-${process.pid}-${Date.now()}`, 'secret')
  return {
    make: (i) => hyperswarmPeer(i, topic, bootstrap.port),
    publicKey,
    until: untilReal,
    close: () => bootstrap.stop()
  }
})

describe('HyperswarmTransport, stopping', () => {
  it('stops within its unannounce grace (1.5 s) and a little more when the DHT is gone', async () => {
    const bootstrap = await startBootstrap('127.0.0.1', await freeUdpPort())
    const transport = hyperswarmPeer(7, topicFor(`stop-${process.pid}-${Date.now()}`, 'secret'), bootstrap.port)
    await transport.start(() => {})
    await untilReal('joined', () => transport.joined())
    // Nobody answers the unannounce now: the polite leave has to give up.
    await bootstrap.stop()
    const started = Date.now()
    await transport.stop()
    const ms = Date.now() - started
    // The forced close after the grace used to unannounce again and wait out the DHT's request
    // timeouts: 7-8.6 s measured. Now the DHT node is dropped first and the rest fails at once.
    expect(ms, `stop took ${ms} ms`).toBeLessThan(4000)
  }, 30_000)
})

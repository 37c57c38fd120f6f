import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster, waitUntil } from '@swarmkv/testkit'
import { peerLabels, peerOf, sample, sleep, writeMany } from './helpers.js'

/** The idle time before the pause: long enough that a lag measured from the last catch-up would be a minute. */
const IDLE_MS = 60_000

describe('lag of a replica paused for about 2 s after an idle minute (real processes)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => {
    cluster?.node('r1').resume()
    await cluster?.stop()
  })

  it('shows an age near 2 s, not a minute, in /cluster and /metrics, and 0 once it has caught up', async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'm1', role: 'master' }, { name: 'r1', role: 'replica' }] })
    onTestFailed(() => { cluster?.node('r1').resume(); void cluster?.stop({ keepLogs: true }); cluster = undefined })
    await cluster.waitConnected()
    const m1 = cluster.node('m1')
    const r1 = cluster.node('r1')
    await writeMany(m1, 5, 'warm')
    await waitUntil('r1 caught up', async () => (await peerOf(m1, r1)).lagMs === 0)
    await sleep(IDLE_MS)
    expect(await peerOf(m1, r1)).toMatchObject({ connected: true, lagOps: 0, lagMs: 0 })

    r1.pause()
    const wroteAt = Date.now()
    await writeMany(m1, 1, 'during-pause')
    await sleep(2_000)
    const p = await peerOf(m1, r1)
    const seconds = await sample(m1, `swarmkv_peer_lag_seconds${peerLabels(p)}`)
    const elapsed = Date.now() - wroteAt
    r1.resume()
    expect(p.connected).toBe(true)
    expect(p.lagOps).toBe(1)
    expect(p.lagMs!).toBeGreaterThanOrEqual(1_900)
    expect(p.lagMs!).toBeLessThanOrEqual(elapsed)
    expect(seconds!).toBeGreaterThanOrEqual(p.lagMs! / 1000)
    expect(seconds!).toBeLessThanOrEqual(elapsed / 1000)

    await waitUntil('r1 to catch up after the pause', async () => {
      const q = await peerOf(m1, r1)
      return q.lagOps === 0 && q.lagMs === 0
    })
    expect(await sample(m1, `swarmkv_peer_lag_seconds${peerLabels(p)}`)).toBe(0)
  })
})

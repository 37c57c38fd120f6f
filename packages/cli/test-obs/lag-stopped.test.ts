import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster, waitUntil } from '@swarmkv/testkit'
import { peerLabels, peerOf, sample, sleep, writeMany } from './helpers.js'

describe('lag of a replica that is stopped while writes land (real processes)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  it('the master reports at least 500 ops behind and an age that grows with the time away, the same in /cluster and /metrics, then 0 once caught up', async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'm1', role: 'master' }, { name: 'r1', role: 'replica' }] })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    await cluster.waitConnected()
    const m1 = cluster.node('m1')
    const r1 = cluster.node('r1')
    await writeMany(m1, 10, 'warm')
    await waitUntil('r1 caught up', async () => (await peerOf(m1, r1)).lagOps === 0)

    await r1.stop()
    await waitUntil('m1 to see r1 gone', async () => !(await peerOf(m1, r1)).connected)
    const firstWrite = Date.now()
    await writeMany(m1, 500, 'away')
    const a = await peerOf(m1, r1)
    const aAt = Date.now()
    expect(a.connected).toBe(false)
    expect(a.lagOps).toBeGreaterThanOrEqual(500)
    // The oldest write r1 lacks is the first of the 500: its age is the time since then, within the commit's few ms.
    expect(a.lagMs).not.toBeNull()
    expect(a.lagMs!).toBeGreaterThanOrEqual(aAt - firstWrite - 1_000)
    expect(a.lagMs!).toBeLessThanOrEqual(aAt - firstWrite + 100)

    await sleep(1_500)
    const b = await peerOf(m1, r1)
    const bAt = Date.now()
    expect(b.lagOps).toBe(a.lagOps)
    const grew = b.lagMs! - a.lagMs!
    expect(grew).toBeGreaterThanOrEqual(bAt - aAt - 150)
    expect(grew).toBeLessThanOrEqual(bAt - aAt + 150)
    // /metrics says the same.
    const labels = peerLabels(b)
    expect(await sample(m1, `swarmkv_peer_connected${labels}`)).toBe(0)
    expect(await sample(m1, `swarmkv_peer_lag_ops${labels}`)).toBe(b.lagOps)
    const seconds = await sample(m1, `swarmkv_peer_lag_seconds${labels}`)
    expect(Math.abs(seconds! * 1000 - (b.lagMs! + (Date.now() - bAt)))).toBeLessThan(300)

    await r1.start()
    await waitUntil('r1 to catch up, as m1 reports it', async () => {
      const p = await peerOf(m1, r1)
      return p.connected && p.lagOps === 0 && p.lagMs === 0
    })
    expect(await sample(m1, `swarmkv_peer_lag_ops${labels}`)).toBe(0)
    expect(await sample(m1, `swarmkv_peer_lag_seconds${labels}`)).toBe(0)
    expect(await sample(m1, `swarmkv_peer_connected${labels}`)).toBe(1)
    // The receiving side: r1 is behind m1 by nothing.
    expect((await r1.cluster()).self.behind).toEqual([{ origin: m1.nodeId, ops: 0 }])
  })
})

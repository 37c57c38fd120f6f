import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster, waitUntil } from '@swarmkv/testkit'
import { peerOf } from './helpers.js'

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('roles that last, and redirects only to writable masters (real processes)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  it('a read-only master is announced and shown; replicas send writes to the other master; role and read-only survive a restart', async () => {
    // x starts without --role: it takes what its data dir keeps.
    cluster = await Cluster.start({ nodes: [{ name: 'm1', role: 'master' }, { name: 'm2', role: 'master' }, { name: 'r1', role: 'replica' }, { name: 'x' }] })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    await cluster.waitConnected()
    const [m1, m2, r1, x] = ['m1', 'm2', 'r1', 'x'].map((n) => cluster!.node(n))
    expect(await peerOf(r1!, m1!)).toMatchObject({ role: 'master', readOnly: false })

    expect((await post(`${m1!.url}/admin/read-only`, { readOnly: true })).status).toBe(200)
    expect((await m1!.cluster()).self.readOnly).toBe(true)
    await waitUntil('r1 to learn m1 is read-only', async () => (await peerOf(r1!, m1!)).readOnly === true)
    const redirected = async () => {
      const res = await fetch(`${r1!.url}/kv/some-key`, { method: 'PUT', body: 'v', redirect: 'manual' })
      expect(res.status).toBe(307)
      return new URL(res.headers.get('location')!).origin
    }
    // m2 and x are the writable masters now.
    for (let i = 0; i < 5; i++) expect([m2!.url, x!.url]).toContain(await redirected())

    // Demote x at run time; then restart everything that changed.
    expect((await post(`${x!.url}/admin/role`, { role: 'replica' })).status).toBe(200)
    await m1!.restart()
    await x!.restart()
    expect((await m1!.cluster()).self).toMatchObject({ role: 'master', readOnly: true })
    expect((await x!.cluster()).self).toMatchObject({ role: 'replica', readOnly: false })
    const refused = await fetch(`${m1!.url}/kv/k`, { method: 'PUT', body: 'v' })
    expect(refused.status).toBe(503)
    expect(((await refused.json()) as { error: string }).error).toBe('READ_ONLY')
    // Peers learn it again at the handshake.
    await waitUntil('r1 to see m1 back, read-only', async () => {
      const p = await peerOf(r1!, m1!)
      return p.connected && p.readOnly === true
    })
    await waitUntil('m2 to see x as a replica', async () => (await peerOf(m2!, x!)).role === 'replica')
    for (let i = 0; i < 5; i++) expect(await redirected()).toBe(m2!.url)

    // With m2 read-only too, no master takes writes: 503, clearly.
    expect((await post(`${m2!.url}/admin/read-only`, { readOnly: true })).status).toBe(200)
    await waitUntil('r1 to learn m2 is read-only', async () => (await peerOf(r1!, m2!)).readOnly === true)
    const none = await fetch(`${r1!.url}/kv/k`, { method: 'PUT', body: 'v', redirect: 'manual' })
    expect(none.status).toBe(503)
    expect(((await none.json()) as { error: string }).error).toBe('NO_MASTER')
  })
})

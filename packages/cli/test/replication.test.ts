import { cp, rm } from 'node:fs/promises'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster, waitUntil } from '@swarmkv/testkit'
import { httpWrite, runLoad } from './load.js'
import { lostWrites } from './lost-writes.js'

const TOPOLOGY = [
  { name: 'm1', role: 'master' as const },
  { name: 'm2', role: 'master' as const },
  { name: 'r1', role: 'replica' as const }
]

describe('replication between real processes over Hyperswarm (loopback)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  /** Whether the node has collected exactly one key's tombstones. */
  const collected = async (n: { url: string }) => /^swarmkv_tombstones_collected_total 1$/m.test(await (await fetch(`${n.url}/metrics`)).text())

  async function start(nodes = TOPOLOGY) {
    cluster = await Cluster.start({ nodes })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    await cluster.waitConnected()
    return cluster
  }

  it('converges to byte-identical state under concurrent writes on both masters, losing nothing', async () => {
    const c = await start()
    const masters = [c.node('m1'), c.node('m2')]
    const tokens: string[] = []
    // 2 masters x 8 writers x 200 ops: shared hot keys and private keys, puts and deletes,
    // some writes carrying a context read from the other master.
    await runLoad(16, 200, async (w, i) => {
      const node = masters[w % 2]!
      const other = masters[(w + 1) % 2]!
      const hot = i % 3 !== 0
      const key = hot ? `hot/${(w * 13 + i) % 24}` : `own/${w}/${i}`
      const headers: Record<string, string> = {}
      if (i % 7 === 0) {
        const ctx = (await fetch(`${other.url}/kv/${encodeURIComponent(key)}`)).headers.get('x-context')
        if (ctx !== null) headers['x-context'] = ctx
      }
      const del = i % 9 === 4
      const token = await httpWrite(node.url, del ? 'DELETE' : 'PUT', key, del ? undefined : `w${w}-i${i}`, headers)
      if (token !== undefined) tokens.push(token)
    })
    expect(tokens).toHaveLength(3200)
    const converged = await c.waitConverged(60_000)
    expect(converged.keys).toBeGreaterThan(1000)
    // Concurrent writes to hot keys leave visible siblings somewhere.
    const sib = await c.node('r1').client.siblings('hot/1')
    expect(sib).toBeDefined()
    for (const n of c.nodes.values()) await n.stop()
    for (const n of c.nodes.values()) expect(await lostWrites(n.dataDir, tokens), n.spec.name).toEqual([])
  })

  it('a replica that was away catches up 10,000 ops, also when the master it last talked to is down', async () => {
    const c = await start()
    const r1 = c.node('r1')
    await r1.stop()
    const batch = (prefix: string, n: number) => ({ ops: Array.from({ length: n }, (_, i) => ({ op: 'put' as const, key: `${prefix}/${i}`, value: `value-${prefix}-${i}` })) })
    for (let b = 0; b < 20; b++) {
      const m = c.node(b % 2 === 0 ? 'm1' : 'm2')
      const res = await m.client.batch(batch(`catchup/${b}`, 500).ops)
      expect(res).toHaveLength(500)
    }
    await r1.start()
    const state = await c.waitConverged(60_000)
    expect(Object.values(state.applied).reduce((a, b) => a + b, 0)).toBe(10_000)

    // Away again; the masters take more writes; m1 (which r1 may have talked to) goes down.
    await r1.stop()
    for (let b = 0; b < 4; b++) await c.node(b % 2 === 0 ? 'm1' : 'm2').client.batch(batch(`later/${b}`, 250).ops)
    await c.waitConverged(30_000)
    await c.node('m1').stop()
    await r1.start()
    const after = await c.waitConverged(60_000)
    expect(Object.values(after.applied).reduce((a, b) => a + b, 0)).toBe(11_000)
    expect(await r1.client.getText('later/0/0')).toBe('value-later/0-0')
  })

  it('masters that cannot reach each other converge through a third node', async () => {
    const c = await start([{ name: 'a', role: 'master' }, { name: 'b', role: 'master' }, { name: 'c', role: 'master' }])
    const a = c.node('a')
    const b = c.node('b')
    // Restart each with the other blocked, one at a time (a node restarting while a peer is
    // down waits out that peer's DHT timeouts).
    a.extraArgs = ['--block-peer', b.nodeId]
    b.extraArgs = ['--block-peer', a.nodeId]
    await a.restart()
    await b.restart()
    await waitUntil('a and b connected to c', async () => {
      const [va, vb] = [await a.cluster(), await b.cluster()]
      return va.peers.some((p) => p.nodeId === c.node('c').nodeId && p.connected) && vb.peers.some((p) => p.nodeId === c.node('c').nodeId && p.connected)
    })
    const tokens: string[] = []
    await runLoad(4, 100, async (w, i) => {
      const node = w % 2 === 0 ? a : b
      const t = await httpWrite(node.url, 'PUT', `fw/${i % 10}`, `${node.spec.name}-${w}-${i}`)
      if (t !== undefined) tokens.push(t)
    })
    await c.waitConverged(30_000)
    const va = await a.cluster()
    expect(va.peers.some((p) => p.nodeId === b.nodeId && p.connected)).toBe(false)
    expect(va.self.applied[b.nodeId]).toBe(200)
    for (const n of c.nodes.values()) await n.stop()
    expect(await lostWrites(a.dataDir, tokens)).toEqual([])
  })

  it('a master killed during load loses no acknowledged write and catches up on restart', async () => {
    const c = await start()
    const m1 = c.node('m1')
    const m2 = c.node('m2')
    const acked = new Map<string, string>()
    let killed = false
    await runLoad(16, 150, async (w, i) => {
      const node = w % 2 === 0 ? m1 : m2
      if (node === m1 && killed) return
      const key = `k/${w}/${i}`
      const value = `v${w}-${i}`
      const t = await httpWrite(node.url, 'PUT', key, value)
      if (t !== undefined) acked.set(key, value)
      if (!killed && acked.size >= 600) {
        killed = true
        await m1.kill()
      }
    })
    expect(killed).toBe(true)
    await m1.start()
    await c.waitConverged(60_000)
    for (const n of c.running()) {
      const missing: string[] = []
      for (const [key, value] of acked) if ((await n.client.getText(key)) !== value) missing.push(key)
      expect(missing, n.spec.name).toEqual([])
    }
  })

  it('after log compaction a new node catches up by state transfer, documents included', async () => {
    const c = await start([{ name: 'm1', role: 'master' }, { name: 'm2', role: 'master' }])
    const m1 = c.node('m1')
    const m2 = c.node('m2')
    for (let b = 0; b < 4; b++) {
      await (b % 2 === 0 ? m1 : m2).client.batch(Array.from({ length: 250 }, (_, i) => ({ op: 'put' as const, key: `st/${b}/${i}`, value: `v${b}-${i}` })))
    }
    await m1.client.del('st/0/0')
    const patch = (n: typeof m1, body: unknown) => fetch(`${n.url}/docs/shared`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(body) })
    expect((await patch(m1, { a: 1, n: { $counter: 5 } })).status).toBe(201)
    // 201 when m2 has not received m1's change yet, 200 when it has.
    expect([200, 201]).toContain((await patch(m2, { b: 2 })).status)
    await c.waitConverged()
    const compact = async (n: typeof m1) => ((await (await fetch(`${n.url}/admin/compact`, { method: 'POST' })).json()) as { floor: Record<string, number> }).floor
    // Each master drops what both have: every op so far.
    const floor = await compact(m1)
    expect(floor[m1.nodeId]).toBe((await m1.cluster()).self.applied[m1.nodeId])
    await compact(m2)

    const r = await c.add({ name: 'late', role: 'replica' })
    await r.start()
    const state = await c.waitConverged(60_000)
    // 1,000 register keys (the deleted one's tombstone was collected, both masters had applied it;
    // its context stays) and the document.
    expect(state.keys).toBe(1001)
    expect(await (await fetch(`${m1.url}/metrics`)).text()).toMatch(/^swarmkv_tombstones_collected_total 1$/m)
    expect(await r.client.getText('st/3/249')).toBe('v3-249')
    expect(await r.client.get('st/0/0')).toBeUndefined()
    expect(await (await fetch(`${r.url}/docs/shared`)).json()).toEqual({ a: 1, b: 2, n: 5 })
    expect(await (await fetch(`${r.url}/metrics`)).text()).toMatch(/^swarmkv_replication_state_transfers_received_total [1-9]/m)
    // Streaming resumes above the snapshot.
    await m2.client.put('after/transfer', 'streamed')
    await c.waitConverged()
    expect(await r.client.getText('after/transfer')).toBe('streamed')
  })

  it('a member forgotten while away, back with its old data, drops the values deleted and collected without it', async () => {
    const c = await start()
    const [m1, m2, r1] = [c.node('m1'), c.node('m2'), c.node('r1')]
    await m1.client.put('zombie', 'alive')
    await c.waitConverged()
    await r1.stop()
    for (const m of [m1, m2]) expect((await fetch(`${m.url}/admin/members/${r1.nodeId}`, { method: 'DELETE' })).status).toBe(204)
    // Without r1 holding it back, the delete's tombstone is collected on both masters.
    await m1.client.del('zombie')
    await c.waitConverged()
    await waitUntil('both masters to collect the tombstone', async () => {
      for (const n of [m1, m2]) if (!(await collected(n))) await fetch(`${n.url}/admin/compact`, { method: 'POST' })
      return (await Promise.all([m1, m2].map(collected))).every(Boolean)
    })
    // r1 still holds 'zombie' = 'alive' and never saw the delete, which is gone from every log.
    await r1.start()
    const state = await c.waitConverged()
    expect(state.keys).toBe(1)
    expect(await r1.client.get('zombie')).toBeUndefined()
  })

  it('a replica restored from an older copy of its data loses the values deleted and collected since', async () => {
    const c = await start()
    const [m1, m2, r1] = [c.node('m1'), c.node('m2'), c.node('r1')]
    await m1.client.put('zombie', 'alive')
    await m1.client.put('stays', 'here')
    await c.waitConverged()
    await r1.stop()
    const backup = `${r1.dataDir}.backup`
    await cp(r1.dataDir, backup, { recursive: true })
    await r1.start()
    await m1.client.del('zombie')
    await c.waitConverged()
    // Once every member has acked the delete, each node's compaction collects its tombstone.
    await waitUntil('every node to collect the tombstone', async () => {
      for (const n of [m1, m2, r1]) if (!(await collected(n))) await fetch(`${n.url}/admin/compact`, { method: 'POST' })
      return (await Promise.all([m1, m2, r1].map(collected))).every(Boolean)
    })
    await r1.stop()
    await rm(r1.dataDir, { recursive: true })
    await cp(backup, r1.dataDir, { recursive: true })
    await r1.start()
    // The restored copy still holds 'zombie' = 'alive'. The state transfer it gets holds the key's
    // context (its tombstone was collected), which covers that write, so the replica drops it.
    const state = await c.waitConverged()
    expect(state.keys).toBe(2)
    expect(await r1.client.get('zombie')).toBeUndefined()
    expect(await r1.client.getText('stays')).toBe('here')
  })

  it('?w=N waits until N nodes applied the write, and says how many had it on timeout', async () => {
    const c = await start()
    const m1 = c.node('m1')
    const ok = await fetch(`${m1.url}/kv/quorum?w=3&timeout=10000`, { method: 'PUT', body: 'all' })
    expect(ok.status).toBe(201)
    expect(((await ok.json()) as { replicated: number }).replicated).toBe(3)
    // Right after the ack every node already has it: no wait is needed.
    expect(await c.node('r1').client.getText('quorum')).toBe('all')
    const short = await fetch(`${m1.url}/kv/quorum2?w=4&timeout=300`, { method: 'PUT', body: 'more than exist' })
    expect(short.status).toBe(504)
    const body = (await short.json()) as { error: string; replicated: number; tokens: string[] }
    expect(body.error).toBe('WAIT_TIMEOUT')
    expect(body.replicated).toBe(3)
    expect(await m1.client.getText('quorum2')).toBe('more than exist')
  })

  it('a replica redirects writes to a master of its own region with 307; a client following it succeeds', async () => {
    const c = await start([
      { name: 'm-eu', role: 'master', region: 'eu' },
      { name: 'm-us', role: 'master', region: 'us' },
      { name: 'r-us', role: 'replica', region: 'us' }
    ] as never)
    const r = c.node('r-us')
    const res = await fetch(`${r.url}/kv/redirected`, { method: 'PUT', body: 'x', redirect: 'manual' })
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe(`${c.node('m-us').url}/kv/redirected`)
    const tokens = await r.client.put('followed', 'yes')
    expect(tokens[0]!.startsWith(c.node('m-us').nodeId)).toBe(true)
    // read-your-writes through the replica with the client's token
    expect(await r.client.getText('followed')).toBe('yes')
  })
})

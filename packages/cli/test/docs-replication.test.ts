import { request, Agent } from 'node:http'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster } from '@swarmkv/testkit'
import { runLoad } from './load.js'

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/**
 * Patches per writer. 1,500 changes to one document are plenty to interleave the two masters; with
 * 200 (3,000 changes) the test took 35 s alone. Its time is CPU (Automerge changes about 3 ms each
 * on a document this size, on three processes), so on a loaded machine it scales with the load:
 * 81 s at a load average of 13 here, hence its own timeout.
 */
const STEPS = 100
const TIMEOUT_MS = 180_000

function send(url: string, method: string, path: string, body: unknown, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve) => {
    const req = request(new URL(path, url), { method, agent, headers: { 'content-type': contentType } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.end(JSON.stringify(body))
  })
}

describe('documents replicated between real processes', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  it('concurrent patches and increments on two masters converge to the same JSON everywhere', async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'm1' }, { name: 'm2' }, { name: 'r1', role: 'replica' }] })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    await cluster.waitConnected()
    const m1 = cluster.node('m1')
    const m2 = cluster.node('m2')
    expect(await send(m1.url, 'PUT', '/docs/profile', { shared: 'initial', hits: { $counter: 0 } })).toBe(201)
    await cluster.waitConverged()

    // 2 masters x 6 writers x 100 patches: each writer owns a field, every writer also writes the
    // shared field (same-field conflicts), and every 4th step increments the shared counter.
    const statuses: number[] = []
    await runLoad(12, STEPS, async (w, i) => {
      const node = w % 2 === 0 ? m1 : m2
      const patch = { [`field_${w}`]: { step: i, by: node.spec.name }, shared: `${node.spec.name}-${w}-${i}` }
      statuses.push(await send(node.url, 'PATCH', '/docs/profile', patch, 'application/merge-patch+json'))
      if (i % 4 === 0) statuses.push(await send(node.url, 'POST', '/docs/profile/increment', { path: ['hits'], by: w % 2 === 0 ? 1 : 2 }))
    })
    expect(statuses.every((s) => s === 200)).toBe(true)
    await cluster.waitConverged(60_000)

    const views = await Promise.all(cluster.running().map(async (n) => (await fetch(`${n.url}/docs/profile?conflicts=true`)).json() as Promise<{ doc: Record<string, unknown>; conflicts: Array<{ path: string[]; values: unknown[] }> }>))
    const [first] = views
    for (const v of views) expect(v).toEqual(first)
    for (let w = 0; w < 12; w++) expect(first!.doc[`field_${w}`]).toEqual({ step: STEPS - 1, by: w % 2 === 0 ? 'm1' : 'm2' })
    // 6 writers x 25 increments by 1 on m1, 6 x 25 by 2 on m2
    expect(first!.doc.hits).toBe(6 * (STEPS / 4) * 1 + 6 * (STEPS / 4) * 2)
    expect(typeof first!.doc.shared).toBe('string')

    // A same-field conflict made certain: m1 and m2 write `final` without seeing each other.
    const r1 = cluster.node('r1')
    await m2.stop()
    await r1.stop()
    expect(await send(m1.url, 'PATCH', '/docs/profile', { final: 'from m1' }, 'application/merge-patch+json')).toBe(200)
    await m1.stop()
    await m2.start()
    expect(await send(m2.url, 'PATCH', '/docs/profile', { final: 'from m2' }, 'application/merge-patch+json')).toBe(200)
    await m1.start()
    await r1.start()
    await cluster.waitConverged(60_000)
    const after = await Promise.all(cluster.running().map(async (n) => (await fetch(`${n.url}/docs/profile?conflicts=true`)).json() as Promise<{ doc: Record<string, unknown>; conflicts: Array<{ path: string[]; values: unknown[] }> }>))
    for (const v of after) expect(v).toEqual(after[0])
    const final = after[0]!.conflicts.find((c) => c.path.join('/') === 'final')
    expect(final?.values).toHaveLength(2)
    expect(new Set(final!.values)).toEqual(new Set(['from m1', 'from m2']))
    expect(after[0]!.doc.final).toBe(final!.values[0])
  }, TIMEOUT_MS)
})

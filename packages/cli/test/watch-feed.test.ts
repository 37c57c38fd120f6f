import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { EventSource } from 'eventsource'
import { Cluster, waitUntil, type NodeProcess } from '@swarmkv/testkit'

interface Seen { type: string; id: string; data: Record<string, unknown> }

/** A real EventSource client recording every event; it reconnects by itself with Last-Event-ID. */
function watch(url: string, headers: Record<string, string> = {}) {
  const seen: Seen[] = []
  let opens = 0
  const es = new EventSource(url, {
    fetch: (input, init) => { opens++; return fetch(input, { ...init, headers: { ...init.headers, ...headers } }) }
  })
  for (const type of ['ready', 'change', 'reset', 'cutoff']) {
    es.addEventListener(type, (e) => { seen.push({ type, id: e.lastEventId, data: JSON.parse(e.data) as Record<string, unknown> }) })
  }
  return {
    es, seen,
    get opens() { return opens },
    changes: () => seen.filter((s) => s.type === 'change'),
    until: (what: string, pred: () => boolean, ms = 30_000) => waitUntil(what, async () => pred(), ms)
  }
}

const put = (n: NodeProcess, key: string, value: string) =>
  fetch(`${n.url}/kv/${encodeURIComponent(key)}`, { method: 'PUT', body: value, headers: { 'content-type': 'text/plain' } })

function rssKiB(n: NodeProcess): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${n.child!.pid}/status`, 'utf8'))
  return Number(m![1])
}

describe('the change feed across two masters and a replica (real processes, real EventSource)', () => {
  let c: Cluster
  let m1: NodeProcess, m2: NodeProcess, r1: NodeProcess
  const sources: EventSource[] = []
  beforeAll(async () => {
    c = await Cluster.start({ nodes: [{ name: 'm1' }, { name: 'm2' }, { name: 'r1', role: 'replica' }] })
    await c.waitConnected()
    m1 = c.node('m1'); m2 = c.node('m2'); r1 = c.node('r1')
  }, 90_000)
  let failed = false
  afterAll(async () => {
    for (const es of sources) es.close()
    await c.stop({ keepLogs: failed })
  })
  const keepLogs = () => onTestFailed(() => { failed = true })

  it('a watcher on the replica sees writes made on either master, registers and documents', async () => {
    keepLogs()
    const w = watch(`${r1.url}/watch?prefix=a%2F`)
    sources.push(w.es)
    await w.until('ready', () => w.seen.some((s) => s.type === 'ready'))
    const t1 = (await put(m1, 'a/1', 'from m1')).headers.get('x-write-token')
    const t2 = (await put(m2, 'a/2', 'from m2')).headers.get('x-write-token')
    await fetch(`${m2.url}/docs/a%2Fdoc`, { method: 'PUT', body: '{"n":1}', headers: { 'content-type': 'application/json' } })
    await put(m1, 'b/ignored', 'x')
    await w.until('3 changes on r1', () => w.changes().length >= 3)
    const byKey = new Map(w.changes().map((e) => [e.data.key, e.data]))
    expect(byKey.get('a/1')).toMatchObject({ kind: 'kv', value: 'from m1', token: t1 })
    expect(byKey.get('a/2')).toMatchObject({ kind: 'kv', value: 'from m2', token: t2 })
    expect(byKey.get('a/doc')).toMatchObject({ kind: 'doc', value: { n: 1 } })
    expect(w.changes()).toHaveLength(3)
    w.es.close()
  })

  it('a reconnect with Last-Event-ID misses nothing and repeats nothing', async () => {
    keepLogs()
    const w1 = watch(`${m1.url}/watch?prefix=r%2F`)
    sources.push(w1.es)
    await w1.until('ready', () => w1.seen.some((s) => s.type === 'ready'))
    for (let i = 0; i < 10; i++) await put(i % 2 === 0 ? m1 : m2, `r/${i}`, `v${i}`)
    await w1.until('10 changes', () => w1.changes().length === 10)
    const at = w1.changes()[4]!
    w1.es.close()
    for (let i = 10; i < 20; i++) await put(i % 2 === 0 ? m1 : m2, `r/${i}`, `v${i}`)
    // The resume point is a vector of dots: it resumes on another node as well.
    for (const node of [m1, m2, r1]) {
      const w2 = watch(`${node.url}/watch?prefix=r%2F`, { 'last-event-id': at.id })
      sources.push(w2.es)
      await w2.until(`15 changes on ${node.spec.name}`, () => w2.changes().length >= 15)
      const keys = w2.changes().map((e) => e.data.key as string)
      expect(new Set(keys).size, node.spec.name).toBe(keys.length)
      expect(new Set(keys), node.spec.name).toEqual(new Set(Array.from({ length: 15 }, (_, i) => `r/${i + 5}`)))
      w2.es.close()
    }
  })

  it('a node restart: the same EventSource reconnects by itself and resumes with no gap and no duplicate', async () => {
    keepLogs()
    const w = watch(`${r1.url}/watch?prefix=s%2F`)
    sources.push(w.es)
    await w.until('ready', () => w.seen.some((s) => s.type === 'ready'))
    for (let i = 0; i < 5; i++) await put(m1, `s/${i}`, `v${i}`)
    await w.until('5 changes', () => w.changes().length === 5)
    await r1.stop()
    for (let i = 5; i < 10; i++) await put(i % 2 === 0 ? m1 : m2, `s/${i}`, `v${i}`)
    await r1.start()
    for (let i = 10; i < 12; i++) await put(m2, `s/${i}`, `v${i}`)
    await w.until('12 changes after the restart', () => w.changes().length >= 12, 40_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; opens ${w.opens}; seen ${JSON.stringify(w.seen.map((x) => [x.type, x.data.key]))}`)
    })
    expect(w.opens).toBeGreaterThanOrEqual(2)
    expect(w.changes().map((e) => e.data.key).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `s/${i}`).sort())
    w.es.close()
  })

  it('compaction past a resume point gives a reset event', async () => {
    keepLogs()
    const w1 = watch(`${m1.url}/watch?prefix=c%2F`)
    sources.push(w1.es)
    await w1.until('ready', () => w1.seen.some((s) => s.type === 'ready'))
    await put(m1, 'c/1', 'one')
    await w1.until('1 change', () => w1.changes().length === 1)
    const old = w1.changes()[0]!.id
    w1.es.close()
    await put(m1, 'c/2', 'two')
    await put(m2, 'c/3', 'three')
    await c.waitConverged()
    // Every member has applied everything: the log drops it all.
    await waitUntil('compaction of m1\'s log above the resume point', async () => {
      const { floor } = await (await fetch(`${m1.url}/admin/compact`, { method: 'POST' })).json() as { floor: Record<string, number> }
      return floor[m1.nodeId] !== undefined && floor[m1.nodeId]! >= 2
    })
    const w2 = watch(`${m1.url}/watch?prefix=c%2F`, { 'last-event-id': old })
    sources.push(w2.es)
    await w2.until('reset', () => w2.seen.some((s) => s.type === 'reset'))
    expect(w2.seen[0]).toMatchObject({ type: 'reset', data: { reason: 'COMPACTED' } })
    w2.es.close()
  })

  it('a stalled reader is cut off while the node\'s memory stays flat', async () => {
    keepLogs()
    // One node of its own, standalone: no peers to replicate to, so the writes are quick and
    // what the node holds is its own (caches, heap) plus whatever the watcher costs.
    const solo = await Cluster.start({ secret: null, nodes: [{ name: 'solo' }] })
    try {
      const n = solo.node('solo')
      // Values over 8 keys: the value cache stays small. 1 MiB a batch, 16 events of 64 KiB.
      const value = 'x'.repeat(64 * 1024)
      const write = async (mib: number) => {
        for (let b = 0; b < mib; b++) {
          const ops = Array.from({ length: 16 }, (_, i) => ({ op: 'put', key: `big/${i % 8}`, value }))
          const res = await fetch(`${n.url}/batch`, { method: 'POST', body: JSON.stringify({ ops }), headers: { 'content-type': 'application/json' } })
          expect(res.status).toBe(200)
        }
      }
      // First without a watcher: the heap and caches grow to what this load needs.
      const cold = rssKiB(n)
      await write(64)
      // The reader asks for the feed and then never reads.
      const s = connect(n.httpPort, '127.0.0.1')
      s.pause()
      await new Promise<void>((r) => s.once('connect', () => r()))
      s.write('GET /watch?prefix=big%2F HTTP/1.1\r\nHost: x\r\n\r\n')
      await new Promise((r) => setTimeout(r, 200))
      const before = rssKiB(n)
      await write(128)
      const after = rssKiB(n)
      process.stderr.write(`watch-feed: resident ${Math.round(cold / 1024)} MiB at start, ${Math.round(before / 1024)} MiB after 64 MiB of writes without a watcher, ${Math.round(after / 1024)} MiB after 128 MiB more with a stalled watcher (${Math.round((after - before) / 1024)} MiB growth; the events came to 170 MiB)\n`)
      const closed = new Promise<void>((r) => s.once('close', () => r()))
      let got = 0
      let text = ''
      s.on('data', (chunk: Buffer) => { got += chunk.length; if (text.length < 1 << 20) text += chunk.toString('latin1') })
      s.resume()
      await closed
      // The node closed it and sent a small part of the events (what the socket buffers held).
      expect(text).toContain('text/event-stream')
      expect(got).toBeLessThan(32 * 1024 * 1024)
      // Buffering every event for it would have taken 170 MiB.
      expect(after - before).toBeLessThan(48 * 1024)
    } finally {
      await solo.stop()
    }
  })
})

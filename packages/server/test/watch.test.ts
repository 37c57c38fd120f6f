import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { EventSource } from 'eventsource'
import { listeningNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof listeningNode>>

interface Seen { type: string; id: string; data: Record<string, unknown> }

/** A real EventSource client that records every event it gets. */
function watch(url: string, headers: Record<string, string> = {}) {
  const seen: Seen[] = []
  const waiters: Array<() => void> = []
  const es = new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }) })
  for (const type of ['ready', 'change', 'reset', 'cutoff', 'progress']) {
    es.addEventListener(type, (e) => {
      seen.push({ type, id: e.lastEventId, data: JSON.parse(e.data) as Record<string, unknown> })
      for (const w of waiters.splice(0)) w()
    })
  }
  const until = async (what: string, pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; seen ${JSON.stringify(seen.map((s) => s.type))}`)
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50) })
    }
  }
  return { es, seen, until, changes: () => seen.filter((s) => s.type === 'change') }
}

describe('GET /watch (one real node, a real EventSource)', () => {
  let n: Node
  const open: EventSource[] = []
  beforeEach(async () => { n = await listeningNode() })
  afterEach(async () => {
    for (const es of open.splice(0)) es.close()
    await n.close()
  })
  const put = (key: string, body: string) => n.fetch(`/kv/${encodeURIComponent(key)}`, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } })

  it('streams every change to matching keys and documents: key, kind, value or tombstone, siblings, token', async () => {
    const w = watch(`${n.base}/watch?prefix=app%2F`)
    open.push(w.es)
    await w.until('ready', () => w.seen.some((s) => s.type === 'ready'))
    const t1 = (await put('app/a', 'one')).headers.get('x-write-token')
    await put('other', 'not mine')
    await n.fetch('/docs/app%2Fd', { method: 'PUT', body: '{"x":1}', headers: { 'content-type': 'application/json' } })
    await n.fetch('/kv/app%2Fa', { method: 'DELETE' })
    await n.fetch('/kv/app%2Fbin', { method: 'PUT', body: new Uint8Array([0xff, 0x00]), headers: { 'content-type': 'application/octet-stream' } })
    await w.until('4 changes', () => w.changes().length === 4)
    const [a, d, del, bin] = w.changes().map((c) => c.data)
    expect(a).toEqual({ key: 'app/a', kind: 'kv', token: t1, deleted: false, siblings: expect.any(Number), contentType: 'text/plain', encoding: 'utf8', value: 'one' })
    expect(d).toMatchObject({ key: 'app/d', kind: 'doc', deleted: false, siblings: 1, value: { x: 1 } })
    expect(del).toMatchObject({ key: 'app/a', kind: 'kv', deleted: true, siblings: 0 })
    expect(bin).toMatchObject({ key: 'app/bin', encoding: 'base64', value: Buffer.from([0xff, 0x00]).toString('base64') })
    // Ids move forward and are distinct resume points.
    const ids = w.changes().map((c) => c.id)
    expect(new Set(ids).size).toBe(4)
  })

  it('resuming with Last-Event-ID replays exactly what was missed: no gap, no duplicate', async () => {
    const w1 = watch(`${n.base}/watch`)
    open.push(w1.es)
    await w1.until('ready', () => w1.seen.some((s) => s.type === 'ready'))
    for (let i = 0; i < 5; i++) await put(`k${i}`, `v${i}`)
    await w1.until('5 changes', () => w1.changes().length === 5)
    const resumeAt = w1.changes()[2]!.id
    w1.es.close()
    for (let i = 5; i < 9; i++) await put(`k${i}`, `v${i}`)
    const w2 = watch(`${n.base}/watch`, { 'last-event-id': resumeAt })
    open.push(w2.es)
    await w2.until('6 changes', () => w2.changes().length >= 6)
    await put('k9', 'v9')
    await w2.until('7 changes', () => w2.changes().length >= 7)
    expect(w2.changes().map((c) => c.data.key)).toEqual(['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'])
    // ?after= does the same.
    const w3 = watch(`${n.base}/watch?after=${encodeURIComponent(resumeAt)}`)
    open.push(w3.es)
    await w3.until('7 changes', () => w3.changes().length >= 7)
    expect(w3.changes().map((c) => c.data.key)).toEqual(['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'])
  })

  it('a resume point below the compacted log gives a reset event, then live changes', async () => {
    const w1 = watch(`${n.base}/watch`)
    open.push(w1.es)
    await w1.until('ready', () => w1.seen.some((s) => s.type === 'ready'))
    await put('a', '1')
    await w1.until('1 change', () => w1.changes().length === 1)
    const old = w1.changes()[0]!.id
    w1.es.close()
    await put('b', '2')
    expect((await n.fetch('/admin/compact', { method: 'POST' })).status).toBe(200)
    const w2 = watch(`${n.base}/watch`, { 'last-event-id': old })
    open.push(w2.es)
    await w2.until('reset', () => w2.seen.some((s) => s.type === 'reset'))
    expect(w2.seen[0]).toMatchObject({ type: 'reset', data: { reason: 'COMPACTED' } })
    await put('c', '3')
    await w2.until('a change after the reset', () => w2.changes().length === 1)
    expect(w2.changes()[0]!.data.key).toBe('c')
  })

  it('closing the node ends open streams with a SHUTDOWN cut-off instead of waiting for them', async () => {
    const w = watch(`${n.base}/watch`)
    open.push(w.es)
    await w.until('ready', () => w.seen.some((s) => s.type === 'ready'))
    const t0 = Date.now()
    await n.app.close()
    expect(Date.now() - t0).toBeLessThan(3000)
    await w.until('cutoff', () => w.seen.some((s) => s.type === 'cutoff'))
    expect(w.seen.find((s) => s.type === 'cutoff')!.data.reason).toBe('SHUTDOWN')
  })

  it('refuses a malformed event id with 400 BAD_EVENT_ID', async () => {
    const r = await n.fetch('/watch', { headers: { 'last-event-id': 'garbage' } })
    expect(r.status).toBe(400)
    expect((await r.json()).error).toBe('BAD_EVENT_ID')
  })

  it('sends heartbeats to an idle stream', async () => {
    await n.close()
    n = await listeningNode({ watch: { heartbeatMs: 50 } })
    const text = await readFor(n.port, 'GET /watch HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    expect(text).toContain('text/event-stream')
    expect(text.split(': heartbeat').length - 1).toBeGreaterThanOrEqual(2)
  })

  it('cuts a stalled reader off once it is a bounded number of bytes behind, and closes its connection', async () => {
    await n.close()
    // A long grace: this reader reads again later and is to see why it was cut off.
    n = await listeningNode({ watch: { maxBufferedBytes: 256 * 1024, cutoffGraceMs: 30_000 } })
    // A reader that never reads: the socket is paused from the start.
    const s = connect(n.port, '127.0.0.1')
    s.pause()
    await new Promise<void>((r) => s.once('connect', () => r()))
    s.write('GET /watch HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise((r) => setTimeout(r, 100))
    const value = 'x'.repeat(16 * 1024)
    for (let i = 0; i < 400; i++) await put(`big/${i}`, value) // 6.4 MB of events, far past the bound
    const closed = new Promise<void>((r) => s.once('close', () => r()))
    s.resume()
    let got = ''
    s.on('data', (c: Buffer) => { got += c.toString() })
    await closed
    // The node gave up on it: it was told why, and got far less than was written.
    expect(got).toContain('event: cutoff')
    expect(got).toContain('SLOW_WATCHER')
    // (What the kernel's socket buffers held still arrived; the node's own buffer was bounded.)
    expect(got.split('event: change').length - 1).toBeLessThan(400)
  })

  it('cuts off the watcher furthest behind once all of them together hold more than the node-wide budget', async () => {
    await n.close()
    // Each watcher alone may hold 64 MiB; together only 512 KiB.
    n = await listeningNode({ watch: { maxBufferedBytes: 64 * 1024 * 1024, maxTotalBufferedBytes: 512 * 1024, cutoffGraceMs: 30_000 } })
    const stalled = await Promise.all([0, 1].map(async () => {
      const s = connect(n.port, '127.0.0.1')
      s.pause()
      await new Promise<void>((r) => s.once('connect', () => r()))
      s.write('GET /watch HTTP/1.1\r\nHost: x\r\n\r\n')
      return s
    }))
    await new Promise((r) => setTimeout(r, 100))
    // 25 MB of events each: far more than the kernel's socket buffers of two connections take.
    const value = 'x'.repeat(256 * 1024)
    for (let i = 0; i < 100; i++) await put(`big/${i}`, value)
    const got = await Promise.all(stalled.map(async (s) => {
      let text = ''
      const closed = new Promise<void>((r) => s.once('close', () => r()))
      s.on('data', (c: Buffer) => { text += c.toString() })
      s.resume()
      await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))])
      s.destroy()
      return text
    }))
    const cut = got.filter((t) => t.includes('event: cutoff'))
    expect(cut.length).toBeGreaterThanOrEqual(1)
    for (const t of cut) expect(t).toMatch(/SLOW_WATCHER.*together/)
  })
})

function readFor(port: number, request: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const s = connect(port, '127.0.0.1', () => s.write(request))
    s.on('data', (c) => { out += c.toString() })
    s.on('error', reject)
    setTimeout(() => { s.destroy(); resolve(out) }, ms)
  })
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { kv, makeNode, NODE } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

describe('register API', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => { await n.close() })

  it('PUT then GET returns the value, its content type and causal headers', async () => {
    const put = await n.app.inject({ method: 'PUT', url: kv('greeting'), payload: 'hello', headers: { 'content-type': 'text/plain' } })
    expect(put.statusCode).toBe(201)
    expect(put.headers.location).toBe('/kv/greeting')
    expect(put.headers['x-write-token']).toBe(`${NODE}:1`)
    expect(put.json()).toEqual({ tokens: [`${NODE}:1`] })
    const get = await n.app.inject({ method: 'GET', url: kv('greeting') })
    expect(get.statusCode).toBe(200)
    expect(get.body).toBe('hello')
    expect(get.headers['content-type']).toBe('text/plain')
    expect(get.headers['x-context']).toBe(`${NODE}:1`)
    expect(get.headers['x-siblings']).toBe('1')
    expect(get.headers.etag).toMatch(/^"[0-9a-f]{16}"$/)
  })

  it('round-trips random binary values byte-exact', async () => {
    for (const size of [0, 1, 255, 65_536, 1024 * 1024]) {
      const bytes = randomBytes(size)
      const put = await n.app.inject({ method: 'PUT', url: kv(`bin/${size}`), payload: bytes, headers: { 'content-type': 'application/octet-stream' } })
      expect(put.statusCode).toBe(201)
      const get = await n.app.inject({ method: 'GET', url: kv(`bin/${size}`) })
      expect(get.statusCode).toBe(200)
      expect(Buffer.compare(get.rawPayload, bytes)).toBe(0)
      expect(get.headers['content-type']).toBe('application/octet-stream')
    }
  })

  it('accepts keys with slashes, spaces, reserved characters and non-ASCII letters', async () => {
    const keys = ['a/b/c', 'with space', 'ünïcödé/日本語', 'q?x=1&y#z', '100%', 'emoji 🚀', '/leading']
    for (const key of keys) {
      expect((await n.app.inject({ method: 'PUT', url: kv(key), payload: key })).statusCode).toBe(201)
    }
    for (const key of keys) {
      const get = await n.app.inject({ method: 'GET', url: kv(key) })
      expect(get.statusCode).toBe(200)
      expect(get.body).toBe(key)
    }
    const list = await n.app.inject({ method: 'GET', url: '/kv?limit=100' })
    expect(list.json().keys).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
  })

  it('a write with an older context keeps the value it had not seen as a sibling', async () => {
    await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'one' })
    const first = await n.app.inject({ method: 'GET', url: kv('k') })
    await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'two' })
    const stale = await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'three', headers: { 'x-context': first.headers['x-context'] as string } })
    expect(stale.statusCode).toBe(200)
    const get = await n.app.inject({ method: 'GET', url: kv('k') })
    expect(get.headers['x-siblings']).toBe('2')
    expect(get.body).toBe('three')
    const sibs = await n.app.inject({ method: 'GET', url: `${kv('k')}?siblings=true` })
    expect(sibs.json().siblings.map((s: { value: string }) => s.value)).toEqual(['three', 'two'])
    // A write carrying the full context resolves the conflict.
    const resolved = await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'merged', headers: { 'x-context': get.headers['x-context'] as string } })
    expect(resolved.statusCode).toBe(200)
    expect((await n.app.inject({ method: 'GET', url: kv('k') })).headers['x-siblings']).toBe('1')
  })

  it('siblings=true reports binary values as base64', async () => {
    await n.app.inject({ method: 'PUT', url: kv('b'), payload: Buffer.from([0xff, 0x00, 0xfe]) })
    const res = await n.app.inject({ method: 'GET', url: `${kv('b')}?siblings=true` })
    const [s] = res.json().siblings
    expect(s).toMatchObject({ encoding: 'base64', value: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), deleted: false, dot: `${NODE}:1` })
  })

  it('DELETE writes a tombstone: the key reads 404 and leaves listings', async () => {
    await n.app.inject({ method: 'PUT', url: kv('gone'), payload: 'x' })
    await n.app.inject({ method: 'PUT', url: kv('kept'), payload: 'y' })
    const del = await n.app.inject({ method: 'DELETE', url: kv('gone') })
    expect(del.statusCode).toBe(200)
    const get = await n.app.inject({ method: 'GET', url: kv('gone') })
    expect(get.statusCode).toBe(404)
    expect(get.json().error).toBe('NOT_FOUND')
    expect((await n.app.inject({ method: 'GET', url: '/kv' })).json()).toEqual({ keys: ['kept'], next: null })
  })

  it('If-Match makes a write conditional on the current state', async () => {
    await n.app.inject({ method: 'PUT', url: kv('c'), payload: '1' })
    const etag = (await n.app.inject({ method: 'GET', url: kv('c') })).headers.etag as string
    expect((await n.app.inject({ method: 'PUT', url: kv('c'), payload: '2', headers: { 'if-match': etag } })).statusCode).toBe(200)
    const stale = await n.app.inject({ method: 'PUT', url: kv('c'), payload: '3', headers: { 'if-match': etag } })
    expect(stale.statusCode).toBe(412)
    expect(stale.json().error).toBe('PRECONDITION_FAILED')
    expect((await n.app.inject({ method: 'GET', url: kv('c') })).body).toBe('2')
    expect((await n.app.inject({ method: 'PUT', url: kv('new'), payload: 'x', headers: { 'if-match': '*' } })).statusCode).toBe(412)
  })

  it('lists keys in order, paged, with a prefix', async () => {
    for (const k of ['p/3', 'p/1', 'q/1', 'p/2']) await n.app.inject({ method: 'PUT', url: kv(k), payload: k })
    const page1 = (await n.app.inject({ method: 'GET', url: '/kv?prefix=p/&limit=2' })).json()
    expect(page1).toEqual({ keys: ['p/1', 'p/2'], next: 'p/2' })
    const page2 = (await n.app.inject({ method: 'GET', url: `/kv?prefix=p/&limit=2&after=${encodeURIComponent(page1.next)}` })).json()
    expect(page2).toEqual({ keys: ['p/3'], next: null })
  })

  it('X-After waits for a write this node has applied, and 504s for one it has not', async () => {
    const put = await n.app.inject({ method: 'PUT', url: kv('r'), payload: 'v' })
    const ok = await n.app.inject({ method: 'GET', url: kv('r'), headers: { 'x-after': put.headers['x-write-token'] as string } })
    expect(ok.statusCode).toBe(200)
    const later = await n.app.inject({ method: 'GET', url: `${kv('r')}?wait=50`, headers: { 'x-after': `${NODE}:99` } })
    expect(later.statusCode).toBe(504)
    expect(later.json().error).toBe('WAIT_TIMEOUT')
  })

  it('a replica with no known master answers writes with 503 NO_MASTER; read-only answers 503 READ_ONLY', async () => {
    n.control.role = 'replica'
    const r = await n.app.inject({ method: 'PUT', url: kv('x'), payload: 'v' })
    expect(r.statusCode).toBe(503)
    expect(r.json().error).toBe('NO_MASTER')
    n.control.role = 'master'
    n.control.readOnly = true
    const ro = await n.app.inject({ method: 'DELETE', url: kv('x') })
    expect(ro.statusCode).toBe(503)
    expect(ro.json().error).toBe('READ_ONLY')
    expect(n.engine.seq).toBe(0)
  })

  it('health, ready, cluster and metrics answer', async () => {
    expect((await n.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok', version: '0.0.0-test' })
    expect((await n.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
    await n.app.inject({ method: 'PUT', url: kv('m'), payload: 'v' })
    const cluster = (await n.app.inject({ method: 'GET', url: '/cluster' })).json()
    expect(cluster.self).toMatchObject({ nodeId: NODE, role: 'master', seq: 1, applied: { [NODE]: 1 } })
    const metrics = await n.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toContain('swarmkv_local_ops_total 1')
  })
})

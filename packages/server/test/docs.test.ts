import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeNode, NODE } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>
const doc = (key: string) => `/docs/${encodeURIComponent(key)}`
const patchHeaders = { 'content-type': 'application/merge-patch+json' }

describe('document API', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => { await n.close() })

  it('PUT stores a JSON document and GET returns it', async () => {
    const put = await n.app.inject({ method: 'PUT', url: doc('users/1'), payload: { name: 'Ada', tags: ['a', 'b'], address: { city: 'Paris' } } })
    expect(put.statusCode).toBe(201)
    expect(put.headers['x-write-token']).toBe(`${NODE}:1`)
    const get = await n.app.inject({ method: 'GET', url: doc('users/1') })
    expect(get.json()).toEqual({ name: 'Ada', tags: ['a', 'b'], address: { city: 'Paris' } })
  })

  it('PATCH applies an RFC 7396 merge patch: nested merge, null removal, lists and strings replaced', async () => {
    await n.app.inject({ method: 'PUT', url: doc('d'), payload: { a: 1, keep: true, nested: { x: 1, y: 2 }, list: [1, 2, 3], s: 'old' } })
    const res = await n.app.inject({ method: 'PATCH', url: doc('d'), headers: patchHeaders, payload: JSON.stringify({ a: null, nested: { y: null, z: 3 }, list: [9], s: 'new', added: { deep: { v: 1 } } }) })
    expect(res.statusCode).toBe(200)
    expect((await n.app.inject({ method: 'GET', url: doc('d') })).json()).toEqual({ keep: true, nested: { x: 1, z: 3 }, list: [9], s: 'new', added: { deep: { v: 1 } } })
  })

  it('PUT replaces the whole root', async () => {
    await n.app.inject({ method: 'PUT', url: doc('r'), payload: { a: 1, b: 2 } })
    await n.app.inject({ method: 'PUT', url: doc('r'), payload: { c: 3 } })
    expect((await n.app.inject({ method: 'GET', url: doc('r') })).json()).toEqual({ c: 3 })
  })

  it('counters: created with {"$counter": n}, incremented by path', async () => {
    await n.app.inject({ method: 'PUT', url: doc('c'), payload: { stats: { views: { $counter: 10 } }, name: 'x' } })
    const inc = await n.app.inject({ method: 'POST', url: `${doc('c')}/increment`, payload: { path: ['stats', 'views'], by: 5 } })
    expect(inc.statusCode).toBe(200)
    await n.app.inject({ method: 'POST', url: `${doc('c')}/increment`, payload: { path: ['stats', 'views'] } })
    expect((await n.app.inject({ method: 'GET', url: doc('c') })).json()).toEqual({ stats: { views: 16 }, name: 'x' })
    const bad = await n.app.inject({ method: 'POST', url: `${doc('c')}/increment`, payload: { path: ['name'], by: 1 } })
    expect(bad.statusCode).toBe(409)
    expect(bad.json().error).toBe('NOT_A_COUNTER')
    const missing = await n.app.inject({ method: 'POST', url: `${doc('c')}/increment`, payload: { path: ['nope', 'x'], by: 1 } })
    expect(missing.json().error).toBe('NOT_A_COUNTER')
  })

  it('DELETE makes the document read 404; a later PUT brings it back', async () => {
    await n.app.inject({ method: 'PUT', url: doc('gone'), payload: { a: 1 } })
    expect((await n.app.inject({ method: 'DELETE', url: doc('gone') })).statusCode).toBe(200)
    expect((await n.app.inject({ method: 'GET', url: doc('gone') })).statusCode).toBe(404)
    expect((await n.app.inject({ method: 'DELETE', url: doc('gone') })).statusCode).toBe(404)
    await n.app.inject({ method: 'PUT', url: doc('gone'), payload: { b: 2 } })
    expect((await n.app.inject({ method: 'GET', url: doc('gone') })).json()).toEqual({ b: 2 })
  })

  it('a change that changes nothing writes no op', async () => {
    await n.app.inject({ method: 'PUT', url: doc('same'), payload: { a: 1 } })
    const again = await n.app.inject({ method: 'PATCH', url: doc('same'), headers: patchHeaders, payload: '{"a":1}' })
    expect(again.json()).toEqual({ tokens: [] })
    expect(n.engine.seq).toBe(1)
  })

  describe('bad input: 4xx, JSON error, nothing changed', () => {
    const bad: Array<[string, Record<string, unknown>, number, string]> = [
      ['a non-object PUT body', { method: 'PUT', url: doc('b'), payload: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'BAD_DOCUMENT'],
      ['a scalar PUT body', { method: 'PUT', url: doc('b'), payload: '42', headers: { 'content-type': 'application/json' } }, 400, 'BAD_DOCUMENT'],
      ['a patch that is not JSON', { method: 'PATCH', url: doc('b'), payload: '{"a": ', headers: patchHeaders }, 400, 'BAD_JSON'],
      ['a patch that is not an object', { method: 'PATCH', url: doc('b'), payload: '"x"', headers: patchHeaders }, 400, 'BAD_PATCH'],
      ['a text/plain body', { method: 'PATCH', url: doc('b'), payload: '{}', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a bad counter', { method: 'PUT', url: doc('b'), payload: { c: { $counter: 1.5 } } }, 400, 'BAD_DOCUMENT'],
      ['the reserved key', { method: 'PUT', url: doc('b'), payload: { '\u0000deleted': true } }, 400, 'BAD_DOCUMENT'],
      ['a document over the size limit', { method: 'PUT', url: doc('b'), payload: { big: 'x'.repeat(1024 * 1024 + 10) } }, 413, 'DOCUMENT_TOO_LARGE'],
      ['an increment without a path', { method: 'POST', url: `${doc('b')}/increment`, payload: { by: 1 } }, 400, 'BAD_DOCUMENT'],
      ['an increment by a fraction', { method: 'POST', url: `${doc('b')}/increment`, payload: { path: ['c'], by: 0.5 } }, 400, 'BAD_DOCUMENT'],
      ['a POST that is not an increment', { method: 'POST', url: doc('b'), payload: { path: ['c'] } }, 404, 'NOT_FOUND'],
      ['a missing document', { method: 'GET', url: doc('absent') }, 404, 'NOT_FOUND']
    ]
    for (const [name, req, status, code] of bad) {
      it(name, async () => {
        await n.app.inject({ method: 'PUT', url: doc('b'), payload: { c: { $counter: 1 }, keep: 'me' } })
        const seq = n.engine.seq
        const res = await n.app.inject(req as never)
        expect(res.statusCode).toBe(status)
        expect(res.json().error).toBe(code)
        expect(n.engine.seq).toBe(seq)
        expect((await n.app.inject({ method: 'GET', url: doc('b') })).json()).toEqual({ c: 1, keep: 'me' })
      })
    }
  })
})

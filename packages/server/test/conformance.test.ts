import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { listeningNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof listeningNode>>

/**
 * RFC 9110 / 6750 conformance of a real listening node, over real HTTP: every case of
 * docs/HTTP-API.md's "HTTP semantics" section.
 */
describe('HTTP conformance (real listening node)', () => {
  let n: Node
  beforeAll(async () => { n = await listeningNode() })
  afterAll(async () => { await n.close() })

  const put = (path: string, body: string, headers: Record<string, string> = {}) =>
    n.fetch(path, { method: 'PUT', body, headers: { 'content-type': 'text/plain', ...headers } })
  const putDoc = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    n.fetch(path, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })

  describe('registers', () => {
    it('a PUT that creates answers 201 with Location; one that replaces answers 200; both carry the new ETag', async () => {
      const created = await put('/kv/c%2F1', 'a')
      expect(created.status).toBe(201)
      expect(created.headers.get('location')).toBe('/kv/c%2F1')
      const etag1 = created.headers.get('etag')
      expect(etag1).toMatch(/^"[0-9a-f]{16}"$/)
      const replaced = await put('/kv/c%2F1', 'b')
      expect(replaced.status).toBe(200)
      expect(replaced.headers.get('location')).toBeNull()
      expect(replaced.headers.get('etag')).not.toBe(etag1)
      const get = await n.fetch('/kv/c%2F1')
      expect(get.headers.get('etag')).toBe(replaced.headers.get('etag'))
      // A deleted key is created again.
      expect((await n.fetch('/kv/c%2F1', { method: 'DELETE' })).status).toBe(200)
      expect((await put('/kv/c%2F1', 'c')).status).toBe(201)
    })

    it('HEAD carries the same ETag and headers as GET, without a body', async () => {
      await put('/kv/h', 'hello')
      const get = await n.fetch('/kv/h')
      const head = await n.fetch('/kv/h', { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.headers.get('etag')).toBe(get.headers.get('etag'))
      expect(head.headers.get('x-context')).toBe(get.headers.get('x-context'))
      expect(await head.text()).toBe('')
    })

    it('If-None-Match: * refuses to overwrite an existing key (412) and creates a new one (201)', async () => {
      await put('/kv/inm', 'first')
      const refused = await put('/kv/inm', 'second', { 'if-none-match': '*' })
      expect(refused.status).toBe(412)
      expect((await refused.json()).error).toBe('PRECONDITION_FAILED')
      expect(await (await n.fetch('/kv/inm')).text()).toBe('first')
      expect((await put('/kv/inm-new', 'x', { 'if-none-match': '*' })).status).toBe(201)
    })

    it('a GET or HEAD whose If-None-Match matches (weakly, in a list) answers 304 with the ETag; otherwise 200', async () => {
      const etag = (await put('/kv/cond', 'v')).headers.get('etag')!
      for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
        for (const method of ['GET', 'HEAD']) {
          const r = await n.fetch('/kv/cond', { method, headers: { 'if-none-match': inm } })
          expect(r.status, `${method} If-None-Match: ${inm}`).toBe(304)
          expect(r.headers.get('etag')).toBe(etag)
          expect(await r.text()).toBe('')
        }
      }
      const other = await n.fetch('/kv/cond', { headers: { 'if-none-match': '"0000000000000000"' } })
      expect(other.status).toBe(200)
      expect(await other.text()).toBe('v')
      // If-None-Match: * on a key that does not exist: the precondition holds, the GET answers 404.
      expect((await n.fetch('/kv/cond-absent', { headers: { 'if-none-match': '*' } })).status).toBe(404)
    })

    it('If-Match compares strongly: an unknown tag is 412 (not 400), a list holding the current tag applies, W/ never matches', async () => {
      const etag = (await put('/kv/im', '1')).headers.get('etag')!
      const unknown = await put('/kv/im', '2', { 'if-match': '"abc"' })
      expect(unknown.status).toBe(412)
      expect(await unknown.json()).toMatchObject({ error: 'PRECONDITION_FAILED', etag })
      const weak = await put('/kv/im', '2', { 'if-match': `W/${etag}` })
      expect(weak.status).toBe(412)
      const listed = await put('/kv/im', '2', { 'if-match': `"abc", ${etag}` })
      expect(listed.status).toBe(200)
      expect(await (await n.fetch('/kv/im')).text()).toBe('2')
      // The tag that matched is stale now.
      expect((await put('/kv/im', '3', { 'if-match': etag })).status).toBe(412)
      // * needs a current representation.
      expect((await put('/kv/im-absent', 'x', { 'if-match': '*' })).status).toBe(412)
      expect((await n.fetch('/kv/im-absent', { method: 'DELETE', headers: { 'if-match': '*' } })).status).toBe(412)
      // On a read, a failed If-Match is 412 too.
      expect((await n.fetch('/kv/im', { headers: { 'if-match': '"abc"' } })).status).toBe(412)
    })

    it('a conditional DELETE: If-Match with the current tag deletes, a stale one is 412 and deletes nothing', async () => {
      const etag = (await put('/kv/del', 'v')).headers.get('etag')!
      await put('/kv/del', 'w')
      expect((await n.fetch('/kv/del', { method: 'DELETE', headers: { 'if-match': etag } })).status).toBe(412)
      const cur = (await n.fetch('/kv/del')).headers.get('etag')!
      expect((await n.fetch('/kv/del', { method: 'DELETE', headers: { 'if-match': cur } })).status).toBe(200)
      expect((await n.fetch('/kv/del')).status).toBe(404)
    })

    it('malformed tag lists are 400 with their own codes', async () => {
      expect(await (await put('/kv/bad', 'v', { 'if-match': 'abc' })).json()).toMatchObject({ error: 'BAD_IF_MATCH' })
      expect(await (await n.fetch('/kv/bad', { headers: { 'if-none-match': 'W/abc' } })).json()).toMatchObject({ error: 'BAD_IF_NONE_MATCH' })
    })
  })

  describe('documents', () => {
    it('GET carries an ETag; PUT creates with 201 and Location, then replaces with 200', async () => {
      const created = await putDoc('/docs/d1', { a: 1 })
      expect(created.status).toBe(201)
      expect(created.headers.get('location')).toBe('/docs/d1')
      const etag = created.headers.get('etag')
      expect(etag).toMatch(/^"[0-9a-f]{16}"$/)
      const get = await n.fetch('/docs/d1')
      expect(get.headers.get('etag')).toBe(etag)
      const again = await putDoc('/docs/d1', { a: 2 })
      expect(again.status).toBe(200)
      expect(again.headers.get('etag')).not.toBe(etag)
      expect((await n.fetch('/docs/d1', { method: 'HEAD' })).headers.get('etag')).toBe(again.headers.get('etag'))
    })

    it('If-Match on PUT, PATCH, DELETE and increment: stale or unknown tags are 412 and change nothing', async () => {
      const etag = (await putDoc('/docs/d2', { n: { $counter: 0 }, x: 1 })).headers.get('etag')!
      const patch = (body: unknown, h: Record<string, string>) =>
        n.fetch('/docs/d2', { method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json', ...h } })
      const ok = await patch({ x: 2 }, { 'if-match': etag })
      expect(ok.status).toBe(200)
      const cur = ok.headers.get('etag')!
      expect((await patch({ x: 3 }, { 'if-match': etag })).status).toBe(412)
      expect((await putDoc('/docs/d2', { y: 1 }, { 'if-match': '"abc"' })).status).toBe(412)
      expect((await putDoc('/docs/d2', { y: 1 }, { 'if-match': `W/${cur}` })).status).toBe(412)
      const inc = (h: Record<string, string>) => n.fetch('/docs/d2/increment', { method: 'POST', body: JSON.stringify({ path: ['n'], by: 5 }), headers: { 'content-type': 'application/json', ...h } })
      expect((await inc({ 'if-match': etag })).status).toBe(412)
      expect((await n.fetch('/docs/d2', { method: 'DELETE', headers: { 'if-match': etag } })).status).toBe(412)
      expect(await (await n.fetch('/docs/d2')).json()).toEqual({ n: 0, x: 2 })
      expect((await inc({ 'if-match': cur })).status).toBe(200)
      expect(await (await n.fetch('/docs/d2')).json()).toEqual({ n: 5, x: 2 })
    })

    it('If-None-Match: * refuses to overwrite a document; a matching conditional GET is 304', async () => {
      const etag = (await putDoc('/docs/d3', { a: 1 })).headers.get('etag')!
      expect((await putDoc('/docs/d3', { a: 2 }, { 'if-none-match': '*' })).status).toBe(412)
      expect((await putDoc('/docs/d3-new', { a: 2 }, { 'if-none-match': '*' })).status).toBe(201)
      const nm = await n.fetch('/docs/d3', { headers: { 'if-none-match': `W/${etag}` } })
      expect(nm.status).toBe(304)
      expect(nm.headers.get('etag')).toBe(etag)
      expect((await n.fetch('/docs/d3', { headers: { 'if-none-match': '"zzz"' } })).status).toBe(200)
    })

    it('GET /docs lists live documents in key order, paged like /kv', async () => {
      for (const k of ['list/b', 'list/a', 'list/c', 'other']) await putDoc(`/docs/${encodeURIComponent(k)}`, { k })
      await n.fetch(`/docs/${encodeURIComponent('list/b')}`, { method: 'DELETE' })
      const page1 = await (await n.fetch('/docs?prefix=list%2F&limit=1')).json()
      expect(page1).toEqual({ keys: ['list/a'], next: 'list/a' })
      const page2 = await (await n.fetch(`/docs?prefix=list%2F&limit=1&after=${encodeURIComponent(page1.next)}`)).json()
      expect(page2).toEqual({ keys: ['list/c'], next: 'list/c' })
      expect(await (await n.fetch('/docs?prefix=list%2F&after=list%2Fc')).json()).toEqual({ keys: [], next: null })
    })
  })

  describe('methods, status codes and headers', () => {
    it('a wrong method on a known path is 405 with Allow; OPTIONS is 204 with Allow', async () => {
      for (const [method, path, allow] of [
        ['PATCH', '/kv/x', 'GET, HEAD, PUT, DELETE, OPTIONS'],
        ['POST', '/kv/x', 'GET, HEAD, PUT, DELETE, OPTIONS'],
        ['DELETE', '/kv', 'GET, HEAD, OPTIONS'],
        ['PUT', '/health', 'GET, HEAD, OPTIONS'],
        ['GET', '/batch', 'POST, OPTIONS'],
        ['POST', '/watch', 'GET, OPTIONS'],
        ['HEAD', '/watch', 'GET, OPTIONS']
      ] as const) {
        const r = await n.fetch(path, { method })
        expect(r.status, `${method} ${path}`).toBe(405)
        expect(r.headers.get('allow')).toBe(allow)
        if (method !== 'HEAD') expect((await r.json()).error).toBe('METHOD_NOT_ALLOWED')
      }
      const opt = await n.fetch('/kv/x', { method: 'OPTIONS' })
      expect(opt.status).toBe(204)
      expect(opt.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE, OPTIONS')
      const none = await n.fetch('/nowhere', { method: 'PATCH' })
      expect(none.status).toBe(404)
      expect((await none.json()).error).toBe('NOT_FOUND')
    })

    it('503 READ_ONLY carries Retry-After', async () => {
      n.control.readOnly = true
      try {
        const r = await put('/kv/ro', 'v')
        expect(r.status).toBe(503)
        expect(r.headers.get('retry-after')).toBe('5')
        expect((await r.json()).error).toBe('READ_ONLY')
      } finally {
        n.control.readOnly = false
      }
    })

    it('unknown query parameters are refused with 400 BAD_QUERY on every route', async () => {
      for (const [method, path] of [
        ['GET', '/kv/x?sibling=true'], ['PUT', '/kv/x?ww=2'], ['DELETE', '/kv/x?force=1'], ['GET', '/kv?prefx=a'],
        ['GET', '/docs/x?conflict=true'], ['GET', '/docs?page=2'], ['GET', '/watch?prefixx=a'], ['GET', '/cluster?verbose=1'],
        ['GET', '/health?x=1'], ['POST', '/batch?x=1'], ['GET', '/openapi.json?x=1'], ['POST', '/admin/compact?now=1']
      ] as const) {
        const body = method === 'PUT' ? 'v' : path.startsWith('/batch') ? JSON.stringify({ ops: [{ op: 'put', key: 'q', value: 'x' }] }) : undefined
        const r = await n.fetch(path, { method, ...(body !== undefined ? { body, headers: { 'content-type': body === 'v' ? 'text/plain' : 'application/json' } } : {}) })
        expect(r.status, `${method} ${path}`).toBe(400)
        expect((await r.json()).error, `${method} ${path}`).toBe('BAD_QUERY')
      }
      expect((await n.fetch('/kv/q')).status).toBe(404)
      expect((await (await n.fetch('/kv?prefx=a')).json()).message).toBe('unknown query parameter "prefx"')
      expect(await (await n.fetch('/kv/x?siblings=maybe')).json()).toMatchObject({ error: 'BAD_QUERY' })
      expect((await n.fetch('/kv?limit=0')).status).toBe(400)
    })

    it('Fastify\'s own errors have stable codes: 413, 415, 400 body parse, 404 route, 431 headers', async () => {
      const big = await n.fetch('/kv/big', { method: 'PUT', body: new Uint8Array(1024 * 1024 + 2048) })
      expect(big.status).toBe(413)
      expect((await big.json()).error).toBe('VALUE_TOO_LARGE')
      const notJson = await n.fetch('/docs/x', { method: 'PUT', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      expect(notJson.status).toBe(415)
      expect((await notJson.json()).error).toBe('UNSUPPORTED_MEDIA_TYPE')
      const badJson = await n.fetch('/docs/x', { method: 'PUT', body: '{"a":', headers: { 'content-type': 'application/json' } })
      expect(badJson.status).toBe(400)
      expect((await badJson.json()).error).toBe('BAD_JSON')
      const route = await n.fetch('/nope')
      expect(route.status).toBe(404)
      expect((await route.json()).error).toBe('NOT_FOUND')
      const raw = await rawRequest(n.port, `GET /kv/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
      expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large')
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'HEADERS_TOO_LARGE' })
    })
  })

  it('the node serves an OpenAPI 3.1 document with request and response schemas for every route', async () => {
    const doc = await (await n.fetch('/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown>; parameters?: Array<{ in: string }>; requestBody?: unknown }>> }
    expect(doc.openapi).toBe('3.1.0')
    for (const p of ['/kv/{key}', '/kv', '/docs', '/docs/{key}', '/docs/{key}/increment', '/watch', '/batch', '/cluster', '/openapi.json']) expect(doc.paths[p], p).toBeDefined()
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy()
        expect(Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')), `${method} ${path} has a success response`).toBe(true)
        expect(Object.keys(op.responses ?? {}), `${method} ${path} documents errors`).toContain('4XX')
      }
    }
    expect(doc.paths['/kv/{key}']!.put!.requestBody).toBeDefined()
    expect(doc.paths['/batch']!.post!.requestBody).toBeDefined()
    expect(doc.paths['/kv/{key}']!.get!.parameters!.some((p) => p.in === 'path')).toBe(true)
  })
})

describe('bearer challenges (RFC 6750)', () => {
  let n: Node
  beforeAll(async () => { n = await listeningNode({ tokens: [{ token: 'reader', scopes: ['read'] }] }) })
  afterAll(async () => { await n.close() })

  it('401 carries WWW-Authenticate: Bearer (invalid_token for an unknown one); 403 says insufficient_scope', async () => {
    const none = await n.fetch('/kv/k')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="swarmkv"')
    const unknown = await n.fetch('/kv/k', { headers: { authorization: 'Bearer guess' } })
    expect(unknown.status).toBe(401)
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="swarmkv", error="invalid_token"')
    const scope = await n.fetch('/kv/k', { method: 'PUT', body: 'v', headers: { authorization: 'Bearer reader' } })
    expect(scope.status).toBe(403)
    expect(scope.headers.get('www-authenticate')).toBe('Bearer realm="swarmkv", error="insufficient_scope", scope="write"')
    expect((await scope.json()).error).toBe('FORBIDDEN')
  })
})

describe('CORS', () => {
  it('is off by default: no Access-Control headers, a preflight is not approved', async () => {
    const n = await listeningNode()
    try {
      const r = await n.fetch('/kv/k', { headers: { origin: 'http://app.example' } })
      expect(r.headers.get('access-control-allow-origin')).toBeNull()
      const pre = await n.fetch('/kv/k', { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT' } })
      expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await n.close()
    }
  })

  it('with origins given: preflights are answered and the API headers exposed, other origins get nothing', async () => {
    const n = await listeningNode({ corsOrigins: ['http://app.example'] })
    try {
      const pre = await n.fetch('/kv/k', { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'if-match,x-context' } })
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://app.example')
      expect(pre.headers.get('access-control-allow-methods')).toContain('PUT')
      expect(pre.headers.get('access-control-allow-headers')).toBe('if-match,x-context')
      const put = await n.fetch('/kv/k', { method: 'PUT', body: 'v', headers: { origin: 'http://app.example' } })
      expect(put.headers.get('access-control-allow-origin')).toBe('http://app.example')
      const exposed = (put.headers.get('access-control-expose-headers') ?? '').split(',').map((s) => s.trim())
      for (const h of ['ETag', 'X-Context', 'X-Siblings', 'X-Write-Token']) expect(exposed).toContain(h)
      const other = await n.fetch('/kv/k', { headers: { origin: 'http://evil.example' } })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await n.close()
    }
  })
})

/** Sends bytes as they are (fetch would refuse an oversized header) and returns the answer. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text))
    let out = ''
    s.on('data', (c) => { out += c.toString() })
    s.on('close', () => resolve(out))
    s.on('error', (e) => (out !== '' ? resolve(out) : reject(e)))
  })
}

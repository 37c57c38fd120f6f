import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { kv, makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

describe('bearer-token auth', () => {
  let n: Node
  beforeEach(async () => {
    n = await makeNode({
      tokens: [
        { token: 'reader-secret', scopes: ['read'] },
        { token: 'writer-secret', scopes: ['read', 'write'] },
        { token: 'admin-secret', scopes: ['admin'] },
        { token: 'scraper-secret', scopes: ['metrics'] }
      ]
    })
  })
  afterEach(async () => { await n.close() })

  it('health and readiness stay open', async () => {
    expect((await n.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect((await n.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })

  it('no token or an unknown one: 401; a token without the scope: 403; nothing stored', async () => {
    const none = await n.app.inject({ method: 'GET', url: kv('k') })
    expect(none.statusCode).toBe(401)
    expect(none.json().error).toBe('UNAUTHORIZED')
    expect((await n.app.inject({ method: 'GET', url: kv('k'), headers: bearer('guess') })).statusCode).toBe(401)
    const ro = await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'v', headers: bearer('reader-secret') })
    expect(ro.statusCode).toBe(403)
    expect(ro.json().error).toBe('FORBIDDEN')
    expect((await n.app.inject({ method: 'POST', url: '/admin/compact', headers: bearer('writer-secret') })).statusCode).toBe(403)
    expect((await n.app.inject({ method: 'GET', url: '/metrics', headers: bearer('reader-secret') })).statusCode).toBe(403)
    expect(n.engine.seq).toBe(0)
  })

  it('each scope opens what it names', async () => {
    expect((await n.app.inject({ method: 'PUT', url: kv('k'), payload: 'v', headers: bearer('writer-secret') })).statusCode).toBe(201)
    const read = await n.app.inject({ method: 'GET', url: kv('k'), headers: bearer('reader-secret') })
    expect(read.body).toBe('v')
    expect((await n.app.inject({ method: 'PATCH', url: '/docs/d', payload: '{"a":1}', headers: { ...bearer('writer-secret'), 'content-type': 'application/merge-patch+json' } })).statusCode).toBe(201)
    expect((await n.app.inject({ method: 'GET', url: '/metrics', headers: bearer('admin-secret') })).statusCode).toBe(200)
    expect((await n.app.inject({ method: 'POST', url: '/admin/compact', headers: bearer('admin-secret') })).statusCode).toBe(200)
  })

  it('a metrics token may scrape /metrics and nothing else; admin may scrape too; read may not', async () => {
    expect((await n.app.inject({ method: 'GET', url: '/metrics', headers: bearer('scraper-secret') })).statusCode).toBe(200)
    expect((await n.app.inject({ method: 'GET', url: '/metrics', headers: bearer('admin-secret') })).statusCode).toBe(200)
    const reader = await n.app.inject({ method: 'GET', url: '/metrics', headers: bearer('reader-secret') })
    expect(reader.statusCode).toBe(403)
    expect(reader.json()).toMatchObject({ error: 'FORBIDDEN' })
    expect((await n.app.inject({ method: 'GET', url: kv('k'), headers: bearer('scraper-secret') })).statusCode).toBe(403)
    expect((await n.app.inject({ method: 'GET', url: '/cluster', headers: bearer('scraper-secret') })).statusCode).toBe(403)
    expect((await n.app.inject({ method: 'POST', url: '/admin/compact', headers: bearer('scraper-secret') })).statusCode).toBe(403)
  })
})

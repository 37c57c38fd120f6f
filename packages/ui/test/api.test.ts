import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Api, ApiError } from '../src/browser/api.js'

/** A Storage that lives in a Map (sessionStorage's interface, without a browser). */
class MapStorage {
  readonly m = new Map<string, string>()
  getItem(k: string) { return this.m.get(k) ?? null }
  setItem(k: string, v: string) { this.m.set(k, v) }
  removeItem(k: string) { this.m.delete(k) }
}

// A real HTTP server answering as a node does: bearer tokens, JSON errors, text /metrics.
describe('Api', () => {
  let server: Server
  let base: string
  const seen: Array<{ url: string; auth: string | undefined; body: string }> = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization, body })
        const json = (status: number, v: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)) }
        if (req.headers.authorization !== 'Bearer good') return json(401, { error: 'UNAUTHORIZED', message: 'unknown token' })
        if (req.url === '/admin/role') return json(403, { error: 'FORBIDDEN', message: 'this token lacks the "admin" scope' })
        if (req.url === '/metrics') { res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('swarmkv_seq 3\n') }
        if (req.url === '/gone') { res.writeHead(204); return res.end() }
        if (req.url === '/proxy') { res.writeHead(502, { 'content-type': 'text/html' }); return res.end('<h1>bad gateway</h1>') }
        return json(200, { ok: true })
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await new Promise((r) => server.close(r)) })

  const failure = async (p: Promise<unknown>) => {
    try { await p } catch (e) { return e as ApiError }
    throw new Error('expected a failure')
  }

  it('sends the stored token as a bearer header, and JSON bodies', async () => {
    const storage = new MapStorage()
    const api = new Api(storage, base)
    api.token = 'good'
    expect(storage.m.get('swarmkv.token')).toBe('good')
    expect(await api.json('/cluster')).toEqual({ ok: true })
    expect(await api.text('/metrics')).toBe('swarmkv_seq 3\n')
    expect(await api.json('/gone', { method: 'DELETE' })).toBeUndefined()
    await api.json('/x', { method: 'POST', body: { role: 'master' } })
    expect(seen.at(-1)).toEqual({ url: '/x', auth: 'Bearer good', body: '{"role":"master"}' })
  })

  it('sorts failures: 401 unauthorized, 403 forbidden (with the node\'s code), no answer offline, others http', async () => {
    const api = new Api(new MapStorage(), base)
    const none = await failure(api.json('/cluster'))
    expect(none).toMatchObject({ kind: 'unauthorized', status: 401, code: 'UNAUTHORIZED', message: 'unknown token' })
    expect(seen.at(-1)?.auth).toBeUndefined()
    api.token = 'good'
    expect(await failure(api.json('/admin/role', { method: 'POST', body: {} }))).toMatchObject({ kind: 'forbidden', status: 403, code: 'FORBIDDEN' })
    expect(await failure(api.json('/proxy'))).toMatchObject({ kind: 'http', status: 502, code: undefined, message: '502 Bad Gateway' })
    const down = new Api(new MapStorage(), 'http://127.0.0.1:1')
    expect(await failure(down.json('/cluster'))).toMatchObject({ kind: 'offline', status: 0 })
  })

  it('signing out removes the token', () => {
    const storage = new MapStorage()
    const api = new Api(storage, base)
    api.token = 'good'
    api.token = null
    expect(storage.m.size).toBe(0)
    expect(api.token).toBeNull()
  })
})

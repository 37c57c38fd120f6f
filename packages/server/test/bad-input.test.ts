import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { kv, makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

/** Every bad request gets a 4xx with a stable JSON error code, nothing is stored, the node stays up. */
describe('bad input', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => {
    // nothing was stored, and the node still serves
    expect(n.engine.seq).toBe(0)
    expect((await n.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    await n.close()
  })

  const cases: Array<[string, () => InjectOptions, number, string]> = [
    ['oversized key', () => ({ method: 'PUT', url: kv('k'.repeat(1025)), payload: 'v' }), 414, 'KEY_TOO_LONG'],
    ['oversized multibyte key', () => ({ method: 'PUT', url: kv('é'.repeat(513)), payload: 'v' }), 414, 'KEY_TOO_LONG'],
    ['oversized value', () => ({ method: 'PUT', url: kv('k'), payload: Buffer.alloc(1024 * 1024 + 1) }), 413, 'VALUE_TOO_LARGE'],
    ['malformed percent-encoding in key', () => ({ method: 'PUT', url: '/kv/%E0%A4%A', payload: 'v' }), 400, 'BAD_KEY'],
    ['empty key', () => ({ method: 'PUT', url: '/kv/', payload: 'v' }), 400, 'BAD_KEY'],
    ['gzip content encoding', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'content-encoding': 'gzip' } }), 415, 'UNSUPPORTED_CONTENT_ENCODING'],
    ['unknown content encoding', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'content-encoding': 'zstd-custom' } }), 415, 'UNSUPPORTED_CONTENT_ENCODING'],
    ['bad X-Context', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'x-context': 'not-a-context' } }), 400, 'BAD_CONTEXT'],
    ['X-Context with seq 0', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'x-context': '0123456789abcdef:0' } }), 400, 'BAD_CONTEXT'],
    ['bad If-Match', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'if-match': 'abc' } }), 400, 'BAD_IF_MATCH'],
    ['bad If-Match on DELETE', () => ({ method: 'DELETE', url: kv('k'), headers: { 'if-match': 'W/xyz' } }), 400, 'BAD_IF_MATCH'],
    ['bad If-None-Match', () => ({ method: 'PUT', url: kv('k'), payload: 'v', headers: { 'if-none-match': '"a", b' } }), 400, 'BAD_IF_NONE_MATCH'],
    ['malformed JSON batch', () => ({ method: 'POST', url: '/batch', payload: '{"ops": [', headers: { 'content-type': 'application/json' } }), 400, 'BAD_JSON'],
    ['batch that is not an object', () => ({ method: 'POST', url: '/batch', payload: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'BAD_BATCH'],
    ['batch with an unknown op', () => ({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: 'x' }, { op: 'zap', key: 'b' }] } }), 400, 'BAD_BATCH'],
    ['batch with one oversized key', () => ({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: 'x' }, { op: 'put', key: 'k'.repeat(2000), value: 'x' }] } }), 414, 'KEY_TOO_LONG'],
    ['batch with bad base64', () => ({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: '!!!', encoding: 'base64' }] } }), 400, 'BAD_BATCH'],
    ['batch with a bad context', () => ({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: 'x' }, { op: 'del', key: 'b', context: 'zz' }] } }), 400, 'BAD_CONTEXT'],
    ['batch over 1,000 ops', () => ({ method: 'POST', url: '/batch', payload: { ops: Array.from({ length: 1001 }, (_, i) => ({ op: 'put', key: `k${i}`, value: 'x' })) } }), 413, 'BATCH_TOO_LARGE'],
    ['bad X-After token', () => ({ method: 'GET', url: kv('k'), headers: { 'x-after': 'nope' } }), 400, 'BAD_TOKEN'],
    ['bad wait', () => ({ method: 'GET', url: `${kv('k')}?wait=soon`, headers: { 'x-after': '0123456789abcdef:1' } }), 400, 'BAD_QUERY'],
    ['unknown route', () => ({ method: 'GET', url: '/nope' }), 404, 'NOT_FOUND']
  ]

  for (const [name, req, status, code] of cases) {
    it(`${name}: ${status} ${code}`, async () => {
      const res = await n.app.inject(req())
      expect(res.statusCode).toBe(status)
      expect(res.headers['content-type']).toMatch(/application\/json/)
      const body = res.json()
      expect(body.error).toBe(code)
      expect(typeof body.message).toBe('string')
    })
  }

  it('a batch with one failing If-Match stores none of its writes', async () => {
    const res = await n.app.inject({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: 'x' }, { op: 'put', key: 'b', value: 'y', ifMatch: '"0000000000000000"' }] } })
    expect(res.statusCode).toBe(412)
    expect((await n.app.inject({ method: 'GET', url: kv('a') })).statusCode).toBe(404)
  })
})

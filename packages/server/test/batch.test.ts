import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { kv, makeNode, NODE } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

describe('POST /batch', () => {

  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => { await n.close() })

  it('a batch of 1,000 writes answers a short X-Write-Token header', async () => {
    const res = await n.app.inject({ method: 'POST', url: '/batch', payload: { ops: Array.from({ length: 1000 }, (_, i) => ({ op: 'put', key: `b${i}`, value: 'x' })) } })
    expect(res.statusCode).toBe(200)
    expect(res.json().tokens).toHaveLength(1000)
    expect(res.headers['x-write-token']).toBe(`${NODE}:1000`)
  })

  it('applies several writes in one commit and returns a token per write', async () => {
    await n.app.inject({ method: 'PUT', url: kv('old'), payload: 'x' })
    const commits = n.engine.stats.commits
    const res = await n.app.inject({
      method: 'POST', url: '/batch',
      payload: { ops: [
        { op: 'put', key: 'a', value: 'alpha' },
        { op: 'put', key: 'b', value: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64' },
        { op: 'del', key: 'old' }
      ] }
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().tokens).toEqual([`${NODE}:2`, `${NODE}:3`, `${NODE}:4`])
    // The header carries the one token that covers them all.
    expect(res.headers['x-write-token']).toBe(`${NODE}:4`)
    expect(n.engine.stats.commits).toBe(commits + 1)
    expect((await n.app.inject({ method: 'GET', url: kv('a') })).body).toBe('alpha')
    const b = await n.app.inject({ method: 'GET', url: kv('b') })
    expect([...b.rawPayload]).toEqual([1, 2, 3])
    expect(b.headers['content-type']).toBe('application/octet-stream')
    expect((await n.app.inject({ method: 'GET', url: kv('old') })).statusCode).toBe(404)
  })
})

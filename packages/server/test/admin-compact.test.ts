import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NODE, kv, makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

describe('POST /admin/compact on a node alone (a membership of one)', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => { await n.close() })

  it('drops the whole applied log, collects the tombstone, and counts both in /metrics', async () => {
    for (const k of ['a', 'b', 'c']) expect((await n.app.inject({ method: 'PUT', url: kv(k), payload: 'x' })).statusCode).toBe(201)
    expect((await n.app.inject({ method: 'DELETE', url: kv('b') })).statusCode).toBe(200)
    const before = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metric(before, 'swarmkv_compactions_total')).toBe(0)
    expect(metric(before, 'swarmkv_log_ops')).toBe(4)
    // A node alone has no member count: that series is a replicated node's.
    expect(before).not.toMatch(/^swarmkv_members /m)

    const res = await n.app.inject({ method: 'POST', url: '/admin/compact' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ floor: { [NODE]: 4 } })
    expect(n.engine.floor).toEqual({ [NODE]: 4 })
    const after = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metric(after, 'swarmkv_compactions_total')).toBe(1)
    expect(metric(after, 'swarmkv_tombstones_collected_total')).toBe(1)
    expect(metric(after, 'swarmkv_log_ops')).toBe(0)
    expect((await n.app.inject({ method: 'GET', url: kv('b') })).statusCode).toBe(404)
    expect((await n.app.inject({ method: 'GET', url: kv('a') })).body).toBe('x')
  })

  it('has no member to forget: DELETE /admin/members/<id> is 404, a bad id 400', async () => {
    const missing = await n.app.inject({ method: 'DELETE', url: '/admin/members/00000000000000ff' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ error: 'NOT_FOUND' })
    expect((await n.app.inject({ method: 'DELETE', url: '/admin/members/nope' })).statusCode).toBe(400)
  })
})

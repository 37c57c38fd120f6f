import { afterEach, describe, expect, it } from 'vitest'
import { makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

/** A node whose log lines land in `lines` (pino's JSON, one object per line). */
async function loggingNode(logRequests: boolean) {
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>) } }
  const n = await makeNode({ logger: { level: 'info', stream }, logRequests })
  return { n, lines }
}

describe('request logs', () => {
  let n: Node | undefined
  afterEach(async () => { await n?.close(); n = undefined })

  it('off (the default): no line per request, and what a request does log names it', async () => {
    const l = await loggingNode(false)
    n = l.n
    for (const role of ['replica', 'master']) expect((await n.app.inject({ method: 'POST', url: '/admin/role', payload: { role } })).statusCode).toBe(200)
    expect(l.lines.filter((x) => x.msg === 'incoming request' || x.msg === 'request completed')).toEqual([])
    const changes = l.lines.filter((x) => x.msg === 'role changed')
    expect(changes.map((x) => x.role)).toEqual(['replica', 'master'])
    // Each line carries its own request's id: the logger made on a request's first line binds it.
    const ids = changes.map((x) => x.reqId)
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true)
    expect(new Set(ids).size).toBe(2)
  })

  it('on (--log-requests): each request logs its start and end under its id', async () => {
    const l = await loggingNode(true)
    n = l.n
    expect((await n.app.inject({ method: 'GET', url: '/kv/absent' })).statusCode).toBe(404)
    const start = l.lines.find((x) => x.msg === 'incoming request')
    expect(start?.reqId).toBeTypeOf('string')
    expect(l.lines.filter((x) => x.reqId === start?.reqId).map((x) => x.msg)).toEqual(['incoming request', 'request completed'])
  })
})

import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyReply } from 'fastify'
import { TurnEndReplies } from '../src/turn-end-replies.js'
import { kv, listeningNode } from './helpers.js'

/** What TurnEndReplies uses of a reply: send, and a logger for a send that throws. */
function fakeReply(name: string, sent: string[], fail = false) {
  const errors: unknown[] = []
  const reply = {
    send(payload: unknown) {
      if (fail) throw new Error(`${name} cannot be sent`)
      sent.push(`${name}:${String(payload)}`)
      return reply
    },
    log: { error: (obj: unknown) => errors.push(obj) }
  }
  return { reply: reply as unknown as FastifyReply, errors }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('TurnEndReplies (the queue alone)', () => {
  it('sends nothing during the turn, then every queued answer in order once the turn ends', async () => {
    const sent: string[] = []
    const replies = new TurnEndReplies()
    const a = fakeReply('a', sent)
    expect(replies.send(a.reply, 1)).toBe(a.reply)
    replies.send(fakeReply('b', sent).reply, 2)
    replies.send(fakeReply('c', sent).reply, 3)
    await Promise.resolve()
    expect(sent).toEqual([])
    await nextTurn()
    expect(sent).toEqual(['a:1', 'b:2', 'c:3'])
  })

  it('a send that throws is logged and the others still go out', async () => {
    const sent: string[] = []
    const replies = new TurnEndReplies()
    const bad = fakeReply('bad', sent, true)
    replies.send(fakeReply('a', sent).reply, 1)
    replies.send(bad.reply, 2)
    replies.send(fakeReply('c', sent).reply, 3)
    await nextTurn()
    expect(sent).toEqual(['a:1', 'c:3'])
    expect(bad.errors).toHaveLength(1)
  })

  it('an answer queued while a turn\'s answers go out is sent at the end of the next turn', async () => {
    const sent: string[] = []
    const replies = new TurnEndReplies()
    const late = fakeReply('late', sent)
    const first = {
      send(payload: unknown) {
        sent.push(`first:${String(payload)}`)
        replies.send(late.reply, 2)
        return first
      },
      log: { error() {} }
    }
    replies.send(first as unknown as FastifyReply, 1)
    await nextTurn()
    expect(sent).toEqual(['first:1'])
    await nextTurn()
    expect(sent).toEqual(['first:1', 'late:2'])
    // The queue is empty again: a new turn starts from nothing.
    await nextTurn()
    expect(sent).toEqual(['first:1', 'late:2'])
  })
})

describe('GET /kv answers at the end of the turn (real HTTP)', () => {
  let node: Awaited<ReturnType<typeof listeningNode>> | undefined
  afterEach(async () => { await node?.close(); node = undefined })

  it('reads arriving together on many connections each get their own key\'s value', async () => {
    node = await listeningNode()
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
    for (const k of keys) expect((await node.fetch(kv(k), { method: 'PUT', body: `value of ${k}` })).status).toBe(201)
    const n = node
    const answers = await Promise.all(keys.map(async (k) => {
      const r = await n.fetch(kv(k))
      return [r.status, r.headers.get('x-siblings'), await r.text()]
    }))
    expect(answers).toEqual(keys.map((k) => [200, '1', `value of ${k}`]))
  })

  it('pipelined reads on one connection are answered in the order sent, a miss and a 304 among them', async () => {
    node = await listeningNode()
    await node.fetch(kv('a'), { method: 'PUT', body: 'A' })
    const b = await node.fetch(kv('b'), { method: 'PUT', body: 'B' })
    const etag = b.headers.get('etag')!
    // Four requests in one write: the server reads them in one turn.
    const raw = [
      'GET /kv/a HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /kv/missing HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /kv/b HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\n\r\n`,
      'GET /kv/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    ].join('')
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(node!.port, '127.0.0.1', () => socket.end(raw))
      let got = ''
      socket.setEncoding('latin1')
      socket.on('data', (d: string) => { got += d })
      socket.on('end', () => resolve(got))
      socket.on('error', reject)
    })
    // A response's body runs straight into the next status line (none of them ends in CRLF).
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
    expect(statuses).toEqual([200, 404, 304, 200])
    const parts = text.split(/\r\n\r\n/)
    expect(parts[1]!.startsWith('AHTTP/1.1 404')).toBe(true)
    expect(parts[2]).toMatch(/^\{"error":"NOT_FOUND".*HTTP\/1\.1 304/s)
    expect(parts[parts.length - 1]).toBe('B')
  })
})

/**
 * The ceiling baseline: a bare Fastify 5 server (the version swarmkv uses) with a PUT into a Map and
 * a GET from it, on the same routes, body parsing and response shape as swarmkv's register API, but
 * no merge, no storage and no replication. One process, like a swarmkv node.
 *
 *   node benchmarks/dist/baselines/fastify-map-server.js <port> <prefillKeys> <valueBytes> [turn-end]
 *
 * With `turn-end` its GET answers go out at the end of the event loop's turn, all together, as
 * swarmkv's do (packages/server/src/turn-end-replies.ts, DESIGN §8): the like-for-like ceiling for
 * reads. Without it each answer is written as its request is read.
 */
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyReply } from 'fastify'

const [port = '0', prefill = '0', valueBytes = '100', mode = ''] = process.argv.slice(2)
const turnEnd = mode === 'turn-end'
const map = new Map<string, Buffer>()
const values = Array.from({ length: 64 }, () => randomBytes(Number(valueBytes)))
for (let i = 0; i < Number(prefill); i++) map.set(`k${i}`, values[i % values.length] as Buffer)
let seq = 0

const app = Fastify({ logger: false })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

app.put<{ Params: { '*': string }; Body: Buffer }>('/kv/*', async (req) => {
  map.set(req.params['*'], req.body)
  return { tokens: [`map:${++seq}`] }
})
/** Reply, value, reply, value, …: what this turn answers at its end. */
let queued: Array<FastifyReply | Buffer> = []
function sendQueued(): void {
  const q = queued
  queued = []
  for (let i = 0; i < q.length; i += 2) void (q[i] as FastifyReply).send(q[i + 1])
}

if (turnEnd) {
  app.get<{ Params: { '*': string } }>('/kv/*', (req, reply) => {
    const v = map.get(req.params['*'])
    if (v === undefined) {
      void reply.code(404).send({ error: 'NOT_FOUND', message: 'no such key' })
      return
    }
    if (queued.push(reply.type('application/octet-stream'), v) === 2) setImmediate(sendQueued)
  })
} else {
  app.get<{ Params: { '*': string } }>('/kv/*', async (req, reply) => {
    const v = map.get(req.params['*'])
    if (v === undefined) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such key' })
    return reply.type('application/octet-stream').send(v)
  })
}

await app.listen({ host: '127.0.0.1', port: Number(port) })
const address = app.server.address()
process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : port}\n`)
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })

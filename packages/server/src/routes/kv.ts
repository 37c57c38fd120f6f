import {
  SwarmError, etagOfText, formatDot, formatHlc, formatVV, rankSiblings, winner, type Dot, type RegisterState
} from '@swarmkv/core'
import type { LocalWrite, WriteResult } from '@swarmkv/storage'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Limits, ServerDeps } from '../options.js'
import { keyFromUrl } from '../keys.js'
import { parseContextHeader, parseIfMatchHeader } from '../headers.js'
import { admitWrite } from '../write-guard.js'
import { awaitReplication, readAfter } from '../consistency.js'
import { errorSchema, writeResultSchema } from '../schemas.js'

const KV_PREFIX = '/kv/'
const DEFAULT_CONTENT_TYPE = 'application/octet-stream'
const utf8 = new TextDecoder('utf-8', { fatal: true })

function isText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function contextHeaders(reply: FastifyReply, state: RegisterState): void {
  const context = formatVV(state.context)
  void reply.header('ETag', etagOfText(context))
  void reply.header('X-Context', context)
}

function stateHeaders(reply: FastifyReply, state: RegisterState): void {
  contextHeaders(reply, state)
  void reply.header('X-Siblings', String(state.siblings.filter((s) => !s.deleted).length))
}

export function siblingsJson(key: string, state: RegisterState) {
  return {
    key,
    context: formatVV(state.context),
    siblings: rankSiblings(state).map((s) => {
      const text = isText(s.value)
      return {
        dot: formatDot(s),
        hlc: formatHlc(s.hlc),
        contentType: s.contentType,
        deleted: s.deleted,
        encoding: text === undefined ? 'base64' : 'utf8',
        value: text ?? Buffer.from(s.value).toString('base64')
      }
    })
  }
}

/**
 * The header form of a request's write tokens: per origin only the highest seq. Every node
 * applies an origin's ops in seq order, so waiting for that one covers the rest, and a batch of
 * 1,000 writes stays one short header instead of 21 KB (beyond what HTTP clients accept).
 */
export function coveringTokens(dots: readonly Dot[]): string {
  const max = new Map<string, number>()
  for (const d of dots) if ((max.get(d.origin) ?? 0) < d.seq) max.set(d.origin, d.seq)
  return [...max].map(([o, s]) => `${o}:${s}`).join(',')
}

export function sendWriteResult(reply: FastifyReply, results: readonly WriteResult[], replicated: number | undefined) {
  const last = results[results.length - 1]
  const tokens = results.map((r) => formatDot(r.dot))
  void reply.header('X-Write-Token', results.length === 1 ? tokens[0] : coveringTokens(results.map((r) => r.dot)))
  if (last !== undefined && results.length === 1) contextHeaders(reply, last.state)
  return reply.send({ tokens, ...(replicated !== undefined ? { replicated } : {}) })
}

export function registerKvRoutes(app: FastifyInstance, deps: ServerDeps, limits: Limits): void {
  const { engine } = deps
  const keyOf = (req: FastifyRequest) => keyFromUrl(req.raw.url ?? '', KV_PREFIX, limits.maxKeyBytes)

  // Values are bytes: every content type is taken as given, never parsed.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxValueBytes }, (_req, body, done) => done(null, body))

  const querySchema = {
    type: 'object',
    properties: {
      siblings: { type: 'boolean' },
      wait: { type: 'string' },
      w: { type: 'integer', minimum: 1, maximum: 1000 },
      timeout: { type: 'string' }
    }
  }

  app.get('/kv/*', { schema: { querystring: querySchema } }, async (req, reply) => {
    const key = keyOf(req)
    await readAfter(deps, req, limits)
    const q = req.query as { siblings?: boolean }
    const state = await engine.get(key)
    if (q.siblings === true) {
      if (state === undefined || state.siblings.length === 0) throw SwarmError.notFound(`key ${JSON.stringify(key)}`)
      stateHeaders(reply, state)
      return reply.send(siblingsJson(key, state))
    }
    const win = state === undefined ? undefined : winner(state)
    if (state === undefined || win === undefined) {
      if (state !== undefined) stateHeaders(reply, state)
      throw SwarmError.notFound(`key ${JSON.stringify(key)}`)
    }
    stateHeaders(reply, state)
    return reply.type(win.contentType).send(Buffer.from(win.value.buffer, win.value.byteOffset, win.value.byteLength))
  })

  const writeRoute = (deleted: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const key = keyOf(req)
    const context = parseContextHeader(req.headers['x-context'])
    const ifMatch = parseIfMatchHeader(req.headers['if-match'])
    if (!admitWrite(deps, reply, req.raw.url ?? '')) return reply
    let value: Uint8Array = new Uint8Array(0)
    if (!deleted && req.body !== undefined && req.body !== null) {
      const body = req.body as Buffer
      if (body.byteLength > limits.maxValueBytes) throw SwarmError.valueTooLarge(body.byteLength, limits.maxValueBytes)
      // A copy: the body may be a view into a much larger socket buffer, which a cached value
      // would otherwise keep alive.
      value = Uint8Array.prototype.slice.call(body)
    }
    const write: LocalWrite = {
      key, value, deleted, context, ifMatch,
      contentType: deleted ? '' : (req.headers['content-type'] ?? DEFAULT_CONTENT_TYPE)
    }
    const results = await engine.write([write])
    const replicated = await awaitReplication(deps, req, results.map((r) => r.dot), limits)
    return sendWriteResult(reply, results, replicated)
  }

  const writeSchema = { querystring: querySchema, response: { 200: writeResultSchema, '4xx': errorSchema } }
  app.put('/kv/*', { schema: writeSchema }, writeRoute(false))
  app.delete('/kv/*', { schema: writeSchema }, writeRoute(true))

  app.get('/kv', {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          prefix: { type: 'string', default: '' },
          after: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
        }
      },
      response: {
        200: { type: 'object', properties: { keys: { type: 'array', items: { type: 'string' } }, next: { type: ['string', 'null'] } } }
      }
    }
  }, async (req) => {
    const q = req.query as { prefix: string; after?: string; limit: number }
    return engine.list(q.prefix, q.after, q.limit)
  })
}

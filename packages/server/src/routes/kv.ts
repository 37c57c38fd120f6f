import {
  SwarmError, etagOfText, evaluatePreconditions, formatDot, formatHlc, formatVV, isLive, rankSiblings, winner, type Dot, type Preconditions, type RegisterState, type Sibling
} from '@swarmkv/core'
import type { LocalWrite, WriteResult } from '@swarmkv/storage'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Limits, ServerDeps } from '../options.js'
import { keyFromUrl } from '../keys.js'
import { parseContextHeader, parsePreconditions } from '../headers.js'
import { admitWrite } from '../write-guard.js'
import { awaitReplication, readAfter } from '../consistency.js'
import { TurnEndReplies } from '../turn-end-replies.js'
import { binarySchema, errorResponses, keyListSchema, keyParams, siblingsSchema, writeQuery, writeResultSchema } from '../schemas.js'

const KV_PREFIX = '/kv/'

const readQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    siblings: { type: 'boolean', description: 'every sibling as JSON instead of the winner' },
    wait: { type: 'string', pattern: '^[0-9]{1,9}$', description: 'ms to wait for the writes in X-After (default 1000)' }
  }
} as const

/** GET /kv and GET /docs take the same paging parameters. */
export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string', default: '' },
    after: { type: 'string', description: 'exclusive lower bound: the previous page\'s next' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
  }
} as const

const notModified = { description: 'If-None-Match matched: the representation has not changed', type: 'null' } as const
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

interface StateTags { readonly context: string; readonly etag: string; readonly live: boolean; readonly siblings: string; readonly winner: Sibling | undefined }

/**
 * A read's causal headers, worked out per read (~1 µs for one sibling). Not memoised per state in
 * a WeakMap, as it was: the engine decodes a fresh state for most reads, and V8's young collection
 * kept every state that was a WeakMap key alive, so each GET's state and headers were copied and
 * promoted (~670 of the ~1,030 bytes a GET left to the old generation, measured with the sampling
 * heap profiler), to die in the next full collection.
 */
function stateTags(state: RegisterState): StateTags {
  const context = formatVV(state.context)
  let live = 0
  for (const s of state.siblings) if (!s.deleted) live++
  return { context, etag: etagOfText(context), live: live > 0, siblings: String(live), winner: winner(state) }
}

function stateHeaders(reply: FastifyReply, tags: StateTags): void {
  void reply.header('ETag', tags.etag)
  void reply.header('X-Context', tags.context)
  void reply.header('X-Siblings', tags.siblings)
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

/**
 * A write's answer. `location`: the written resource's path, given for a single write, which
 * answers 201 with it when the write created the key (RFC 9110 §9.3.4) and 200 otherwise.
 */
export function sendWriteResult(reply: FastifyReply, results: readonly WriteResult[], replicated: number | undefined, location?: string) {
  const last = results[results.length - 1]
  const tokens = results.map((r) => formatDot(r.dot))
  void reply.header('X-Write-Token', results.length === 1 ? tokens[0] : coveringTokens(results.map((r) => r.dot)))
  if (last !== undefined && results.length === 1) {
    contextHeaders(reply, last.state)
    const live = isLive(last.state)
    // A tombstone is no representation: nothing to name with an ETag after a DELETE.
    if (!live) void reply.removeHeader('ETag')
    if (location !== undefined && last.created && live) void reply.status(201).header('Location', location)
  }
  return reply.send({ tokens, ...(replicated !== undefined ? { replicated } : {}) })
}

/** The path of a key's resource, as Location gives it. */
export function kvLocation(key: string): string {
  return `${KV_PREFIX}${encodeURIComponent(key)}`
}

export function registerKvRoutes(app: FastifyInstance, deps: ServerDeps, limits: Limits): void {
  const { engine } = deps
  const keyOf = (req: FastifyRequest) => keyFromUrl(req.raw.url ?? '', KV_PREFIX, limits.maxKeyBytes)
  // A read's answers go out at the end of the turn, together (turn-end-replies.ts); a write's go
  // out together already, when their commit lands.
  const replies = new TurnEndReplies()

  // Values are bytes: every content type is taken as given, never parsed.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxValueBytes }, (_req, body, done) => done(null, body))

  /** Answers a read from the state this node has now: the engine's reads never wait for I/O. */
  const answerRead = (req: FastifyRequest, reply: FastifyReply, key: string, preconditions: Preconditions | undefined): void => {
    const q = req.query as { siblings?: boolean }
    const state = engine.get(key)
    const tags = state === undefined ? undefined : stateTags(state)
    const current = tags?.live === true ? tags.etag : null
    const outcome = evaluatePreconditions(preconditions, current, true)
    if (outcome === 'failed') throw SwarmError.preconditionFailed(current)
    if (outcome === 'not-modified') {
      stateHeaders(reply, tags!)
      replies.send(reply.status(304), undefined)
      return
    }
    if (q.siblings === true) {
      if (state === undefined || state.siblings.length === 0) throw SwarmError.notFound(`key ${JSON.stringify(key)}`)
      stateHeaders(reply, tags!)
      replies.send(reply, siblingsJson(key, state))
      return
    }
    const win = tags?.winner
    if (tags === undefined || win === undefined) {
      if (tags !== undefined) stateHeaders(reply, tags)
      throw SwarmError.notFound(`key ${JSON.stringify(key)}`)
    }
    stateHeaders(reply, tags)
    replies.send(reply.type(win.contentType), Buffer.from(win.value.buffer, win.value.byteOffset, win.value.byteLength))
  }

  app.get('/kv/*', {
    schema: {
      summary: 'Read a key: its winning value (or every sibling with ?siblings=true)',
      params: keyParams,
      querystring: readQuerySchema,
      response: { 200: { description: 'the winning value, or the siblings as JSON', content: { 'application/json': { schema: siblingsSchema }, '*/*': { schema: binarySchema } } }, 304: notModified, ...errorResponses }
    }
  }, (req, reply) => {
    const key = keyOf(req)
    const preconditions = parsePreconditions(req.headers)
    const after = readAfter(deps, req, limits)
    // The handler returns nothing: the answer goes through `reply` (at the end of the turn), and
    // what answerRead throws is Fastify's to answer, as from an async handler.
    if (after === undefined) answerRead(req, reply, key, preconditions)
    else after.then(() => answerRead(req, reply, key, preconditions)).catch((err: Error) => { void reply.send(err) })
  })

  const writeRoute = (deleted: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const key = keyOf(req)
    const context = parseContextHeader(req.headers['x-context'])
    const preconditions = parsePreconditions(req.headers)
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
      key, value, deleted, context, preconditions,
      contentType: deleted ? '' : (req.headers['content-type'] ?? DEFAULT_CONTENT_TYPE)
    }
    const results = await engine.write([write])
    // Most writes ask for no ?w=: they skip the wait (and its promise) altogether.
    const replicated = (req.query as { w?: number }).w === undefined ? undefined : await awaitReplication(deps, req, results.map((r) => r.dot), limits)
    return sendWriteResult(reply, results, replicated, kvLocation(key))
  }

  const writeResponses = { 200: writeResultSchema, 201: { ...writeResultSchema, description: 'the write created the key' }, ...errorResponses }
  app.put('/kv/*', {
    schema: {
      summary: 'Write a key', params: keyParams, querystring: writeQuery, response: writeResponses,
      body: { description: 'the value: any bytes, kept with the Content-Type sent', content: { '*/*': { schema: binarySchema } } }
    }
  }, writeRoute(false))
  app.delete('/kv/*', { schema: { summary: 'Delete a key (writes a tombstone)', params: keyParams, querystring: writeQuery, response: writeResponses } }, writeRoute(true))

  app.get('/kv', {
    schema: { summary: 'List live keys, paged', querystring: listQuerySchema, response: { 200: keyListSchema, ...errorResponses } }
  }, async (req) => {
    const q = req.query as { prefix: string; after?: string; limit: number }
    return engine.list(q.prefix, q.after, q.limit)
  })
}

import {
  ErrorCode, SwarmError, applyMergePatch, docConflicts, docEtag, docToJson, evaluatePreconditions, formatDot, incrementCounter, isJsonObject,
  markDeleted, replaceRoot, validateDocValue, type Dot, type JsonObject
} from '@swarmkv/core'
import type { DocMutation } from '@swarmkv/storage'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Limits, ServerDeps } from '../options.js'
import { keyFromUrl } from '../keys.js'
import { admitWrite } from '../write-guard.js'
import { awaitReplication, readAfter } from '../consistency.js'
import { parsePreconditions } from '../headers.js'
import { docConflictsSchema, docSchema, errorResponses, keyListSchema, keyParams, writeQuery, writeResultSchema } from '../schemas.js'
import { listQuerySchema } from './kv.js'

const DOCS_PREFIX = '/docs/'
const INCREMENT_SUFFIX = '/increment'

/**
 * `/docs/:key`: JSON documents held as Automerge documents. PUT replaces the root, PATCH applies
 * an RFC 7396 merge patch field by field, counters add up, DELETE marks the document deleted.
 */
export function registerDocRoutes(app: FastifyInstance, deps: ServerDeps, limits: Limits): void {
  const keyOf = (req: FastifyRequest, suffix = '') => {
    const raw = req.raw.url ?? ''
    const q = raw.indexOf('?')
    const path = q < 0 ? raw : raw.slice(0, q)
    return keyFromUrl(suffix === '' ? path : path.slice(0, path.length - suffix.length), DOCS_PREFIX, limits.maxKeyBytes)
  }

  const parseJson = (_req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    try {
      done(null, JSON.parse(body))
    } catch (e) {
      done(new SwarmError(ErrorCode.BAD_JSON, `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`))
    }
  }
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string', bodyLimit: limits.maxValueBytes }, parseJson)

  const config = { badInputCode: ErrorCode.BAD_DOCUMENT, tooLargeCode: ErrorCode.DOCUMENT_TOO_LARGE }
  const writeResponses = { 200: writeResultSchema, 201: { ...writeResultSchema, description: 'the write created the document' }, ...errorResponses }
  const jsonBody = (what: string) => ({ description: what, content: { 'application/json': { schema: docSchema }, 'application/merge-patch+json': { schema: docSchema } } })

  /**
   * Preconditions are judged inside the single writer against the document as the change
   * meets it, so no other change can slip in between the check and the write.
   */
  const write = async (req: FastifyRequest, reply: FastifyReply, key: string, mutate: DocMutation) => {
    const preconditions = parsePreconditions(req.headers)
    if (!admitWrite(deps, reply, req.raw.url ?? '')) return reply
    const { dot, created, etag } = await deps.engine.updateDoc(key, mutate, preconditions)
    const dots: Dot[] = dot === undefined ? [] : [dot]
    const replicated = dots.length === 0 ? undefined : await awaitReplication(deps, req, dots, limits)
    const tokens = dots.map(formatDot)
    if (tokens.length > 0) void reply.header('X-Write-Token', tokens.join(','))
    if (etag !== null) void reply.header('ETag', etag)
    if (created) void reply.status(201).header('Location', `${DOCS_PREFIX}${encodeURIComponent(key)}`)
    return reply.send({ tokens, ...(replicated !== undefined ? { replicated } : {}) })
  }

  const objectBody = (req: FastifyRequest, code: ErrorCode, what: string): JsonObject => {
    const body: unknown = req.body
    if (!isJsonObject(body)) throw new SwarmError(code, `${what} must be a JSON object`)
    validateDocValue(body)
    return body
  }

  app.get('/docs', {
    schema: { summary: 'List live documents, paged like /kv', querystring: listQuerySchema, response: { 200: keyListSchema, ...errorResponses } }
  }, async (req) => {
    const q = req.query as { prefix: string; after?: string; limit: number }
    return deps.engine.listDocs(q.prefix, q.after, q.limit)
  })

  app.get('/docs/*', {
    schema: {
      summary: 'Read a document (with ?conflicts=true, the values concurrent writes left too)',
      params: keyParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          conflicts: { type: 'boolean' },
          wait: { type: 'string', pattern: '^[0-9]{1,9}$', description: 'ms to wait for the writes in X-After (default 1000)' }
        }
      },
      response: {
        200: { description: 'the document, or {doc, conflicts}', content: { 'application/json': { schema: { anyOf: [docSchema, docConflictsSchema] } } } },
        304: { description: 'If-None-Match matched: the document has not changed', type: 'null' },
        ...errorResponses
      }
    }
  }, async (req, reply) => {
    const key = keyOf(req)
    const preconditions = parsePreconditions(req.headers)
    const after = readAfter(deps, req, limits)
    if (after !== undefined) await after
    const { conflicts } = req.query as { conflicts?: boolean }
    const out = await deps.engine.readDoc(key, (doc) => {
      const etag = doc === undefined ? null : docEtag(doc)
      const outcome = evaluatePreconditions(preconditions, etag, true)
      if (outcome !== 'proceed' || doc === undefined || etag === null) return { outcome, etag, body: undefined }
      const json = docToJson(doc)!
      return { outcome, etag, body: conflicts === true ? { doc: json, conflicts: docConflicts(doc) } : json }
    })
    if (out.outcome === 'failed') throw SwarmError.preconditionFailed(out.etag)
    if (out.etag !== null) void reply.header('ETag', out.etag)
    if (out.outcome === 'not-modified') return reply.status(304).send()
    if (out.body === undefined) throw SwarmError.notFound(`document ${JSON.stringify(key)}`)
    return reply.type('application/json').send(out.body)
  })

  app.put('/docs/*', { config, schema: { summary: 'Replace a document\'s root', params: keyParams, querystring: writeQuery, body: jsonBody('a JSON object'), response: writeResponses } }, async (req, reply) => {
    const key = keyOf(req)
    const body = objectBody(req, ErrorCode.BAD_DOCUMENT, 'a document')
    return write(req, reply, key, (root) => replaceRoot(root, body))
  })

  app.patch('/docs/*', {
    config: { ...config, badInputCode: ErrorCode.BAD_PATCH },
    schema: { summary: 'Apply an RFC 7396 merge patch', params: keyParams, querystring: writeQuery, body: jsonBody('a merge patch (a JSON object)'), response: writeResponses }
  }, async (req, reply) => {
    const key = keyOf(req)
    const patch = objectBody(req, ErrorCode.BAD_PATCH, 'a merge patch for a document')
    return write(req, reply, key, (root) => applyMergePatch(root, patch))
  })

  app.delete('/docs/*', { config, schema: { summary: 'Delete a document', params: keyParams, querystring: writeQuery, response: writeResponses } }, async (req, reply) => {
    const key = keyOf(req)
    const exists = await deps.engine.readDoc(key, (doc) => doc !== undefined && docToJson(doc) !== undefined)
    if (!exists) throw SwarmError.notFound(`document ${JSON.stringify(key)}`)
    return write(req, reply, key, (root) => markDeleted(root))
  })

  app.post('/docs/*', {
    config,
    schema: {
      summary: 'POST /docs/<key>/increment: add to a counter',
      params: keyParams,
      querystring: writeQuery,
      response: writeResponses,
      body: {
        type: 'object', required: ['path'], additionalProperties: false,
        properties: {
          path: { type: 'array', minItems: 1, maxItems: 64, items: { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] } },
          by: { type: 'integer', default: 1 }
        }
      }
    }
  }, async (req, reply) => {
    const path = (req.raw.url ?? '').split('?')[0]!
    if (!path.endsWith(INCREMENT_SUFFIX)) throw SwarmError.notFound(`route POST ${path}`)
    const key = keyOf(req, INCREMENT_SUFFIX)
    const { path: at, by } = req.body as { path: Array<string | number>; by: number }
    if (!Number.isSafeInteger(by)) throw new SwarmError(ErrorCode.BAD_REQUEST, '"by" must be a safe integer')
    return write(req, reply, key, (root) => incrementCounter(root, at, by))
  })
}

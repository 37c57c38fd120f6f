import {
  ErrorCode, SwarmError, applyMergePatch, docConflicts, docToJson, formatDot, incrementCounter, isJsonObject,
  markDeleted, replaceRoot, validateDocValue, type Dot, type JsonObject
} from '@swarmkv/core'
import type { DocMutation } from '@swarmkv/storage'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Limits, ServerDeps } from '../options.js'
import { keyFromUrl } from '../keys.js'
import { admitWrite } from '../write-guard.js'
import { awaitReplication, readAfter } from '../consistency.js'
import { errorSchema, writeResultSchema } from '../schemas.js'

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
  const writeSchema = { response: { 200: writeResultSchema, '4xx': errorSchema } }

  const write = async (req: FastifyRequest, reply: FastifyReply, key: string, mutate: DocMutation) => {
    if (!admitWrite(deps, reply, req.raw.url ?? '')) return reply
    const { dot } = await deps.engine.updateDoc(key, mutate)
    const dots: Dot[] = dot === undefined ? [] : [dot]
    const replicated = dots.length === 0 ? undefined : await awaitReplication(deps, req, dots, limits)
    const tokens = dots.map(formatDot)
    if (tokens.length > 0) void reply.header('X-Write-Token', tokens.join(','))
    return reply.send({ tokens, ...(replicated !== undefined ? { replicated } : {}) })
  }

  const objectBody = (req: FastifyRequest, code: ErrorCode, what: string): JsonObject => {
    const body: unknown = req.body
    if (!isJsonObject(body)) throw new SwarmError(code, `${what} must be a JSON object`)
    validateDocValue(body)
    return body
  }

  app.get('/docs/*', {
    schema: { querystring: { type: 'object', properties: { conflicts: { type: 'boolean' }, wait: { type: 'string' } } } }
  }, async (req, reply) => {
    const key = keyOf(req)
    await readAfter(deps, req, limits)
    const { conflicts } = req.query as { conflicts?: boolean }
    const out = await deps.engine.readDoc(key, (doc) => {
      const json = doc === undefined ? undefined : docToJson(doc)
      if (json === undefined || doc === undefined) return undefined
      return conflicts === true ? { doc: json, conflicts: docConflicts(doc) } : json
    })
    if (out === undefined) throw SwarmError.notFound(`document ${JSON.stringify(key)}`)
    return reply.type('application/json').send(out)
  })

  app.put('/docs/*', { config, schema: writeSchema }, async (req, reply) => {
    const key = keyOf(req)
    const body = objectBody(req, ErrorCode.BAD_DOCUMENT, 'a document')
    return write(req, reply, key, (root) => replaceRoot(root, body))
  })

  app.patch('/docs/*', { config: { ...config, badInputCode: ErrorCode.BAD_PATCH }, schema: writeSchema }, async (req, reply) => {
    const key = keyOf(req)
    const patch = objectBody(req, ErrorCode.BAD_PATCH, 'a merge patch for a document')
    return write(req, reply, key, (root) => applyMergePatch(root, patch))
  })

  app.delete('/docs/*', { config, schema: writeSchema }, async (req, reply) => {
    const key = keyOf(req)
    const exists = await deps.engine.readDoc(key, (doc) => doc !== undefined && docToJson(doc) !== undefined)
    if (!exists) throw SwarmError.notFound(`document ${JSON.stringify(key)}`)
    return write(req, reply, key, (root) => markDeleted(root))
  })

  app.post('/docs/*', {
    config,
    schema: {
      body: {
        type: 'object', required: ['path'], additionalProperties: false,
        properties: {
          path: { type: 'array', minItems: 1, maxItems: 64, items: { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] } },
          by: { type: 'integer', default: 1 }
        }
      },
      ...writeSchema
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

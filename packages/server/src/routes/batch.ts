import { ErrorCode, SwarmError, parseTagList, parseVV } from '@swarmkv/core'
import type { LocalWrite } from '@swarmkv/storage'
import type { FastifyInstance } from 'fastify'
import type { Limits, ServerDeps } from '../options.js'
import { validateKey } from '../keys.js'
import { admitWrite } from '../write-guard.js'
import { awaitReplication } from '../consistency.js'
import { sendWriteResult } from './kv.js'
import { errorResponses, writeQuery, writeResultSchema } from '../schemas.js'

interface BatchOp {
  op: 'put' | 'del'
  key: string
  value?: string
  encoding?: 'utf8' | 'base64'
  contentType?: string
  context?: string
  ifMatch?: string
  ifNoneMatch?: string
}

const batchSchema = {
  type: 'object',
  required: ['ops'],
  additionalProperties: false,
  properties: {
    ops: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['op', 'key'],
        additionalProperties: false,
        properties: {
          op: { enum: ['put', 'del'] },
          key: { type: 'string' },
          value: { type: 'string' },
          encoding: { enum: ['utf8', 'base64'] },
          contentType: { type: 'string', maxLength: 256 },
          context: { type: 'string' },
          ifMatch: { type: 'string' },
          ifNoneMatch: { type: 'string' }
        }
      }
    }
  }
} as const

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/

/** POST /batch: several register writes, one durable commit, all or nothing on this node. */
export function registerBatchRoute(app: FastifyInstance, deps: ServerDeps, limits: Limits): void {
  app.post('/batch', {
    bodyLimit: limits.maxBatchBytes,
    config: { badInputCode: ErrorCode.BAD_BATCH, tooLargeCode: ErrorCode.BATCH_TOO_LARGE },
    schema: {
      summary: 'Several register writes in one durable commit, all or nothing',
      querystring: writeQuery,
      body: batchSchema,
      response: { 200: writeResultSchema, ...errorResponses }
    },
    // The op count is checked before schema validation walks every item.
    preValidation: async (req) => {
      const ops = (req.body as { ops?: unknown } | null)?.ops
      if (Array.isArray(ops) && ops.length > limits.maxBatchOps) throw SwarmError.batchTooLarge(ops.length, limits.maxBatchOps)
    }
  }, async (req, reply) => {
    const { ops } = req.body as { ops: BatchOp[] }
    const writes: LocalWrite[] = ops.map((o, i) => {
      const at = `ops[${i}]`
      let key: string
      try {
        key = validateKey(o.key, limits.maxKeyBytes)
      } catch (e) {
        throw e instanceof SwarmError ? new SwarmError(e.code, `${at}: ${e.message}`) : e
      }
      let value: Uint8Array = new Uint8Array(0)
      if (o.op === 'put') {
        if (o.value === undefined) throw SwarmError.badBatch(`${at}: put needs a value`)
        if (o.encoding === 'base64' && !BASE64_RE.test(o.value)) throw SwarmError.badBatch(`${at}: value is not base64`)
        value = o.encoding === 'base64' ? new Uint8Array(Buffer.from(o.value, 'base64')) : new TextEncoder().encode(o.value)
        if (value.byteLength > limits.maxValueBytes) throw SwarmError.valueTooLarge(value.byteLength, limits.maxValueBytes)
      } else if (o.value !== undefined) {
        throw SwarmError.badBatch(`${at}: del takes no value`)
      }
      const context = o.context === undefined ? undefined : parseVV(o.context)
      if (o.context !== undefined && context === undefined) throw SwarmError.badContext(`${at}: context is malformed`)
      const ifMatch = o.ifMatch === undefined ? undefined : parseTagList(o.ifMatch)
      if (o.ifMatch !== undefined && ifMatch === undefined) throw SwarmError.badIfMatch(`${at}: ifMatch is not * or a list of entity-tags`)
      const ifNoneMatch = o.ifNoneMatch === undefined ? undefined : parseTagList(o.ifNoneMatch)
      if (o.ifNoneMatch !== undefined && ifNoneMatch === undefined) throw new SwarmError(ErrorCode.BAD_IF_NONE_MATCH, `${at}: ifNoneMatch is not * or a list of entity-tags`)
      const preconditions = ifMatch === undefined && ifNoneMatch === undefined ? undefined : { ifMatch, ifNoneMatch }
      return {
        key, value, context, preconditions, deleted: o.op === 'del',
        contentType: o.op === 'del' ? '' : (o.contentType ?? (o.encoding === 'base64' ? 'application/octet-stream' : 'text/plain; charset=utf-8'))
      }
    })
    if (!admitWrite(deps, reply, req.raw.url ?? '')) return reply
    const results = await deps.engine.write(writes)
    const replicated = await awaitReplication(deps, req, results.map((r) => r.dot), limits)
    return sendWriteResult(reply, results, replicated)
  })
}

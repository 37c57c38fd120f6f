/**
 * Route schemas. The JSON bodies' schemas live in the client package (@swarmkv/client/schemas)
 * so the client's types derive from the very schemas the server validates with and the
 * OpenAPI document is generated from.
 */
import { errorSchema } from '@swarmkv/client/schemas'

export {
  errorSchema, writeResultSchema, keyListSchema, siblingsSchema, docSchema, docConflictsSchema, clusterSchema,
  changeEventSchema, resetEventSchema, cutoffEventSchema
} from '@swarmkv/client/schemas'

/** The key of a wildcard route (`/kv/*`, `/docs/*`): percent-encoded, `/` allowed. */
export const keyParams = {
  type: 'object',
  properties: { '*': { type: 'string', description: 'the key, percent-encoded' } }
} as const

/** Bytes of any content type. */
export const binarySchema = { type: 'string', format: 'binary' } as const

/** Every route's errors: `{error, message}` with a stable code. */
export const errorResponses = {
  '4xx': { ...errorSchema, description: 'a client error: see the error code' },
  '5xx': { ...errorSchema, description: 'the node cannot serve the request now: see the error code' }
} as const

/** Routes that take no query parameters say so: an unknown one is refused (400 BAD_QUERY). */
export const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const

/** `?w=N&timeout=ms` of every write route (/kv, /docs, /batch): wait until N nodes applied it. */
export const writeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    w: { type: 'integer', minimum: 1, maximum: 1000, description: 'wait until this many nodes (this one included) applied the write' },
    timeout: { type: 'string', pattern: '^[0-9]{1,9}$', description: 'ms to wait for ?w= (default 5000)' }
  }
} as const

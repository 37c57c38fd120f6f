import type { FromSchema } from 'json-schema-to-ts'

/**
 * The JSON shapes of the HTTP API, as JSON Schemas: the server validates and documents its
 * routes with them (and /openapi.json is generated from them), and this client's types are
 * derived from them, so the two cannot drift apart. Plain data: no server code comes along.
 */

export const errorSchema = {
  type: 'object',
  description: 'every error: a stable code and a message for people',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  additionalProperties: true
} as const

export const writeResultSchema = {
  type: 'object',
  description: 'the write is durable on this node',
  required: ['tokens'],
  additionalProperties: false,
  properties: {
    tokens: { type: 'array', items: { type: 'string' }, description: 'write tokens (origin:seq), one per write' },
    replicated: { type: 'integer', description: 'with ?w=N: how many nodes had the write' }
  }
} as const

export const keyListSchema = {
  type: 'object',
  description: 'one page of keys in UTF-8 byte order; pass next as after for the next page',
  required: ['keys', 'next'],
  additionalProperties: false,
  properties: {
    keys: { type: 'array', items: { type: 'string' } },
    next: { type: ['string', 'null'] }
  }
} as const

export const siblingSchema = {
  type: 'object',
  required: ['dot', 'hlc', 'contentType', 'deleted', 'encoding', 'value'],
  additionalProperties: false,
  properties: {
    dot: { type: 'string' },
    hlc: { type: 'string' },
    contentType: { type: 'string' },
    deleted: { type: 'boolean' },
    encoding: { enum: ['utf8', 'base64'] },
    value: { type: 'string' }
  }
} as const

export const siblingsSchema = {
  type: 'object',
  description: 'every sibling of a key, winner first',
  required: ['key', 'context', 'siblings'],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    context: { type: 'string' },
    siblings: { type: 'array', items: siblingSchema }
  }
} as const

export const docSchema = {
  type: 'object',
  description: 'a JSON document',
  additionalProperties: true
} as const

export const docConflictsSchema = {
  type: 'object',
  required: ['doc', 'conflicts'],
  additionalProperties: false,
  properties: {
    doc: docSchema,
    conflicts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'values'],
        additionalProperties: false,
        properties: {
          path: { type: 'array', items: { type: ['string', 'integer'] } },
          values: { type: 'array', items: {} }
        }
      }
    }
  }
} as const

/** The data of a `change` event of GET /watch. */
export const changeEventSchema = {
  type: 'object',
  required: ['key', 'kind', 'token', 'deleted', 'siblings'],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    kind: { enum: ['kv', 'doc'] },
    token: { type: 'string', description: 'the write token of the change (origin:seq)' },
    deleted: { type: 'boolean', description: 'a tombstone (kv) or a deleted document' },
    siblings: { type: 'integer', description: 'live values the key has on this node now (documents: 1, or 0 when deleted)' },
    contentType: { type: 'string', description: 'kv: the content type written' },
    encoding: { enum: ['utf8', 'base64'], description: 'kv: how value is written' },
    value: { description: 'kv: the value written (a string); doc: the document on this node as the event is sent (null when deleted)' }
  }
} as const

/** The data of a `reset` event: the feed cannot say what changed; list again. */
export const resetEventSchema = {
  type: 'object',
  required: ['reason', 'message'],
  additionalProperties: false,
  properties: {
    reason: { enum: ['COMPACTED', 'STATE_TRANSFER'] },
    message: { type: 'string' }
  }
} as const

/** The data of a `cutoff` event, the last of a stream the node closes. */
export const cutoffEventSchema = {
  type: 'object',
  required: ['reason', 'message'],
  additionalProperties: false,
  properties: {
    reason: { enum: ['SLOW_WATCHER', 'SHUTDOWN'] },
    message: { type: 'string' }
  }
} as const

export const peerSchema = {
  type: 'object',
  required: ['nodeId', 'role', 'region', 'httpUrl', 'connected', 'applied', 'lagOps', 'lagMs'],
  additionalProperties: true,
  properties: {
    nodeId: { type: 'string' },
    role: { enum: ['master', 'replica'] },
    region: { type: 'string' },
    httpUrl: { type: 'string' },
    connected: { type: 'boolean' },
    readOnly: { type: ['boolean', 'null'], description: 'null: the peer never announced it' },
    applied: { type: 'object', additionalProperties: { type: 'integer' } },
    lagOps: { type: ['integer', 'null'], description: 'null: unknown' },
    lagMs: { type: ['number', 'null'] }
  }
} as const

export const clusterSchema = {
  type: 'object',
  required: ['self', 'peers'],
  additionalProperties: false,
  properties: {
    self: {
      type: 'object',
      required: ['nodeId', 'publicKey', 'role', 'readOnly', 'region', 'httpUrl', 'seq', 'applied', 'context'],
      additionalProperties: true,
      properties: {
        nodeId: { type: 'string' },
        publicKey: { type: ['string', 'null'] },
        role: { enum: ['master', 'replica'] },
        readOnly: { type: 'boolean' },
        region: { type: 'string' },
        httpUrl: { type: 'string' },
        seq: { type: 'integer' },
        applied: { type: 'object', additionalProperties: { type: 'integer' } },
        context: { type: 'string' }
      }
    },
    peers: { type: 'array', items: peerSchema }
  }
} as const

export type ErrorBody = FromSchema<typeof errorSchema>
export type WriteResultBody = FromSchema<typeof writeResultSchema>
export type KeyList = FromSchema<typeof keyListSchema>
export type SiblingJson = FromSchema<typeof siblingSchema>
export type SiblingsBody = FromSchema<typeof siblingsSchema>
export type DocConflictsBody = FromSchema<typeof docConflictsSchema>
export type ChangeEventData = FromSchema<typeof changeEventSchema>
export type ResetEventData = FromSchema<typeof resetEventSchema>
export type CutoffEventData = FromSchema<typeof cutoffEventSchema>
export type PeerInfo = FromSchema<typeof peerSchema>
export type ClusterInfo = FromSchema<typeof clusterSchema>

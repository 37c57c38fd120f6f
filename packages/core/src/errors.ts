/**
 * Stable error codes. The code is the contract; messages are for people and may change.
 * The server maps each code to an HTTP status in one table.
 */
export const ErrorCode = {
  BAD_KEY: 'BAD_KEY',
  KEY_TOO_LONG: 'KEY_TOO_LONG',
  VALUE_TOO_LARGE: 'VALUE_TOO_LARGE',
  BAD_CONTEXT: 'BAD_CONTEXT',
  BAD_IF_MATCH: 'BAD_IF_MATCH',
  BAD_IF_NONE_MATCH: 'BAD_IF_NONE_MATCH',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_QUERY: 'BAD_QUERY',
  BAD_EVENT_ID: 'BAD_EVENT_ID',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  BAD_JSON: 'BAD_JSON',
  BAD_BATCH: 'BAD_BATCH',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  BAD_TOKEN: 'BAD_TOKEN',
  UNSUPPORTED_CONTENT_ENCODING: 'UNSUPPORTED_CONTENT_ENCODING',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  NOT_FOUND: 'NOT_FOUND',
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  READ_ONLY: 'READ_ONLY',
  NO_MASTER: 'NO_MASTER',
  NOT_READY: 'NOT_READY',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_DOCUMENT: 'BAD_DOCUMENT',
  BAD_PATCH: 'BAD_PATCH',
  NOT_A_COUNTER: 'NOT_A_COUNTER',
  DOCUMENT_TOO_LARGE: 'DOCUMENT_TOO_LARGE',
  STORE_CLOSED: 'STORE_CLOSED',
  STORAGE_FULL: 'STORAGE_FULL',
  INTERNAL: 'INTERNAL'
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export class SwarmError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'SwarmError'
    this.code = code
    this.details = details
  }

  static badKey(message: string) { return new SwarmError(ErrorCode.BAD_KEY, message) }
  static keyTooLong(bytes: number, max: number) {
    return new SwarmError(ErrorCode.KEY_TOO_LONG, `key is ${bytes} bytes; the limit is ${max}`)
  }
  static valueTooLarge(bytes: number, max: number) {
    return new SwarmError(ErrorCode.VALUE_TOO_LARGE, `value is ${bytes} bytes; the limit is ${max}`)
  }
  static badContext(message: string) { return new SwarmError(ErrorCode.BAD_CONTEXT, message) }
  static badIfMatch(message: string) { return new SwarmError(ErrorCode.BAD_IF_MATCH, message) }
  /** `current`: the ETag the preconditions were judged against (null: no current representation). */
  static preconditionFailed(current: string | null) {
    return new SwarmError(ErrorCode.PRECONDITION_FAILED, 'If-Match or If-None-Match does not hold for the current state', { etag: current })
  }
  static badRequest(message: string) { return new SwarmError(ErrorCode.BAD_REQUEST, message) }
  static badBatch(message: string) { return new SwarmError(ErrorCode.BAD_BATCH, message) }
  static batchTooLarge(n: number, max: number) {
    return new SwarmError(ErrorCode.BATCH_TOO_LARGE, `batch has ${n} ops; the limit is ${max}`)
  }
  static badToken(message: string) { return new SwarmError(ErrorCode.BAD_TOKEN, message) }
  static notFound(what: string) { return new SwarmError(ErrorCode.NOT_FOUND, `${what} not found`) }
  static waitTimeout(message: string, details?: Record<string, unknown>) {
    return new SwarmError(ErrorCode.WAIT_TIMEOUT, message, details)
  }
  static readOnly() { return new SwarmError(ErrorCode.READ_ONLY, 'this node is read-only and refuses writes') }
  static noMaster() { return new SwarmError(ErrorCode.NO_MASTER, 'this node is a replica and knows no writable master to take the write (none connected, or all read-only)') }
  static storeClosed() { return new SwarmError(ErrorCode.STORE_CLOSED, 'the store is closed') }
  static storageFull(detail: string) {
    return new SwarmError(ErrorCode.STORAGE_FULL, `the node's disk is full; nothing of this write was stored (${detail})`)
  }
}

export function isSwarmError(e: unknown): e is SwarmError {
  return e instanceof SwarmError
}

import type { Socket } from 'node:net'
import { ErrorCode, SwarmError, isSwarmError, type Problems } from '@swarmkv/core'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The one table from stable error codes to HTTP status. Total: a new code does not compile
 * until it has its status here (and docs/HTTP-API.md's table is checked against this one).
 */
export const STATUS_OF = {
  [ErrorCode.BAD_KEY]: 400,
  [ErrorCode.KEY_TOO_LONG]: 414,
  [ErrorCode.VALUE_TOO_LARGE]: 413,
  [ErrorCode.BAD_CONTEXT]: 400,
  [ErrorCode.BAD_IF_MATCH]: 400,
  [ErrorCode.BAD_IF_NONE_MATCH]: 400,
  [ErrorCode.PRECONDITION_FAILED]: 412,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.BAD_QUERY]: 400,
  [ErrorCode.BAD_EVENT_ID]: 400,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.HEADERS_TOO_LARGE]: 431,
  [ErrorCode.REQUEST_TIMEOUT]: 408,
  [ErrorCode.BAD_JSON]: 400,
  [ErrorCode.BAD_BATCH]: 400,
  [ErrorCode.BATCH_TOO_LARGE]: 413,
  [ErrorCode.BAD_TOKEN]: 400,
  [ErrorCode.UNSUPPORTED_CONTENT_ENCODING]: 415,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.WAIT_TIMEOUT]: 504,
  [ErrorCode.READ_ONLY]: 503,
  [ErrorCode.NO_MASTER]: 503,
  [ErrorCode.NOT_READY]: 503,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.BAD_DOCUMENT]: 400,
  [ErrorCode.BAD_PATCH]: 400,
  [ErrorCode.NOT_A_COUNTER]: 409,
  [ErrorCode.DOCUMENT_TOO_LARGE]: 413,
  [ErrorCode.STORE_CLOSED]: 503,
  [ErrorCode.STORAGE_FULL]: 507,
  [ErrorCode.INTERNAL]: 500
} as const satisfies Record<ErrorCode, number>

/**
 * Seconds a client should wait before trying a 503 again (RFC 9110 §10.2.3): a read-only
 * master, a replica without a master, or a node starting or stopping is a state an operator or
 * the cluster changes within seconds.
 */
export const RETRY_AFTER_SECONDS = 5

/** The challenge a 401 or 403 carries (RFC 6750 §3). */
const BEARER_REALM = 'Bearer realm="swarmkv"'

export interface ErrorBody {
  error: string
  message: string
  [extra: string]: unknown
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error code reported when this route's request fails schema validation or body parsing. */
    badInputCode?: ErrorCode
    /** The error code reported when this route's body is over its limit. Default VALUE_TOO_LARGE. */
    tooLargeCode?: ErrorCode
  }
}

/** Translates framework errors (body parsing, validation, limits) into SwarmErrors. */
function fromFastify(err: FastifyError, req: FastifyRequest): SwarmError | undefined {
  if (err.validation) {
    // Query parameters are the same on every route: unknown or malformed ones have one code.
    if (err.validationContext === 'querystring') {
      const unknown = err.validation.find((v) => v.keyword === 'additionalProperties')?.params.additionalProperty
      return new SwarmError(ErrorCode.BAD_QUERY, typeof unknown === 'string' ? `unknown query parameter ${JSON.stringify(unknown)}` : `invalid query: ${err.message}`)
    }
    return new SwarmError(req.routeOptions.config.badInputCode ?? ErrorCode.BAD_REQUEST, `invalid request: ${err.message}`)
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SwarmError(req.routeOptions.config.tooLargeCode ?? ErrorCode.VALUE_TOO_LARGE, 'request body is too large')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SwarmError(ErrorCode.BAD_JSON, `body is not valid JSON: ${err.message}`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SwarmError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, err.message)
    default:
      // FST_ERR_CTP_INVALID_CONTENT_LENGTH and any other 4xx Fastify raises: still our format.
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return new SwarmError(ErrorCode.BAD_REQUEST, err.message)
      return undefined
  }
}

/** Headers an error's status calls for: a challenge on 401/403, Retry-After on 503. */
function errorHeaders(reply: FastifyReply, e: SwarmError, status: number): void {
  if (e.code === ErrorCode.UNAUTHORIZED) {
    const presented = e.details?.presented === true
    void reply.header('WWW-Authenticate', presented ? `${BEARER_REALM}, error="invalid_token"` : BEARER_REALM)
  } else if (e.code === ErrorCode.FORBIDDEN) {
    const scope = typeof e.details?.scope === 'string' ? `, scope="${e.details.scope}"` : ''
    void reply.header('WWW-Authenticate', `${BEARER_REALM}, error="insufficient_scope"${scope}`)
  } else if (status === 503) {
    void reply.header('Retry-After', String(RETRY_AFTER_SECONDS))
  }
  if (e.code === ErrorCode.METHOD_NOT_ALLOWED && Array.isArray(e.details?.allow)) void reply.header('Allow', (e.details.allow as string[]).join(', '))
}

export function sendError(reply: FastifyReply, e: SwarmError): FastifyReply {
  const body: ErrorBody = { error: e.code, message: e.message, ...(e.details ?? {}) }
  // `presented` only picks the challenge; it is not part of the body.
  delete body.presented
  const status = STATUS_OF[e.code]
  errorHeaders(reply, e, status)
  return reply.status(status).type('application/json').send(body)
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply, problems?: Problems): FastifyReply {
  const e = isSwarmError(err) ? err : fromFastify(err, req)
  if (e !== undefined) return sendError(reply, e)
  // Counted too (swarmkv_errors_total{where="http"}); the 500 also shows in the request histogram.
  problems?.report('http', err, `unhandled error in ${req.method} ${req.routeOptions.url ?? req.url}`)
  if (problems === undefined) req.log.error({ err }, 'unhandled error')
  return sendError(reply, new SwarmError(ErrorCode.INTERNAL, 'internal error'))
}

const PROBED_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST'] as const

/**
 * No route for this method and path. When the path has routes for other methods the answer is
 * 405 with Allow (RFC 9110 §15.5.6), and OPTIONS gets 204 with Allow (§9.3.7); otherwise 404.
 */
export function makeNotFoundHandler(app: FastifyInstance) {
  return (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = req.url.split('?')[0]!
    const allow = PROBED_METHODS.filter((m) => app.findRoute({ method: m, url: path }) !== null)
    if (allow.length === 0) return sendError(reply, SwarmError.notFound(`route ${req.method} ${path}`))
    if (req.method === 'OPTIONS') return reply.status(204).header('Allow', [...allow, 'OPTIONS'].join(', ')).send()
    return sendError(reply, new SwarmError(ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, { allow: [...allow, 'OPTIONS'] }))
  }
}

/**
 * Errors Node's HTTP parser raises before any route runs (headers over the limit, a request
 * timeout, bytes that are not HTTP) answered in the same JSON form with a stable code.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, ErrorCode.HEADERS_TOO_LARGE, 'the request\'s header fields are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, ErrorCode.REQUEST_TIMEOUT, 'the request did not arrive in time']
        : [400, ErrorCode.BAD_REQUEST, `not a valid HTTP request (${err.code ?? err.message})`]
  const body = JSON.stringify({ error: code, message })
  if (socket.writable) {
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroy(err)
}

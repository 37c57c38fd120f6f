import { ErrorCode, SwarmError, isSwarmError, type Problems } from '@swarmkv/core'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

/** The one table from stable error codes to HTTP status. */
export const STATUS_OF: Readonly<Record<string, number>> = {
  [ErrorCode.BAD_KEY]: 400,
  [ErrorCode.KEY_TOO_LONG]: 414,
  [ErrorCode.VALUE_TOO_LARGE]: 413,
  [ErrorCode.BAD_CONTEXT]: 400,
  [ErrorCode.BAD_IF_MATCH]: 400,
  [ErrorCode.PRECONDITION_FAILED]: 412,
  [ErrorCode.BAD_REQUEST]: 400,
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
  [ErrorCode.INTERNAL]: 500
}

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
  const badInput = req.routeOptions.config.badInputCode ?? ErrorCode.BAD_REQUEST
  if (err.validation) return new SwarmError(badInput, `invalid request: ${err.message}`)
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SwarmError(req.routeOptions.config.tooLargeCode ?? ErrorCode.VALUE_TOO_LARGE, 'request body is too large')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SwarmError(ErrorCode.BAD_JSON, `body is not valid JSON: ${err.message}`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SwarmError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, err.message)
    default:
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return new SwarmError(ErrorCode.BAD_REQUEST, err.message)
      return undefined
  }
}

export function sendError(reply: FastifyReply, e: SwarmError): FastifyReply {
  const body: ErrorBody = { error: e.code, message: e.message, ...(e.details ?? {}) }
  return reply.status(STATUS_OF[e.code] ?? 500).type('application/json').send(body)
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply, problems?: Problems): FastifyReply {
  const e = isSwarmError(err) ? err : fromFastify(err, req)
  if (e !== undefined) return sendError(reply, e)
  // Counted too (swarmkv_errors_total{where="http"}); the 500 also shows in the request histogram.
  problems?.report('http', err, `unhandled error in ${req.method} ${req.routeOptions.url ?? req.url}`)
  if (problems === undefined) req.log.error({ err }, 'unhandled error')
  return sendError(reply, new SwarmError(ErrorCode.INTERNAL, 'internal error'))
}

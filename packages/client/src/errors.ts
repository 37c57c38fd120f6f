/** Codes the client itself gives, beside the server's (docs/HTTP-API.md, "Error codes"). */
export const ClientErrorCode = {
  /** No node answered: every URL failed to connect (or answered 503). */
  UNREACHABLE: 'UNREACHABLE',
  /** The call's time ran out (`timeoutMs`), or its signal aborted it. */
  TIMEOUT: 'TIMEOUT',
  ABORTED: 'ABORTED',
  /** The node answered something that is not this API (not JSON where JSON belongs). */
  BAD_RESPONSE: 'BAD_RESPONSE'
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

/**
 * Every failure of a call: `code` is the server's stable error code (`PRECONDITION_FAILED`,
 * `READ_ONLY`, …) or one of ClientErrorCode; `status` is the HTTP status (0 when no node answered).
 */
export class SwarmkvError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body?: unknown, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SwarmkvError'
  }
}

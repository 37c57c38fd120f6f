import { ClientErrorCode, SwarmkvError } from './errors.js'

/** Redirects (a replica's 307 to a master) followed at most. */
const MAX_REDIRECTS = 3
/** Default time for one call, failovers included, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000

export interface TransportOptions {
  readonly urls: readonly string[]
  readonly fetch: typeof fetch
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

export interface CallOptions {
  readonly body?: Uint8Array | string | undefined
  readonly headers?: Record<string, string>
  readonly signal?: AbortSignal | undefined
  /** Overrides the client's time for this call; 0: none (watch streams). */
  readonly timeoutMs?: number
}

/** Error codes of fetch failures that mean the request never reached the node. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

function causeCode(e: unknown): string | undefined {
  const c = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return typeof c === 'string' ? c : undefined
}

/**
 * Several node URLs, tried in turn: a connection error or a 503 (read-only, no master, not
 * ready, shutting down) moves on to the next node, and the node that answered is tried first
 * next time. A POST (counter increments, batches) is not idempotent: it moves on only when the
 * request surely never left (connection refused), never after it may have been applied.
 */
export class Transport {
  private preferred = 0

  constructor(private readonly opts: TransportOptions) {
    if (opts.urls.length === 0) throw new Error('the client needs at least one node URL')
  }

  /** The node calls go to first. */
  get url(): string {
    return this.opts.urls[this.preferred]!
  }

  async request(method: string, path: string, call: CallOptions = {}): Promise<Response> {
    const ms = call.timeoutMs ?? this.opts.timeoutMs
    const signals = [call.signal, ms > 0 ? AbortSignal.timeout(ms) : undefined].filter((s): s is AbortSignal => s !== undefined)
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals)
    const urls = this.opts.urls
    let last: unknown
    for (let i = 0; i < urls.length; i++) {
      const at = (this.preferred + i) % urls.length
      try {
        const res = await this.once(urls[at]!, method, path, call, signal)
        if (res.status === 503 && i < urls.length - 1) {
          last = await toError(res)
          continue
        }
        this.preferred = at
        return res
      } catch (e) {
        if (signal?.aborted === true) throw abortError(signal, e)
        const idempotent = method !== 'POST'
        if (!idempotent && !NOT_SENT.has(causeCode(e) ?? '')) throw unreachable(urls[at]!, e)
        last = e
      }
    }
    if (last instanceof SwarmkvError) throw last
    throw unreachable(urls.join(', '), last)
  }

  private async once(base: string, method: string, path: string, call: CallOptions, signal: AbortSignal | undefined): Promise<Response> {
    // Replicas answer writes with 307 to a master: followed here, resending method and body
    // (fetch's own redirect handling cannot resend a byte body).
    let url = `${base}${path}`
    for (let hop = 0; ; hop++) {
      const body = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : call.body.slice()
      const res = await this.opts.fetch(url, {
        method, headers: { ...this.opts.headers, ...call.headers }, redirect: 'manual',
        ...(body !== undefined ? { body } : {}), ...(signal !== undefined ? { signal } : {})
      })
      const location = res.headers.get('location')
      if ((res.status !== 307 && res.status !== 308) || location === null || hop >= MAX_REDIRECTS) return res
      await res.body?.cancel()
      url = new URL(location, url).toString()
    }
  }
}

function unreachable(where: string, cause: unknown): SwarmkvError {
  const why = cause instanceof Error ? `${cause.message}${causeCode(cause) !== undefined ? ` (${causeCode(cause)})` : ''}` : String(cause)
  return new SwarmkvError(0, ClientErrorCode.UNREACHABLE, `no node answered (${where}): ${why}`, undefined, { cause })
}

function abortError(signal: AbortSignal, cause: unknown): SwarmkvError {
  const timeout = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError'
  return new SwarmkvError(0, timeout ? ClientErrorCode.TIMEOUT : ClientErrorCode.ABORTED, timeout ? 'the call ran out of time' : 'the call was aborted', undefined, { cause })
}

/** The server's JSON error as a SwarmkvError (its code, status and body). */
export async function toError(res: Response): Promise<SwarmkvError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const b = body as { error?: unknown; message?: unknown } | undefined
  return new SwarmkvError(res.status, typeof b?.error === 'string' ? b.error : `HTTP_${res.status}`, typeof b?.message === 'string' ? b.message : res.statusText, body)
}

export async function ensureOk(res: Response): Promise<void> {
  if (!res.ok) throw await toError(res)
}

/** The JSON body of a successful answer; a SwarmkvError with the server's code otherwise. */
export async function readJson<T>(res: Response): Promise<T> {
  await ensureOk(res)
  try {
    return (await res.json()) as T
  } catch (e) {
    throw new SwarmkvError(res.status, ClientErrorCode.BAD_RESPONSE, 'the node answered something that is not JSON', undefined, { cause: e })
  }
}

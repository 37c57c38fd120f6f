/** Calls to the node serving the page (same origin: no CORS), with the session's bearer token. */

export type Failure = 'offline' | 'unauthorized' | 'forbidden' | 'http'

/** A call that did not succeed, sorted by what the page should show for it. */
export class ApiError extends Error {
  constructor(
    readonly kind: Failure,
    readonly status: number,
    /** The node's stable error code (`{error: CODE}`), when it sent one. */
    readonly code: string | undefined,
    message: string
  ) {
    super(message)
  }
}

/** The token lives in sessionStorage only: it is gone when the tab closes, and never in a URL. */
const TOKEN_KEY = 'swarmkv.token'

export class Api {
  /**
   * @param storage where the token lives; default the tab's sessionStorage.
   * @param base prefix of every path; default '' (the node that served the page).
   */
  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = sessionStorage, private readonly base = '') {}

  get token(): string | null {
    return this.storage.getItem(TOKEN_KEY)
  }

  set token(t: string | null) {
    if (t === null || t === '') this.storage.removeItem(TOKEN_KEY)
    else this.storage.setItem(TOKEN_KEY, t)
  }

  async json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await this.call(path, init)
    if (res.status === 204) return undefined as T
    return (await res.json()) as T
  }

  async text(path: string): Promise<string> {
    return (await this.call(path, {})).text()
  }

  private async call(path: string, init: { method?: string; body?: unknown }): Promise<Response> {
    const headers: Record<string, string> = {}
    const token = this.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, {
        method: init.method ?? 'GET', headers, cache: 'no-store',
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
      })
    } catch (e) {
      throw new ApiError('offline', 0, undefined, `the node does not answer (${e instanceof Error ? e.message : String(e)})`)
    }
    if (res.ok) return res
    let code: string | undefined
    let message = `${res.status} ${res.statusText}`
    try {
      const body = (await res.json()) as { error?: unknown; message?: unknown }
      if (typeof body.error === 'string') code = body.error
      if (typeof body.message === 'string') message = body.message
    } catch {
      // Not our JSON error format (a proxy's page, say): the status line says enough.
    }
    const kind: Failure = res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : 'http'
    throw new ApiError(kind, res.status, code, message)
  }
}

/** `code: message` for a status line. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) return e.code === undefined ? e.message : `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

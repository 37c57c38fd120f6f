/** Options for {@link SwarmkvClient}. */
export interface ClientOptions {
  /** Base URL of any node, e.g. `http://127.0.0.1:7001`. */
  readonly url: string
  /** How long a read waits for this session's writes to arrive at the node, in ms. Default 5000. */
  readonly readWaitMs?: number
  readonly fetch?: typeof fetch
  /** Bearer token, for nodes started with --token. */
  readonly token?: string
}

export interface GetResult {
  readonly value: Uint8Array
  readonly contentType: string
  readonly etag: string
  readonly context: string
  readonly siblings: number
}

export interface SiblingJson {
  readonly dot: string
  readonly hlc: string
  readonly contentType: string
  readonly deleted: boolean
  readonly encoding: 'utf8' | 'base64'
  readonly value: string
}

export interface WriteOptions {
  readonly contentType?: string
  /** The X-Context of the state being replaced (from a get); absent: replace what the node has. */
  readonly context?: string
  readonly ifMatch?: string
  /** Wait until this many nodes have the write. */
  readonly w?: number
  readonly timeoutMs?: number
}

const MAX_REDIRECTS = 3

export class SwarmkvError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: unknown) {
    super(message)
    this.name = 'SwarmkvError'
  }
}

/**
 * A small HTTP client. It remembers the write tokens of its own writes and sends them with every
 * read (X-After), so a session reads its own writes on any node, in any region.
 */
export class SwarmkvClient {
  readonly url: string
  private readonly fetch: typeof fetch
  private readonly readWaitMs: number
  private readonly auth: Record<string, string>
  /** Latest write token per origin: enough to cover every write of this session. */
  private readonly tokens = new Map<string, number>()

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '')
    this.fetch = opts.fetch ?? fetch
    this.readWaitMs = opts.readWaitMs ?? 5000
    this.auth = opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }
  }

  /** The session's write tokens, as sent in X-After. */
  get after(): string {
    return [...this.tokens].map(([o, s]) => `${o}:${s}`).join(',')
  }

  async get(key: string): Promise<GetResult | undefined> {
    const res = await this.request('GET', `/kv/${encodeURIComponent(key)}?wait=${this.readWaitMs}`, undefined, this.readHeaders())
    if (res.status === 404) return undefined
    await this.ensureOk(res)
    return {
      value: new Uint8Array(await res.arrayBuffer()),
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      etag: res.headers.get('etag') ?? '',
      context: res.headers.get('x-context') ?? '',
      siblings: Number(res.headers.get('x-siblings') ?? '1')
    }
  }

  async getText(key: string): Promise<string | undefined> {
    const r = await this.get(key)
    return r === undefined ? undefined : new TextDecoder().decode(r.value)
  }

  async siblings(key: string): Promise<{ key: string; context: string; siblings: SiblingJson[] } | undefined> {
    const res = await this.request('GET', `/kv/${encodeURIComponent(key)}?siblings=true&wait=${this.readWaitMs}`, undefined, this.readHeaders())
    if (res.status === 404) return undefined
    await this.ensureOk(res)
    return (await res.json()) as { key: string; context: string; siblings: SiblingJson[] }
  }

  async put(key: string, value: Uint8Array | string, opts: WriteOptions = {}): Promise<string[]> {
    const body = typeof value === 'string' ? new TextEncoder().encode(value) : value
    const contentType = opts.contentType ?? (typeof value === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream')
    return this.write('PUT', key, body, { ...opts, contentType })
  }

  async del(key: string, opts: WriteOptions = {}): Promise<string[]> {
    return this.write('DELETE', key, undefined, opts)
  }

  async list(opts: { prefix?: string; after?: string; limit?: number } = {}): Promise<{ keys: string[]; next: string | null }> {
    const q = new URLSearchParams()
    if (opts.prefix !== undefined) q.set('prefix', opts.prefix)
    if (opts.after !== undefined) q.set('after', opts.after)
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    const res = await this.request('GET', `/kv?${q.toString()}`)
    await this.ensureOk(res)
    return (await res.json()) as { keys: string[]; next: string | null }
  }

  async batch(ops: ReadonlyArray<{ op: 'put' | 'del'; key: string; value?: string; encoding?: 'utf8' | 'base64'; contentType?: string; context?: string }>): Promise<string[]> {
    const res = await this.request('POST', '/batch', JSON.stringify({ ops }), { 'content-type': 'application/json' })
    return this.afterWrite(res)
  }

  async json<T = unknown>(path: string): Promise<T> {
    const res = await this.request('GET', path)
    await this.ensureOk(res)
    return (await res.json()) as T
  }

  private async write(method: 'PUT' | 'DELETE', key: string, body: Uint8Array | undefined, opts: WriteOptions): Promise<string[]> {
    const headers: Record<string, string> = {}
    if (opts.contentType !== undefined && body !== undefined) headers['content-type'] = opts.contentType
    if (opts.context !== undefined) headers['x-context'] = opts.context
    if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch
    const q = new URLSearchParams()
    if (opts.w !== undefined) q.set('w', String(opts.w))
    if (opts.timeoutMs !== undefined) q.set('timeout', String(opts.timeoutMs))
    const qs = q.size > 0 ? `?${q.toString()}` : ''
    const res = await this.request(method, `/kv/${encodeURIComponent(key)}${qs}`, body, headers)
    return this.afterWrite(res)
  }

  private async afterWrite(res: Response): Promise<string[]> {
    await this.ensureOk(res)
    const { tokens } = (await res.json()) as { tokens: string[] }
    for (const t of tokens) this.remember(t)
    return tokens
  }

  private remember(token: string): void {
    const i = token.lastIndexOf(':')
    const origin = token.slice(0, i)
    const seq = Number(token.slice(i + 1))
    if ((this.tokens.get(origin) ?? 0) < seq) this.tokens.set(origin, seq)
  }

  private readHeaders(): Record<string, string> {
    const after = this.after
    return after === '' ? {} : { 'x-after': after }
  }

  private async request(method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<Response> {
    // Replicas answer writes with 307 to a master: follow it here, resending method and body
    // (fetch's own redirect handling cannot resend a byte body).
    let url = `${this.url}${path}`
    for (let hop = 0; ; hop++) {
      const res = await this.fetch(url, { method, headers: { ...this.auth, ...headers }, ...(body !== undefined ? { body: typeof body === 'string' ? body : body.slice() } : {}), redirect: 'manual' })
      const location = res.headers.get('location')
      if ((res.status !== 307 && res.status !== 308) || location === null || hop >= MAX_REDIRECTS) return res
      await res.body?.cancel()
      url = new URL(location, url).toString()
    }
  }

  private async ensureOk(res: Response): Promise<void> {
    if (res.ok) return
    let body: unknown
    try {
      body = await res.json()
    } catch {
      body = undefined
    }
    const b = body as { error?: string; message?: string } | undefined
    throw new SwarmkvError(res.status, b?.error ?? `HTTP_${res.status}`, b?.message ?? res.statusText, body)
  }
}

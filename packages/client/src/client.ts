import type { ClusterInfo, KeyList, SiblingsBody, WriteResultBody } from './schemas.js'
import type { ClientOptions, GetResult, ReadOptions, WriteOptions, WriteResult } from './types.js'
import { DEFAULT_TIMEOUT_MS, Transport, ensureOk, readJson, type CallOptions } from './transport.js'
import { watchFeed, type WatchEvent, type WatchOptions } from './watch.js'
import { DocsApi } from './docs.js'

/**
 * A typed HTTP client of swarmkv. It remembers the write tokens of its own writes and sends them
 * with every read (X-After), so a session reads its own writes on any node, in any region; with
 * several URLs it fails over; every call has a deadline. Errors are SwarmkvError with the
 * server's code.
 */
export class SwarmkvClient {
  readonly docs: DocsApi
  private readonly transport: Transport
  private readonly readWaitMs: number
  /** Latest write token per origin: enough to cover every write of this session. */
  private readonly tokens = new Map<string, number>()

  constructor(opts: ClientOptions) {
    const urls = [...(opts.urls ?? []), ...(opts.url !== undefined ? [opts.url] : [])].map((u) => u.replace(/\/+$/, ''))
    this.transport = new Transport({
      urls, fetch: opts.fetch ?? fetch, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }
    })
    this.readWaitMs = opts.readWaitMs ?? 5000
    this.docs = new DocsApi(this)
  }

  /** The node calls go to first (the one that answered last). */
  get url(): string {
    return this.transport.url
  }

  /** The session's write tokens, as sent in X-After. */
  get after(): string {
    return [...this.tokens].map(([o, s]) => `${o}:${s}`).join(',')
  }

  async get(key: string, opts: ReadOptions = {}): Promise<GetResult | undefined> {
    const res = await this.request('GET', `/kv/${encodeURIComponent(key)}?wait=${this.readWaitMs}`, { headers: this.readHeaders(), ...opts })
    if (res.status === 404) { await res.body?.cancel(); return undefined }
    await ensureOk(res)
    return {
      value: new Uint8Array(await res.arrayBuffer()),
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      etag: res.headers.get('etag') ?? '',
      context: res.headers.get('x-context') ?? '',
      siblings: Number(res.headers.get('x-siblings') ?? '1')
    }
  }

  async getText(key: string, opts: ReadOptions = {}): Promise<string | undefined> {
    const r = await this.get(key, opts)
    return r === undefined ? undefined : new TextDecoder().decode(r.value)
  }

  async siblings(key: string, opts: ReadOptions = {}): Promise<SiblingsBody | undefined> {
    const res = await this.request('GET', `/kv/${encodeURIComponent(key)}?siblings=true&wait=${this.readWaitMs}`, { headers: this.readHeaders(), ...opts })
    if (res.status === 404) { await res.body?.cancel(); return undefined }
    return readJson<SiblingsBody>(res)
  }

  /** Writes a key; resolves with its write tokens. `putResult` tells more. */
  async put(key: string, value: Uint8Array | string, opts: WriteOptions = {}): Promise<string[]> {
    return (await this.putResult(key, value, opts)).tokens
  }

  async putResult(key: string, value: Uint8Array | string, opts: WriteOptions = {}): Promise<WriteResult> {
    const body = typeof value === 'string' ? new TextEncoder().encode(value) : value
    const contentType = opts.contentType ?? (typeof value === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream')
    return this.write('PUT', `/kv/${encodeURIComponent(key)}`, body, { ...opts, contentType })
  }

  async del(key: string, opts: WriteOptions = {}): Promise<string[]> {
    return (await this.write('DELETE', `/kv/${encodeURIComponent(key)}`, undefined, opts)).tokens
  }

  async list(opts: { prefix?: string; after?: string; limit?: number } & ReadOptions = {}): Promise<KeyList> {
    return this.listAt('/kv', opts)
  }

  async batch(ops: ReadonlyArray<{ op: 'put' | 'del'; key: string; value?: string; encoding?: 'utf8' | 'base64'; contentType?: string; context?: string; ifMatch?: string; ifNoneMatch?: string }>, opts: ReadOptions = {}): Promise<string[]> {
    const res = await this.request('POST', '/batch', { body: JSON.stringify({ ops }), headers: { 'content-type': 'application/json' }, ...opts })
    return (await this.afterWrite(res)).tokens
  }

  /** This node and its peers (GET /cluster). */
  cluster(opts: ReadOptions = {}): Promise<ClusterInfo> {
    return this.json<ClusterInfo>('/cluster', opts)
  }

  /**
   * Every change to keys and documents under `prefix`, as it happens. Resumes by itself after a
   * dropped connection, on another node if need be, with no change missed or repeated.
   */
  watch(opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    return watchFeed(this.transport, opts)
  }

  async json<T = unknown>(path: string, opts: ReadOptions = {}): Promise<T> {
    return readJson<T>(await this.request('GET', path, opts))
  }

  /** @internal: shared with DocsApi. */
  async listAt(base: string, opts: { prefix?: string; after?: string; limit?: number } & ReadOptions): Promise<KeyList> {
    const q = new URLSearchParams()
    if (opts.prefix !== undefined) q.set('prefix', opts.prefix)
    if (opts.after !== undefined) q.set('after', opts.after)
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    const qs = q.size > 0 ? `?${q.toString()}` : ''
    return readJson<KeyList>(await this.request('GET', `${base}${qs}`, opts))
  }

  /** @internal: shared with DocsApi. */
  async write(method: 'PUT' | 'DELETE' | 'PATCH' | 'POST', path: string, body: Uint8Array | string | undefined, opts: WriteOptions): Promise<WriteResult> {
    const headers: Record<string, string> = {}
    if (opts.contentType !== undefined && body !== undefined) headers['content-type'] = opts.contentType
    if (opts.context !== undefined) headers['x-context'] = opts.context
    if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch
    if (opts.ifNoneMatch !== undefined) headers['if-none-match'] = opts.ifNoneMatch
    const q = new URLSearchParams()
    if (opts.w !== undefined) q.set('w', String(opts.w))
    if (opts.timeoutMs !== undefined && opts.w !== undefined) q.set('timeout', String(opts.timeoutMs))
    const qs = q.size > 0 ? `?${q.toString()}` : ''
    const res = await this.request(method, `${path}${qs}`, { body, headers, signal: opts.signal, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs + 1000 } : {}) })
    return this.afterWrite(res)
  }

  /** @internal: shared with DocsApi. */
  readHeaders(): Record<string, string> {
    const after = this.after
    return after === '' ? {} : { 'x-after': after }
  }

  /** @internal: shared with DocsApi. */
  get readWait(): number {
    return this.readWaitMs
  }

  /** @internal: shared with DocsApi. */
  request(method: string, path: string, call: CallOptions = {}): Promise<Response> {
    return this.transport.request(method, path, call)
  }

  private async afterWrite(res: Response): Promise<WriteResult> {
    const { tokens } = await readJson<WriteResultBody>(res)
    for (const t of tokens) this.remember(t)
    return { tokens, created: res.status === 201, etag: res.headers.get('etag') ?? undefined }
  }

  private remember(token: string): void {
    const i = token.lastIndexOf(':')
    const origin = token.slice(0, i)
    const seq = Number(token.slice(i + 1))
    if ((this.tokens.get(origin) ?? 0) < seq) this.tokens.set(origin, seq)
  }
}

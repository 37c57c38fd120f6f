import { Agent, request } from 'node:http'
import type { Completion, History, Invocation } from './history.js'

/** How long a client waits for an answer before it calls the outcome unknown. Default 2 s. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 2000

export interface RecordingClientOptions {
  readonly history: History
  /** Node name -> base URL. */
  readonly urls: ReadonlyMap<string, string>
  readonly timeoutMs?: number
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Error codes that say the node did nothing with the write. */
const REFUSED = new Set(['READ_ONLY', 'NO_MASTER', 'STORE_CLOSED', 'NOT_READY', 'STORAGE_FULL'])

/**
 * An HTTP client that records every call in a History: the invoke before the request, then ok
 * (200 or 201, or 404 for a read), fail (an answer saying nothing was done: 4xx, a refusal) or unknown
 * (a timeout, a lost connection, any other 5xx: the write may or may not have been committed). A
 * refused connection is a fail: the request never reached the node.
 */
export class RecordingClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 })
  private readonly timeoutMs: number

  constructor(private readonly opts: RecordingClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
  }

  put(process: number, node: string, key: string, value: string, extra: { context?: string; w?: number; timeoutMs?: number } = {}): Promise<Completion> {
    return this.write({ process, node, f: 'put', key, value, context: extra.context, w: extra.w }, extra.timeoutMs)
  }

  del(process: number, node: string, key: string, extra: { context?: string; w?: number; timeoutMs?: number } = {}): Promise<Completion> {
    return this.write({ process, node, f: 'del', key, context: extra.context, w: extra.w }, extra.timeoutMs)
  }

  async get(process: number, node: string, key: string, extra: { after?: readonly string[]; waitMs?: number } = {}): Promise<Completion> {
    const inv: Invocation = { process, node, f: 'get', key, after: extra.after }
    const id = this.opts.history.invoke(inv)
    const headers: Record<string, string> = {}
    if (extra.after !== undefined && extra.after.length > 0) headers['x-after'] = extra.after.join(',')
    const wait = extra.waitMs === undefined ? '' : `?wait=${extra.waitMs}`
    const c = await this.call(node, 'GET', `/kv/${encodeURIComponent(key)}${wait}`, headers, undefined, (extra.waitMs ?? 0) + this.timeoutMs).then((a): Completion => {
      const context = header(a, 'x-context')
      if (a.status === 200) return { outcome: 'ok', status: 200, context, value: a.body }
      if (a.status === 404) return { outcome: 'ok', status: 404, context, value: null }
      return { outcome: 'fail', status: a.status, error: errorCode(a) }
    }, failure)
    this.opts.history.complete(id, c)
    return c
  }

  close(): void {
    this.agent.destroy()
  }

  private async write(inv: Invocation, timeoutMs?: number): Promise<Completion> {
    const id = this.opts.history.invoke(inv)
    const headers: Record<string, string> = {}
    if (inv.context !== undefined) headers['x-context'] = inv.context
    if (inv.value !== undefined) headers['content-type'] = 'text/plain'
    const q = inv.w === undefined ? '' : `?w=${inv.w}&timeout=${timeoutMs ?? this.timeoutMs}`
    const c = await this.call(inv.node, inv.f === 'put' ? 'PUT' : 'DELETE', `/kv/${encodeURIComponent(inv.key)}${q}`, headers, inv.value, (timeoutMs ?? 0) + this.timeoutMs).then((a): Completion => {
      const token = header(a, 'x-write-token')
      // 201 for a PUT that created the key, 200 otherwise.
      if (a.status === 200 || a.status === 201) {
        return { outcome: 'ok', status: a.status, token, context: header(a, 'x-context'), replicated: json(a)?.replicated as number | undefined }
      }
      const body = json(a)
      if (a.status === 504 && Array.isArray(body?.tokens)) {
        // A ?w= timeout: committed here, not replicated to enough nodes in time.
        return { outcome: 'fail', status: 504, token: String(body.tokens[0]), replicated: body.replicated as number | undefined, error: 'WAIT_TIMEOUT' }
      }
      const code = errorCode(a)
      if (a.status < 500 || REFUSED.has(code ?? '')) return { outcome: 'fail', status: a.status, error: code }
      return { outcome: 'unknown', status: a.status, error: code }
    }, failure)
    this.opts.history.complete(id, c)
    return c
  }

  private call(node: string, method: string, path: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Answer> {
    const base = this.opts.urls.get(node)
    if (base === undefined) return Promise.reject(new Error(`no URL for node ${node}`))
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, base), { method, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }
}

/** No answer: a refused connection never reached the node (fail); anything else may have (unknown). */
function failure(e: NodeJS.ErrnoException): Completion {
  if (e.code === 'ECONNREFUSED') return { outcome: 'fail', error: 'ECONNREFUSED' }
  return { outcome: 'unknown', error: e.code ?? e.message }
}

function header(a: Answer, name: string): string | undefined {
  const v = a.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function json(a: Answer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(a.body)
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function errorCode(a: Answer): string | undefined {
  const e = json(a)?.error
  return typeof e === 'string' ? e : undefined
}

import type { DocConflictsBody, KeyList } from './schemas.js'
import type { ReadOptions, WriteOptions, WriteResult } from './types.js'
import { readJson, type CallOptions } from './transport.js'

/** What the document API needs of the client (its session tokens and transport). */
export interface DocsHost {
  readonly readWait: number
  readHeaders(): Record<string, string>
  request(method: string, path: string, call?: CallOptions): Promise<Response>
  write(method: 'PUT' | 'DELETE' | 'PATCH' | 'POST', path: string, body: Uint8Array | string | undefined, opts: WriteOptions): Promise<WriteResult>
  listAt(base: string, opts: { prefix?: string; after?: string; limit?: number } & ReadOptions): Promise<KeyList>
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

export interface DocResult<T> {
  readonly doc: T
  readonly etag: string
}

type DocWriteOptions = Omit<WriteOptions, 'contentType' | 'context'>

/** `client.docs`: JSON documents (/docs), merged field by field across masters. */
export class DocsApi {
  constructor(private readonly client: DocsHost) {}

  private path(key: string, suffix = ''): string {
    return `/docs/${encodeURIComponent(key)}${suffix}`
  }

  /** The document and its ETag; undefined when it does not exist (or was deleted). */
  async get<T = JsonObject>(key: string, opts: ReadOptions = {}): Promise<DocResult<T> | undefined> {
    const res = await this.client.request('GET', `${this.path(key)}?wait=${this.client.readWait}`, { headers: this.client.readHeaders(), ...opts })
    if (res.status === 404) { await res.body?.cancel(); return undefined }
    const doc = await readJson<T>(res)
    return { doc, etag: res.headers.get('etag') ?? '' }
  }

  /** The document with the values concurrent writes left beside the shown ones. */
  async conflicts(key: string, opts: ReadOptions = {}): Promise<DocConflictsBody | undefined> {
    const res = await this.client.request('GET', `${this.path(key)}?conflicts=true&wait=${this.client.readWait}`, { headers: this.client.readHeaders(), ...opts })
    if (res.status === 404) { await res.body?.cancel(); return undefined }
    return readJson<DocConflictsBody>(res)
  }

  /** Replaces the root with `doc`. */
  put(key: string, doc: JsonObject, opts: DocWriteOptions = {}): Promise<WriteResult> {
    return this.client.write('PUT', this.path(key), JSON.stringify(doc), { ...opts, contentType: 'application/json' })
  }

  /** Applies an RFC 7396 merge patch (null removes a member). */
  patch(key: string, patch: JsonObject, opts: DocWriteOptions = {}): Promise<WriteResult> {
    return this.client.write('PATCH', this.path(key), JSON.stringify(patch), { ...opts, contentType: 'application/merge-patch+json' })
  }

  delete(key: string, opts: DocWriteOptions = {}): Promise<WriteResult> {
    return this.client.write('DELETE', this.path(key), undefined, opts)
  }

  /** Adds `by` to the counter at `path` (made with {"$counter": n}). Not retried on another node once sent. */
  increment(key: string, path: ReadonlyArray<string | number>, by = 1, opts: DocWriteOptions = {}): Promise<WriteResult> {
    return this.client.write('POST', this.path(key, '/increment'), JSON.stringify({ path, by }), { ...opts, contentType: 'application/json' })
  }

  list(opts: { prefix?: string; after?: string; limit?: number } & ReadOptions = {}): Promise<KeyList> {
    return this.client.listAt('/docs', opts)
  }
}

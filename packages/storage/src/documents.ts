import { Automerge as A, docIsLive, type NodeId } from '@swarmkv/core'
import type { Store } from './store.js'
import { Lru } from './lru.js'
import { docHeads, freeDoc, loadEntry, type DocEntry } from './doc-entry.js'
import { listLiveDocs } from './listing.js'

/** Documents kept loaded, at most, and their stored bytes, about (Automerge memory is off-heap). */
export const DEFAULT_DOC_CACHE_ENTRIES = 1000
export const DEFAULT_DOC_CACHE_BYTES = 32 * 1024 * 1024

/**
 * The committed documents as reads see them: the loaded ones (`cache`, which only the writer
 * fills, as its commits land), and the store's for the rest.
 */
export class Documents {
  readonly cache: Lru<string, DocEntry>

  constructor(private readonly store: Store, private readonly nodeId: NodeId, entries = DEFAULT_DOC_CACHE_ENTRIES, bytes = DEFAULT_DOC_CACHE_BYTES) {
    // Every document dropped from memory is freed: Automerge memory lives outside the JS heap.
    this.cache = new Lru(entries, (_k, e) => freeDoc(e.doc), (e) => e.bytes, bytes)
  }

  /** Engine.readDoc. */
  async read<T>(key: string, read: (doc: A.Doc<unknown> | undefined) => T): Promise<T> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return read(hit.doc)
    const rec = await this.store.getDoc(key)
    const cached = this.cache.get(key)
    if (cached !== undefined) return read(cached.doc)
    if (rec === undefined) return read(undefined)
    // A read of a cold document loads a copy and frees it: the cache holds what the writer loaded.
    const entry = loadEntry(rec, this.nodeId)
    try {
      return read(entry.doc)
    } finally {
      freeDoc(entry.doc)
    }
  }

  /** Engine.listDocs. */
  list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    return listLiveDocs(this.store.scanDocKeys(), (k) => this.read(k, (d) => d !== undefined && docIsLive(d)), prefix, after, limit)
  }

  /** A document's sorted heads (none when it was never written): what a digest hashes. */
  heads(key: string): Promise<string[]> {
    return this.read(key, (d) => (d === undefined ? [] : docHeads(d)))
  }

  /** Frees every loaded document (the engine closing). */
  freeAll(): void {
    for (const e of this.cache.values()) freeDoc(e.doc)
  }
}

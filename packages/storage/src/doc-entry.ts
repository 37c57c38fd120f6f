import { Automerge as A, type NodeId } from '@swarmkv/core'
import type { DocRecord, DocWrite } from './store.js'

type Doc = A.Doc<unknown>

/** A loaded document and what is stored of it. */
export interface DocEntry {
  readonly doc: Doc
  /** Chunks stored since the last snapshot. */
  readonly chunks: number
  /** Stored bytes (snapshot + chunks), for the size limit. */
  readonly bytes: number
}

/** Chunks after which the next commit writes a snapshot instead (when nothing is pending). */
export const SNAPSHOT_EVERY = 64

export function loadEntry(rec: DocRecord | undefined, actor: NodeId): DocEntry {
  if (rec === undefined) return { doc: A.init({ actor }), chunks: 0, bytes: 0 }
  let doc: Doc = rec.snapshot !== undefined ? A.load(rec.snapshot, { actor }) : A.init({ actor })
  let bytes = rec.snapshot?.byteLength ?? 0
  for (const c of rec.chunks) {
    doc = A.loadIncremental(doc, c)
    bytes += c.byteLength
  }
  return { doc, chunks: rec.chunks.length, bytes }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.byteLength
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}

/**
 * How a commit stores a document it changed: the raw changes as one more chunk, or, every
 * SNAPSHOT_EVERY chunks and only when no change waits for a missing dependency, a fresh snapshot
 * replacing the chunks. Never a full load on the write path; a snapshot is amortized.
 */
export function planDocWrite(key: string, before: DocEntry, after: Doc, changes: readonly Uint8Array[]): { write: DocWrite; entry: DocEntry } {
  if (before.chunks + 1 >= SNAPSHOT_EVERY && A.getMissingDeps(after, []).length === 0) {
    const bytes = A.save(after)
    return { write: { key, kind: 'snapshot', bytes, dropChunks: before.chunks }, entry: { doc: after, chunks: 0, bytes: bytes.byteLength } }
  }
  const bytes = concat(changes)
  return {
    write: { key, kind: 'append', index: before.chunks, bytes },
    entry: { doc: after, chunks: before.chunks + 1, bytes: before.bytes + bytes.byteLength }
  }
}

/** Heads identify a document's state: equal heads, equal documents. */
export function docHeads(doc: Doc): string[] {
  return [...A.getHeads(doc)].sort()
}

export function freeDoc(doc: Doc): void {
  A.free(doc)
}

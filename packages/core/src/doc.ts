import * as A from '@automerge/automerge'
import { SwarmError } from './errors.js'
import { etagOfHeads } from './etag.js'

/**
 * JSON documents as Automerge documents: RFC 7396 merge patches applied as Automerge changes,
 * counters, conflicts. Pure: no I/O, only the Automerge library.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }
// Automerge proxies inside a change callback.
type MapProxy = Record<string, unknown>

/**
 * Root key that marks a deleted document. Documents cannot be removed from a CRDT; DELETE
 * removes every field and sets this mark, and any later PUT/PATCH clears it. Reserved: user
 * documents may not use it.
 */
export const DELETED_MARK = '\u0000deleted'
const COUNTER_KEY = '$counter'

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isCounterSpec(v: unknown): v is { [COUNTER_KEY]: number } {
  return isJsonObject(v) && Object.keys(v).length === 1 && COUNTER_KEY in v
}

/** Rejects what cannot be stored: the reserved mark, bad counter specs, non-finite numbers. */
export function validateDocValue(v: unknown, path: string[] = []): void {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new SwarmError('BAD_DOCUMENT', `non-finite number at /${path.join('/')}`)
  if (Array.isArray(v)) v.forEach((x, i) => validateDocValue(x, [...path, String(i)]))
  else if (isJsonObject(v)) {
    if (isCounterSpec(v)) {
      if (!Number.isSafeInteger(v[COUNTER_KEY])) throw new SwarmError('BAD_DOCUMENT', `{"$counter": n} needs an integer at /${path.join('/')}`)
      return
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === DELETED_MARK) throw new SwarmError('BAD_DOCUMENT', 'the key "\\u0000deleted" is reserved')
      validateDocValue(x, [...path, k])
    }
  }
}

/** A JSON value as an Automerge value: `{"$counter": n}` becomes a counter. */
function toAutomerge(v: Json): unknown {
  if (isCounterSpec(v)) return new A.Counter(v[COUNTER_KEY])
  if (Array.isArray(v)) return v.map(toAutomerge)
  if (isJsonObject(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = toAutomerge(x)
    return out
  }
  return v
}

/** PUT: the root becomes exactly `obj`. */
export function replaceRoot(root: MapProxy, obj: JsonObject): void {
  for (const k of Object.keys(root)) if (!(k in obj)) delete root[k]
  for (const [k, v] of Object.entries(obj)) root[k] = toAutomerge(v)
}

/**
 * RFC 7396 merge patch: `null` removes a member, an object merges into an object member (field
 * by field, so concurrent patches of different fields both survive), anything else — strings,
 * numbers, arrays — replaces the member as a value.
 */
export function applyMergePatch(target: MapProxy, patch: JsonObject): void {
  delete target[DELETED_MARK]
  mergeInto(target, patch)
}

function mergeInto(target: MapProxy, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete target[k]
    } else if (isJsonObject(v) && !isCounterSpec(v)) {
      const cur = target[k]
      if (!isPlainMap(cur)) target[k] = {}
      mergeInto(target[k] as MapProxy, v)
    } else {
      target[k] = toAutomerge(v)
    }
  }
}

function isPlainMap(v: unknown): v is MapProxy {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof A.Counter)
}

export function markDeleted(root: MapProxy): void {
  for (const k of Object.keys(root)) delete root[k]
  root[DELETED_MARK] = true
}

export function clearDeleted(root: MapProxy): void {
  delete root[DELETED_MARK]
}

/** Adds `by` to the counter at `path`; NOT_A_COUNTER when there is none. */
export function incrementCounter(root: MapProxy, path: ReadonlyArray<string | number>, by: number): void {
  let obj: unknown = root
  for (const p of path.slice(0, -1)) {
    obj = typeof obj === 'object' && obj !== null ? (obj as Record<string | number, unknown>)[p] : undefined
  }
  const last = path[path.length - 1]
  const parent = obj as Record<string | number, unknown> | undefined
  const counter = last === undefined || parent === undefined || parent === null ? undefined : parent[last]
  if (!(counter instanceof A.Counter)) {
    throw new SwarmError('NOT_A_COUNTER', `no counter at /${path.join('/')}; create one with {"$counter": 0}`)
  }
  counter.increment(by)
}

/**
 * The document as plain JSON (counters as numbers); undefined when it is deleted, or when none
 * of its changes could be applied yet (they wait for changes they depend on).
 */
/** Whether a document has a current representation: written, and not only a delete mark. */
export function docIsLive(doc: A.Doc<unknown>): boolean {
  if (A.getHeads(doc).length === 0) return false
  const root = doc as Record<string, unknown>
  return !(root[DELETED_MARK] === true && Object.keys(root).length === 1)
}

/** A document's ETag here (its heads name its state), null when it has no current representation. */
export function docEtag(doc: A.Doc<unknown>): string | null {
  return docIsLive(doc) ? etagOfHeads(A.getHeads(doc)) : null
}

export function docToJson(doc: A.Doc<unknown>): JsonObject | undefined {
  if (A.getHeads(doc).length === 0) return undefined
  const json = plain(doc) as JsonObject
  const deleted = json[DELETED_MARK] === true
  delete json[DELETED_MARK]
  if (deleted && Object.keys(json).length === 0) return undefined
  return json
}

/**
 * Plain JSON with object members in sorted order: Automerge's own member order depends on how a
 * document was built (changes applied vs. loaded), and every node must answer the same bytes.
 */
function plain(v: unknown): Json {
  return sortKeys(JSON.parse(JSON.stringify(v)) as Json)
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (isJsonObject(v)) {
    const out: JsonObject = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!)
    return out
  }
  return v
}

export interface DocConflict {
  readonly path: Array<string | number>
  /** Every concurrent value; the first is the one the document shows. */
  readonly values: Json[]
}

/** Fields written concurrently to different values, with every value kept by Automerge. */
export function docConflicts(doc: A.Doc<unknown>): DocConflict[] {
  const out: DocConflict[] = []
  const walk = (obj: unknown, path: Array<string | number>) => {
    if (typeof obj !== 'object' || obj === null || obj instanceof A.Counter) return
    const keys: Array<string | number> = Array.isArray(obj) ? obj.map((_, i) => i) : Object.keys(obj).sort()
    for (const k of keys) {
      if (k === DELETED_MARK) continue
      const conflicts = A.getConflicts(obj, k)
      const shown = (obj as Record<string | number, unknown>)[k]
      if (conflicts !== undefined && Object.keys(conflicts).length > 1) {
        const values = Object.keys(conflicts).sort().map((id) => plain(conflicts[id]))
        const first = plain(shown)
        const rest = values.filter((v) => JSON.stringify(v) !== JSON.stringify(first))
        out.push({ path: [...path, k], values: [first, ...rest] })
      }
      walk(shown, [...path, k])
    }
  }
  walk(doc, [])
  return out
}

export { A as Automerge }

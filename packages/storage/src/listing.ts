import { isLive, type RegisterState } from '@swarmkv/core'
import { compareBytes, utf8Bytes } from './layout.js'

/** One page of stored register states after `after` (exclusive), in key order. */
export type PageReader = (after: string | undefined, limit: number) => Promise<Array<[string, RegisterState]>>

/** Key order of the store: by UTF-8 bytes (JavaScript's string order differs past U+FFFF). */
function compareKeys(a: string, b: string): number {
  return compareBytes(utf8Bytes(a), utf8Bytes(b))
}

/**
 * Live keys under `prefix` after `after`, at most `limit`, in key order: the stored states
 * merged with the early view (replicated writes readable before their commit, early-view.ts),
 * so a listing agrees with `get`: a key a peer just wrote is listed as soon as it reads, and one
 * a peer just deleted is left out as soon as it reads 404. `early` is read again for each key, so
 * an entry retired meanwhile (its commit landed) yields to the state the store now holds.
 */
export async function listLive(
  readPage: PageReader,
  early: () => ReadonlyMap<string, RegisterState> | undefined,
  prefix: string, after: string | undefined, limit: number
): Promise<{ keys: string[]; next: string | null }> {
  const view = early()
  const shown: Array<[string, RegisterState]> = []
  if (view !== undefined) {
    for (const [k, s] of view) if (k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0)) shown.push([k, s])
    shown.sort((a, b) => compareKeys(a[0], b[0]))
  }
  const keys: string[] = []
  let e = 0
  const take = (key: string, fallback: RegisterState) => {
    if (isLive(early()?.get(key) ?? fallback)) keys.push(key)
  }
  let cursor = after
  let exhausted = false
  while (keys.length < limit && !exhausted) {
    const page = await readPage(cursor, Math.max(limit - keys.length, 64))
    exhausted = page.length === 0
    for (const [k, stored] of page) {
      while (keys.length < limit && e < shown.length && compareKeys(shown[e]![0], k) < 0) take(...shown[e++]!)
      if (keys.length === limit) break
      if (e < shown.length && shown[e]![0] === k) e++
      cursor = k
      take(k, stored)
      if (keys.length === limit) break
    }
  }
  while (keys.length < limit && e < shown.length) take(...shown[e++]!)
  return { keys, next: keys.length === limit ? (keys[keys.length - 1] ?? null) : null }
}

/**
 * Live documents under `prefix` after `after`, at most `limit`, in key order. The store keeps no
 * index of documents by key range (a document may exist only as chunks, keyed by length first),
 * so this walks every document key and loads the candidates to see which are live: a page costs
 * a scan of the document keys. Fine for thousands of documents; an index is the next step.
 */
export async function listLiveDocs(
  keys: AsyncIterable<string>, isLive: (key: string) => Promise<boolean>,
  prefix: string, after: string | undefined, limit: number
): Promise<{ keys: string[]; next: string | null }> {
  const out: string[] = []
  const from = after === undefined ? undefined : utf8Bytes(after)
  for await (const k of keys) {
    if (!k.startsWith(prefix)) continue
    if (from !== undefined && compareBytes(utf8Bytes(k), from) <= 0) continue
    if (!(await isLive(k))) continue
    out.push(k)
    if (out.length === limit) break
  }
  return { keys: out, next: out.length === limit ? (out[out.length - 1] ?? null) : null }
}

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
 * merged with the states newer than them (`layers`, newest first: replicated writes readable
 * before their commit, early-view.ts, then states committed to the log but not checkpointed,
 * key-states.ts), so a listing agrees with `get`: a key a peer just wrote is listed as soon as
 * it reads, and one just deleted is left out as soon as it reads 404. The layers are read again
 * for each key, so an entry retired meanwhile yields to the state that replaced it.
 */
export async function listLive(
  readPage: PageReader,
  layers: () => ReadonlyArray<ReadonlyMap<string, RegisterState>>,
  prefix: string, after: string | undefined, limit: number
): Promise<{ keys: string[]; next: string | null }> {
  const seen = new Set<string>()
  const shown: string[] = []
  for (const layer of layers()) {
    for (const k of layer.keys()) {
      if (seen.has(k) || !k.startsWith(prefix) || (after !== undefined && compareKeys(k, after) <= 0)) continue
      seen.add(k)
      shown.push(k)
    }
  }
  const sortKeys = shown.map((k) => [k, utf8Bytes(k)] as const).sort((a, b) => compareBytes(a[1], b[1]))
  const lookup = (key: string): RegisterState | undefined => {
    for (const layer of layers()) {
      const s = layer.get(key)
      if (s !== undefined) return s
    }
    return undefined
  }
  const keys: string[] = []
  let e = 0
  const take = (key: string, fallback: RegisterState | undefined) => {
    const s = lookup(key) ?? fallback
    if (s !== undefined && isLive(s)) keys.push(key)
  }
  let cursor = after
  let exhausted = false
  while (keys.length < limit && !exhausted) {
    const page = await readPage(cursor, Math.max(limit - keys.length, 64))
    exhausted = page.length === 0
    for (const [k, stored] of page) {
      while (keys.length < limit && e < sortKeys.length && compareKeys(sortKeys[e]![0], k) < 0) take(sortKeys[e++]![0], undefined)
      if (keys.length === limit) break
      if (e < sortKeys.length && sortKeys[e]![0] === k) e++
      cursor = k
      take(k, stored)
      if (keys.length === limit) break
    }
  }
  while (keys.length < limit && e < sortKeys.length) take(sortKeys[e++]![0], undefined)
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

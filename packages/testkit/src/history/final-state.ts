import { parseVV, EMPTY_VV } from '@swarmkv/core'
import type { KeyView, SiblingView } from '../checkers/model.js'

interface SiblingsBody {
  context: string
  siblings: Array<{ dot: string; deleted: boolean; value: string }>
}

/** How long one final read may take. */
const READ_TIMEOUT_MS = 10_000

/**
 * Reads `keys` from one node over HTTP as the checkers take them: every sibling (winner first,
 * as `?siblings=true` lists them) and the key's context. A key with no sibling left (its
 * tombstones collected) answers 404 there; its context then comes from the plain GET's X-Context.
 * A key the node never stored is left out of the map.
 */
export async function readKeyViews(url: string, keys: Iterable<string>): Promise<Map<string, KeyView>> {
  const out = new Map<string, KeyView>()
  for (const key of keys) {
    const path = `${url}/kv/${encodeURIComponent(key)}`
    const res = await fetch(`${path}?siblings=true`, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) })
    if (res.status === 200) {
      const body = await res.json() as SiblingsBody
      const siblings: SiblingView[] = body.siblings.map((s) => ({ dot: s.dot, deleted: s.deleted, value: s.value }))
      out.set(key, { context: parseVV(body.context) ?? EMPTY_VV, siblings, winner: siblings.find((s) => !s.deleted)?.dot })
      continue
    }
    await res.arrayBuffer()
    if (res.status !== 404) throw new Error(`GET ${path}?siblings=true answered ${res.status}`)
    const plain = await fetch(path, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) })
    await plain.arrayBuffer()
    const context = plain.headers.get('x-context')
    if (context !== null) out.set(key, { context: parseVV(context) ?? EMPTY_VV, siblings: [] })
  }
  return out
}

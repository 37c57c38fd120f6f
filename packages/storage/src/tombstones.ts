import { covers, decode, registerStateEncoding, type RegisterState, type VersionVector } from '@swarmkv/core'

/** Drops the stable tombstones of `keys` (in one commit); resolves with how many keys changed. */
export type Collector = (keys: readonly string[]) => Promise<number>

/** Keys go to the collector in chunks of this many: one commit each. */
const CHUNK = 1000

/**
 * The keys whose state holds a tombstone sibling: the candidates for collection (DESIGN §2). The
 * first collection scans every stored state; after it, only keys that got a tombstone since are
 * looked at, which the engine reports as it commits.
 */
export class TombstoneIndex {
  private readonly keys = new Set<string>()
  private scanned = false

  get size(): number { return this.keys.size }

  /** Notes the committed state of `key`. */
  note(key: string, state: RegisterState): void {
    if (hasTombstone(state)) this.keys.add(key)
    else this.keys.delete(key)
  }

  /** Drops every tombstone `stable` covers; resolves with how many keys changed. */
  async collect(stable: VersionVector, scan: () => AsyncIterable<readonly [string, Uint8Array]>, collectKeys: Collector): Promise<number> {
    if (this.scanned) {
      const keys = [...this.keys]
      let changed = 0
      for (let i = 0; i < keys.length; i += CHUNK) changed += await collectKeys(keys.slice(i, i + CHUNK))
      return changed
    }
    this.scanned = true
    let changed = 0
    let candidates: string[] = []
    for await (const [key, bytes] of scan()) {
      const state = decode(registerStateEncoding, bytes)
      if (hasTombstone(state)) this.keys.add(key)
      if (hasStableTombstone(state, stable)) candidates.push(key)
      if (candidates.length >= CHUNK) {
        changed += await collectKeys(candidates)
        candidates = []
      }
    }
    if (candidates.length > 0) changed += await collectKeys(candidates)
    return changed
  }
}

function hasTombstone(s: RegisterState): boolean {
  return s.siblings.some((x) => x.deleted)
}

/** The state without the tombstone siblings every member has applied; the same object if none. */
export function withoutStableTombstones(s: RegisterState, stable: VersionVector): RegisterState {
  if (!hasStableTombstone(s, stable)) return s
  return { siblings: s.siblings.filter((x) => !(x.deleted && covers(stable, x))), context: s.context }
}

export function hasStableTombstone(s: RegisterState, stable: VersionVector): boolean {
  return s.siblings.some((x) => x.deleted && covers(stable, x))
}

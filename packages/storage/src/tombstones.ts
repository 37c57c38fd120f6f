import { decode, registerStateEncoding, type RegisterState, type VersionVector } from '@swarmkv/core'
import { hasStableTombstone } from './batch-builder.js'

/** Drops the stable tombstones of `keys` (in one commit); resolves with how many keys changed. */
export type Remover = (keys: readonly string[]) => Promise<number>

/** Keys go to the remover in chunks of this many: one commit each. */
const CHUNK = 1000

/**
 * The keys whose state holds a tombstone sibling: the candidates for collection (DESIGN §2). The
 * first collection scans every stored state; after it, only keys that got a tombstone since are
 * looked at, which the engine reports as it commits.
 */
export class TombstoneIndex {
  private readonly keys = new Set<string>()
  private scanned = false

  /** Notes the committed state of `key` (undefined: the key was removed). */
  note(key: string, state: RegisterState | undefined): void {
    if (state !== undefined && hasTombstone(state)) this.keys.add(key)
    else this.keys.delete(key)
  }

  /** Drops every tombstone `stable` covers; resolves with how many keys changed. */
  async collect(stable: VersionVector, scan: () => AsyncIterable<readonly [string, Uint8Array]>, remove: Remover): Promise<number> {
    if (this.scanned) {
      const keys = [...this.keys]
      let removed = 0
      for (let i = 0; i < keys.length; i += CHUNK) removed += await remove(keys.slice(i, i + CHUNK))
      return removed
    }
    this.scanned = true
    let removed = 0
    let candidates: string[] = []
    for await (const [key, bytes] of scan()) {
      const state = decode(registerStateEncoding, bytes)
      if (hasTombstone(state)) this.keys.add(key)
      if (hasStableTombstone(state, stable)) candidates.push(key)
      if (candidates.length >= CHUNK) {
        removed += await remove(candidates)
        candidates = []
      }
    }
    if (candidates.length > 0) removed += await remove(candidates)
    return removed
  }
}

function hasTombstone(s: RegisterState): boolean {
  return s.siblings.some((x) => x.deleted)
}

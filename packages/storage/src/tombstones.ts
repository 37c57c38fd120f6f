import { decode, registerStateEncoding, type RegisterState, type VersionVector } from '@swarmkv/core'
import { collectable } from './batch-builder.js'

/** Removes those of `keys` that are still collectable (in one commit); resolves with how many. */
export type Remover = (keys: readonly string[]) => Promise<number>

/** Keys go to the remover in chunks of this many: one commit each. */
const CHUNK = 1000

/**
 * The keys whose state is all tombstones: the candidates for collection (DESIGN §2). The first
 * collection scans every stored state; after it, only keys that became all tombstones since are
 * looked at, which the engine reports as it commits.
 */
export class TombstoneIndex {
  private readonly keys = new Set<string>()
  private scanned = false

  /** Notes the committed state of `key` (undefined: the key was removed). */
  note(key: string, state: RegisterState | undefined): void {
    if (state !== undefined && allTombstones(state)) this.keys.add(key)
    else this.keys.delete(key)
  }

  /** Removes every key collectable under `stable`; resolves with how many went. */
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
      if (allTombstones(state)) this.keys.add(key)
      if (collectable(state, stable)) candidates.push(key)
      if (candidates.length >= CHUNK) {
        removed += await remove(candidates)
        candidates = []
      }
    }
    if (candidates.length > 0) removed += await remove(candidates)
    return removed
  }
}

function allTombstones(s: RegisterState): boolean {
  return s.siblings.length > 0 && s.siblings.every((x) => x.deleted)
}

import type { RegisterState } from '@swarmkv/core'
import { Lru } from './lru.js'

/** Register states kept decoded and clean (equal to the store's) at most: DEFAULT_CACHE_ENTRIES entries, DEFAULT_CACHE_BYTES bytes. */
export const DEFAULT_CACHE_ENTRIES = 50_000
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024

/**
 * The materialised register states, behind the log (DESIGN §3). A committed state lives in one
 * of three places, looked up in this order:
 * - `dirty`: committed to the log since the last checkpoint began, not in the store's states yet;
 * - `flushing`: the dirty map a checkpoint is writing now (readable until it has landed);
 * - `clean`: an LRU of states equal to the store's, bounded by entries and bytes.
 * A key not in any of them is read from the store. Dirty and flushing states are never evicted:
 * they are the only copy outside the log until a checkpoint writes them.
 */
export class KeyStates {
  private dirty = new Map<string, RegisterState>()
  private flushing: Map<string, RegisterState> | undefined
  private readonly clean: Lru<string, RegisterState>
  /** Bytes of the dirty map (registerSize), the checkpoint trigger. */
  dirtyBytes = 0
  /** Bytes of the map a checkpoint is writing. */
  flushingBytes = 0

  constructor(cacheEntries = DEFAULT_CACHE_ENTRIES, cacheBytes = DEFAULT_CACHE_BYTES) {
    this.clean = new Lru(cacheEntries, undefined, registerSize, cacheBytes)
  }

  /** The committed state of `key` if it is in memory. */
  get(key: string): RegisterState | undefined {
    return this.dirty.get(key) ?? this.flushing?.get(key) ?? this.clean.get(key)
  }

  /** A state read from the store (equal to it): cached clean. */
  loaded(key: string, state: RegisterState): void {
    this.clean.set(key, state)
  }

  /** A state a commit wrote to the log: dirty until a checkpoint writes it. */
  committed(key: string, state: RegisterState): void {
    const old = this.dirty.get(key)
    if (old !== undefined) this.dirtyBytes -= registerSize(old)
    else this.clean.delete(key)
    this.dirty.set(key, state)
    this.dirtyBytes += registerSize(state)
  }

  get dirtyKeys(): number { return this.dirty.size }
  get cleanBytes(): number { return this.clean.bytes }
  get busy(): boolean { return this.flushing !== undefined }

  /** Hands the dirty map to a background checkpoint; commits go on into a fresh one. */
  beginFlush(): ReadonlyMap<string, RegisterState> {
    if (this.flushing !== undefined) throw new Error('a checkpoint is already being written')
    const f = this.dirty
    this.flushing = f
    this.flushingBytes = this.dirtyBytes
    this.dirty = new Map()
    this.dirtyBytes = 0
    return f
  }

  /** The checkpoint landed (its states are in the store) or failed (they are dirty again). */
  endFlush(landed: boolean): void {
    const f = this.flushing
    if (f === undefined) return
    this.flushing = undefined
    this.flushingBytes = 0
    for (const [k, v] of f) {
      if (this.dirty.has(k)) continue
      if (landed) this.clean.set(k, v)
      else { this.dirty.set(k, v); this.dirtyBytes += registerSize(v) }
    }
  }

  /** Every dirty state, for a checkpoint written with a commit (no background one is running). */
  dirtyEntries(): IterableIterator<[string, RegisterState]> {
    return this.dirty.entries()
  }

  /** That checkpoint landed: every dirty state is in the store now. */
  allClean(): void {
    for (const [k, v] of this.dirty) this.clean.set(k, v)
    this.dirty.clear()
    this.dirtyBytes = 0
  }

  /** The maps holding states newer than the store's, newest first: what bulk readers merge in. */
  unflushed(): ReadonlyArray<ReadonlyMap<string, RegisterState>> {
    return this.flushing === undefined ? [this.dirty] : [this.dirty, this.flushing]
  }
}

/**
 * About the bytes a decoded state holds in the heap: its values and content types, plus the
 * objects around them (state, context, sibling, clock stamp, map entry and key). Calibrated on
 * 50,000 states of one 100 B sibling each: 746 B per state measured (heapUsed + arrayBuffers),
 * 724 estimated. The old estimate (64 + 48 per sibling) counted 236, a third of it.
 */
export function registerSize(s: RegisterState): number {
  let n = 400
  for (const sib of s.siblings) n += sib.value.byteLength + sib.contentType.length + 200
  return n
}

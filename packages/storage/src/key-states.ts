import { decode, registerStateEncoding, type RegisterState } from '@swarmkv/core'
import { Lru } from './lru.js'
import { EncodedStateCache } from './encoded-cache.js'

/** Bytes of clean states kept in memory: a ring of encoded states plus a small decoded front (DEFAULT_HOT_BYTES of it). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024
/** The decoded front: states read again recently, kept as objects (a GET of a hot key decodes nothing). */
export const DEFAULT_HOT_BYTES = 2 * 1024 * 1024
/** ...and at most this many of them. */
export const DEFAULT_HOT_ENTRIES = 4096

/** Where a miss of the in-memory states reads the stored one. */
export interface StateSource {
  getRegisterBytesSync(key: string): Uint8Array | undefined
}

/**
 * The materialised register states, behind the log (DESIGN §3). A committed state lives in one
 * of three places, looked up in this order:
 * - `dirty`: committed to the log since the last checkpoint began, not in the store's states yet;
 * - `flushing`: the dirty map a checkpoint is writing now (readable until it has landed);
 * - clean, equal to the store's: `hot`, an LRU of decoded states (those read twice or more
 *   recently), in front of `cold`, a ring of encoded states (encoded-cache.ts), both bounded by bytes.
 * A key in none of them is read from the store. Dirty and flushing states are never evicted:
 * they are the only copy outside the log until a checkpoint writes them.
 */
export class KeyStates {
  private dirty = new Map<string, RegisterState>()
  private flushing: Map<string, RegisterState> | undefined
  private readonly hot: Lru<string, RegisterState>
  private readonly cold: EncodedStateCache
  /** Bytes of the dirty map (registerSize), the checkpoint trigger. */
  dirtyBytes = 0
  /** Bytes of the map a checkpoint is writing. */
  flushingBytes = 0

  /** `cacheBytes`: every clean state together (the decoded front's share included). */
  constructor(cacheBytes = DEFAULT_CACHE_BYTES, hotEntries = DEFAULT_HOT_ENTRIES) {
    const hotBytes = Math.min(DEFAULT_HOT_BYTES, Math.floor(cacheBytes / 4))
    this.hot = new Lru(hotEntries, undefined, registerSize, hotBytes)
    this.cold = new EncodedStateCache(cacheBytes - hotBytes)
  }

  /** The committed state of `key` if it is in memory. */
  get(key: string): RegisterState | undefined {
    const s = this.dirty.get(key) ?? this.flushing?.get(key) ?? this.hot.get(key)
    if (s !== undefined) return s
    const bytes = this.cold.get(key)
    if (bytes === undefined) return undefined
    const state = decode(registerStateEncoding, bytes)
    // Decoded and kept on the second read only (EncodedStateCache.touch says why).
    if (this.cold.touch(key)) this.hot.set(key, state)
    return state
  }

  /**
   * The committed state of `key`, read from `store` when it is not in memory (and cached).
   * Synchronous: nothing can commit between the read and caching what it read.
   */
  read(key: string, store: StateSource): RegisterState | undefined {
    const s = this.get(key)
    if (s !== undefined) return s
    const bytes = store.getRegisterBytesSync(key)
    if (bytes === undefined) return undefined
    this.cold.set(key, bytes)
    // This read was the first: the next one admits the state to the decoded front.
    this.cold.touch(key)
    return decode(registerStateEncoding, bytes)
  }

  /** A state equal to the store's (a checkpoint-style commit just wrote it): cached clean. */
  loaded(key: string, state: RegisterState): void {
    this.cold.delete(key)
    this.hot.set(key, state)
  }

  /** A state a commit wrote to the log: dirty until a checkpoint writes it. */
  committed(key: string, state: RegisterState): void {
    const old = this.dirty.get(key)
    if (old !== undefined) this.dirtyBytes -= registerSize(old)
    else { this.hot.delete(key); this.cold.delete(key) }
    this.dirty.set(key, state)
    this.dirtyBytes += registerSize(state)
  }

  get dirtyKeys(): number { return this.dirty.size }
  /** Bytes the clean states take: the decoded front's, plus the ring (its whole size) and its index. */
  get cleanBytes(): number { return this.hot.bytes + this.cold.bytes }
  /** Clean states in memory (decoded front and ring; a state may be in both). */
  get cleanKeys(): number { return this.hot.size + this.cold.size }
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

  /**
   * The checkpoint landed (its states are in the store, `encoded` holds the bytes it wrote) or
   * failed (they are dirty again). Landed states go to the ring as written: nothing is encoded again.
   */
  endFlush(landed: boolean, encoded?: ReadonlyMap<string, Uint8Array>): void {
    const f = this.flushing
    if (f === undefined) return
    this.flushing = undefined
    this.flushingBytes = 0
    for (const [k, v] of f) {
      if (this.dirty.has(k)) continue
      if (!landed) { this.dirty.set(k, v); this.dirtyBytes += registerSize(v); continue }
      const bytes = encoded?.get(k)
      if (bytes !== undefined) this.cold.set(k, bytes)
    }
  }

  /** Every dirty state, for a checkpoint written with a commit (no background one is running). */
  dirtyEntries(): IterableIterator<[string, RegisterState]> {
    return this.dirty.entries()
  }

  /** That checkpoint landed: every dirty state is in the store now. */
  allClean(): void {
    for (const [k, v] of this.dirty) this.hot.set(k, v)
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

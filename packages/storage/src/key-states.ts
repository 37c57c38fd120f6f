import { decode, registerStateEncoding, type RegisterState } from '@swarmkv/core'
import { EncodedStateCache } from './encoded-cache.js'

/** Bytes of clean states kept in memory: one ring of encoded states (encoded-cache.ts). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024

/** Where a miss of the in-memory states reads the stored one. */
export interface StateSource {
  getRegisterBytesSync(key: string): Uint8Array | undefined
}

/**
 * The materialised register states, behind the log (DESIGN §3). A committed state lives in one
 * of three places, looked up in this order:
 * - `dirty`: committed to the log since the last checkpoint began, not in the store's states yet;
 * - `flushing`: the dirty map a checkpoint is writing now (readable until it has landed);
 * - clean, equal to the store's: `clean`, a ring of encoded states bounded by bytes, decoded
 *   anew on each read (the objects die young; DESIGN §3b says why none are kept decoded).
 * A key in none of them is read from the store. Dirty and flushing states are never evicted:
 * they are the only copy outside the log until a checkpoint writes them.
 */
export class KeyStates {
  private dirty = new Map<string, RegisterState>()
  private flushing: Map<string, RegisterState> | undefined
  private readonly clean: EncodedStateCache
  /** Bytes of the dirty map (registerSize), the checkpoint trigger. */
  dirtyBytes = 0
  /** Bytes of the map a checkpoint is writing. */
  flushingBytes = 0

  constructor(cacheBytes = DEFAULT_CACHE_BYTES) {
    this.clean = new EncodedStateCache(cacheBytes)
  }

  /** The committed state of `key` if it is in memory. */
  get(key: string): RegisterState | undefined {
    const s = this.dirty.get(key) ?? this.flushing?.get(key)
    if (s !== undefined) return s
    const bytes = this.clean.get(key)
    return bytes === undefined ? undefined : decode(registerStateEncoding, bytes)
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
    this.clean.set(key, bytes)
    return decode(registerStateEncoding, bytes)
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
  /** Bytes the clean states take: the ring (its whole size) and its index. */
  get cleanBytes(): number { return this.clean.bytes }
  /** Clean states in memory. */
  get cleanKeys(): number { return this.clean.size }
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
      if (bytes !== undefined) this.clean.set(k, bytes)
    }
  }

  /** Every dirty state, for a checkpoint written with a commit (no background one is running). */
  dirtyEntries(): IterableIterator<[string, RegisterState]> {
    return this.dirty.entries()
  }

  /**
   * That checkpoint landed: every dirty state is in the store now. `written`: the bytes it wrote
   * (the dirty states and the commit's own), cached clean as written.
   */
  allClean(written: ReadonlyArray<readonly [string, Uint8Array]>): void {
    this.dirty.clear()
    this.dirtyBytes = 0
    for (const [k, bytes] of written) this.clean.set(k, bytes)
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

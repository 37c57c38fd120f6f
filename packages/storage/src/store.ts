import type { NodeId, Op, RegisterState, Seq, VersionVector } from '@swarmkv/core'

/**
 * What a node persists about itself: the checkpoint marker. The stored key states hold at least
 * every op it counts in `applied`; the log holds every op above it (DESIGN §3).
 */
export interface NodeMeta {
  /** The highest seq this node has given its own writes. */
  readonly seq: Seq
  /** Per origin, the highest seq applied here with nothing missing below it. */
  readonly applied: VersionVector
  /** Per origin, the log holds no op at or below this seq (compacted, or received as state). */
  readonly floor: VersionVector
}

/** A consistent, read-only view of the whole store at one moment: what a state transfer ships. */
export interface StoreSnapshot {
  readonly meta: NodeMeta
  registers(): AsyncIterable<readonly [key: string, bytes: Uint8Array]>
  docs(): AsyncIterable<readonly [key: string, record: DocRecord]>
  close(): Promise<void>
}

/**
 * A document is stored as a snapshot (Automerge `save`) plus chunks of raw change bytes appended
 * since; loading concatenates them. Chunks keep changes whose dependencies have not arrived yet,
 * which a snapshot would drop.
 */
export interface DocRecord {
  readonly snapshot: Uint8Array | undefined
  readonly chunks: readonly Uint8Array[]
}

/** How one commit changes one document: append a chunk, or write a snapshot and drop the chunks. */
export type DocWrite =
  | { readonly key: string; readonly kind: 'append'; readonly index: number; readonly bytes: Uint8Array }
  | { readonly key: string; readonly kind: 'snapshot'; readonly bytes: Uint8Array; readonly dropChunks: number }

/**
 * One atomic store write. A commit appends ops to the log (and document chunks); a checkpoint
 * writes key states and the marker; a checkpoint-style commit does both at once.
 */
export interface StoreWrite {
  readonly registers: Iterable<readonly [string, RegisterState]>
  /** States encoded already (a background checkpoint's, which keeps the bytes for the cache). */
  readonly encodedRegisters?: ReadonlyArray<readonly [string, Uint8Array]>
  readonly docs: readonly DocWrite[]
  readonly log: readonly Op[]
  /** The new checkpoint marker; absent, the marker stays as it is. */
  readonly meta?: NodeMeta | undefined
}

export interface ListOptions {
  readonly prefix: string
  /** Exclusive lower bound. */
  readonly after?: string | undefined
  readonly limit: number
}

/**
 * The storage port. Implementations: LevelDB (durable) and memory (unit tests, simulation).
 * Both pass the shared suite in test/store-suite.ts.
 */
export interface Store {
  open(): Promise<void>
  close(): Promise<void>
  /** The checkpoint marker (all zero for a new store). */
  readMeta(): Promise<NodeMeta>
  getRegisters(keys: readonly string[]): Promise<Array<RegisterState | undefined>>
  /**
   * One stored state, encoded, synchronously: a LevelDB lookup of a small value is quicker done
   * inline than through the thread pool, and the write path does one per key it has not cached.
   * The bytes go to the encoded cache as they are.
   */
  getRegisterBytesSync(key: string): Uint8Array | undefined
  getDoc(key: string): Promise<DocRecord | undefined>
  /** Register states in key order (UTF-8 byte order), tombstone-only states included. */
  listRegisters(opts: ListOptions): Promise<Array<[string, RegisterState]>>
  /** Ops of one origin with seq >= fromSeq, in seq order, at most `limit`. */
  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]>
  /** Every stored register state, encoded, in key order: for digests. */
  scanRegisters(): AsyncIterable<readonly [key: string, bytes: Uint8Array]>
  /** Every document key, in key order. */
  scanDocKeys(): AsyncIterable<string>
  write(w: StoreWrite, opts: { sync: boolean }): Promise<void>
  /** Every origin with at least one op in the log, for replay. */
  logOrigins(): Promise<NodeId[]>
  /**
   * Drops the log entries of `origin` with seq in [from, to]. Ops stored together with later ops
   * may stay; readers never rely on ops at or below the floor.
   */
  clearLog(origin: NodeId, from: Seq, to: Seq): Promise<void>
  snapshot(): Promise<StoreSnapshot>
  /** Last known applied vectors of cluster members, kept for log compaction. */
  readMembers(): Promise<Map<NodeId, VersionVector>>
  writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void>
}

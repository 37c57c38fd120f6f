import type { NodeId, Op, RegisterState, Seq, VersionVector } from '@swarmkv/core'

/** What a node persists about itself, committed atomically with every change. */
export interface NodeMeta {
  /** The highest seq this node has given its own writes. */
  readonly seq: Seq
  /** Per origin, the highest seq applied here with nothing missing below it. */
  readonly applied: VersionVector
}

/** One atomic commit: new key states, the ops that produced them (appended to the log), and meta. */
export interface CommitBatch {
  readonly registers: ReadonlyArray<readonly [string, RegisterState]>
  readonly docs: ReadonlyArray<readonly [string, Uint8Array]>
  readonly log: readonly Op[]
  readonly meta: NodeMeta
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
  readMeta(): Promise<NodeMeta>
  getRegisters(keys: readonly string[]): Promise<Array<RegisterState | undefined>>
  getDoc(key: string): Promise<Uint8Array | undefined>
  /** Register states in key order (UTF-8 byte order), tombstone-only states included. */
  listRegisters(opts: ListOptions): Promise<Array<[string, RegisterState]>>
  /** Ops of one origin with seq >= fromSeq, in seq order, at most `limit`. */
  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]>
  /** Every stored key state, encoded, in key order: for digests and state transfer. */
  scan(): AsyncIterable<readonly [kind: 'reg' | 'doc', key: string, bytes: Uint8Array]>
  commit(batch: CommitBatch, opts: { sync: boolean }): Promise<void>
}

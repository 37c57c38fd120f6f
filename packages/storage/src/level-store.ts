import { Level } from 'level'
import {
  SwarmError, decode, encode, nodeIdEncoding, registerStateEncoding, vvEncoding,
  type NodeId, type Op, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { StoreWrite, DocRecord, ListOptions, NodeMeta, Store, StoreSnapshot } from './store.js'
import { META_KEY, TAG_LOG, TAG_CHUNK, TAG_DOC, TAG_MEMBER, TAG_REG, chunkKey, chunkPrefix, logKey, prefixEnd, tagged, untag } from './layout.js'
import { EMPTY_META, metaEncoding } from './meta.js'
import { segmentEncoding, segmentLast, toSegments } from './log-segment.js'

export interface LevelStoreOptions {
  /** LevelDB block cache. Default 32 MiB. */
  readonly cacheSize?: number
  /** LevelDB memtable; larger means fewer, bigger compactions. Default 16 MiB. */
  readonly writeBufferSize?: number
}

const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
const DEFAULT_WRITE_BUFFER_BYTES = 16 * 1024 * 1024
/** Log segments deleted per batch when a compaction clears the log. */
const CLEAR_CHUNK = 1000

type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }

/** The durable store: one LevelDB per node; every store write is one atomic write batch. */
export class LevelStore implements Store {
  private readonly db: Level<Uint8Array, Uint8Array>

  constructor(readonly path: string, opts: LevelStoreOptions = {}) {
    this.db = new Level<Uint8Array, Uint8Array>(path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      cacheSize: opts.cacheSize ?? DEFAULT_CACHE_BYTES,
      writeBufferSize: opts.writeBufferSize ?? DEFAULT_WRITE_BUFFER_BYTES
    })
  }

  getRegisterBytesSync(key: string): Uint8Array | undefined {
    return this.db.getSync(tagged(TAG_REG, key))
  }

  async open(): Promise<void> { await this.db.open() }
  async close(): Promise<void> { await this.db.close() }

  async readMeta(): Promise<NodeMeta> {
    const bytes = await this.db.get(META_KEY)
    return bytes === undefined ? EMPTY_META : decode(metaEncoding, bytes)
  }

  async clearLog(origin: NodeId, from: Seq, to: Seq): Promise<void> {
    if (to < from) return
    // Whole segments only: one that reaches past `to` stays (readers skip what is below the floor).
    // A segment ends before the next one starts, so of the segments starting at or below `to`
    // only the last can reach past it; that one value is read, the others are dropped by key.
    // Reading them all put every segment's bytes through the heap (tens of MB per compaction).
    // Deleted in chunks, each its own batch: one batch of tens of thousands of deletes held the
    // event loop for 66 ms per 50,000 on an idle core. A crash between chunks leaves extra
    // segments below the floor, which readers skip.
    let b = this.db.batch()
    try {
      let last: Uint8Array | undefined
      for await (const k of this.db.keys({ gte: logKey(origin, 0), lte: logKey(origin, to) })) {
        if (last !== undefined) b.del(last)
        last = k
        if (b.length >= CLEAR_CHUNK) {
          await b.write()
          b = this.db.batch()
        }
      }
      const value = last === undefined ? undefined : await this.db.get(last)
      if (value !== undefined && segmentLast(value) <= to) b.del(last!)
      if (b.length > 0) await b.write()
    } finally {
      await b.close()
    }
  }

  async snapshot(): Promise<StoreSnapshot> {
    const snap = this.db.snapshot()
    const db = this.db
    const metaBytes = await db.get(META_KEY, { snapshot: snap })
    const meta = metaBytes === undefined ? EMPTY_META : decode(metaEncoding, metaBytes)
    return {
      meta,
      async *registers() {
        for await (const [k, v] of db.iterator({ gte: new Uint8Array([TAG_REG]), lt: new Uint8Array([TAG_REG + 1]), snapshot: snap })) yield [untag(k), v] as const
      },
      async *docs() {
        // Snapshots ('d') and chunks ('e') are separate ranges: gather both per key.
        const docs = new Map<string, { snapshot: Uint8Array | undefined; chunks: Uint8Array[] }>()
        for await (const [k, v] of db.iterator({ gte: new Uint8Array([TAG_DOC]), lt: new Uint8Array([TAG_DOC + 1]), snapshot: snap })) {
          docs.set(untag(k), { snapshot: v, chunks: [] })
        }
        for await (const [k, v] of db.iterator({ gte: new Uint8Array([TAG_CHUNK]), lt: new Uint8Array([TAG_CHUNK + 1]), snapshot: snap })) {
          const len = (k[1]! << 8) | k[2]!
          const key = new TextDecoder().decode(k.subarray(3, 3 + len))
          let d = docs.get(key)
          if (d === undefined) docs.set(key, (d = { snapshot: undefined, chunks: [] }))
          d.chunks.push(v)
        }
        for (const [key, rec] of docs) yield [key, rec] as const
      },
      close: () => snap.close()
    }
  }

  async readMembers(): Promise<Map<NodeId, VersionVector>> {
    const out = new Map<NodeId, VersionVector>()
    for await (const [k, v] of this.db.iterator({ gte: new Uint8Array([TAG_MEMBER]), lt: new Uint8Array([TAG_MEMBER + 1]) })) {
      out.set(decode(nodeIdEncoding, k.subarray(1)), decode(vvEncoding, v))
    }
    return out
  }

  async writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> {
    const ops: BatchOp[] = []
    for await (const k of this.db.keys({ gte: new Uint8Array([TAG_MEMBER]), lt: new Uint8Array([TAG_MEMBER + 1]) })) ops.push({ type: 'del', key: k })
    for (const [id, vv] of members) {
      const key = new Uint8Array(9)
      key[0] = TAG_MEMBER
      key.set(encode(nodeIdEncoding, id), 1)
      ops.push({ type: 'put', key, value: encode(vvEncoding, vv) })
    }
    await this.db.batch(ops)
  }

  async getRegisters(keys: readonly string[]): Promise<Array<RegisterState | undefined>> {
    const values = await this.db.getMany(keys.map((k) => tagged(TAG_REG, k)))
    return values.map((v) => (v === undefined ? undefined : decode(registerStateEncoding, v)))
  }

  async getDoc(key: string): Promise<DocRecord | undefined> {
    const snapshot = await this.db.get(tagged(TAG_DOC, key))
    const prefix = chunkPrefix(key)
    const end = prefixEnd(prefix)
    const chunks: Uint8Array[] = []
    for await (const v of this.db.values({ gte: prefix, ...(end ? { lt: end } : {}) })) chunks.push(v)
    if (snapshot === undefined && chunks.length === 0) return undefined
    return { snapshot, chunks }
  }

  async listRegisters(opts: ListOptions): Promise<Array<[string, RegisterState]>> {
    const lower = tagged(TAG_REG, opts.prefix)
    const after = opts.after !== undefined ? tagged(TAG_REG, opts.after) : undefined
    const upper = prefixEnd(lower)
    const range: { gte?: Uint8Array; gt?: Uint8Array; lt?: Uint8Array; limit: number } = { limit: opts.limit }
    if (after !== undefined && Buffer.compare(after, lower) >= 0) range.gt = after
    else range.gte = lower
    if (upper !== undefined) range.lt = upper
    const out: Array<[string, RegisterState]> = []
    for await (const [k, v] of this.db.iterator(range)) out.push([untag(k), decode(registerStateEncoding, v)])
    return out
  }

  async readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> {
    const out: Op[] = []
    const lt = prefixEnd(logKey(origin, 0).subarray(0, 9))
    // The segment holding fromSeq starts at or before it: seek back to it, then read forward.
    let start = logKey(origin, fromSeq)
    for await (const k of this.db.keys({ gte: logKey(origin, 0), lte: start, reverse: true, limit: 1 })) start = k
    for await (const v of this.db.values({ gte: start, ...(lt ? { lt } : {}) })) {
      for (const op of decode(segmentEncoding, v).ops) {
        if (op.seq < fromSeq) continue
        out.push(op)
        if (out.length >= limit) return out
      }
    }
    return out
  }

  async *scanRegisters(): AsyncIterable<readonly [string, Uint8Array]> {
    for await (const [k, v] of this.db.iterator({ gte: new Uint8Array([TAG_REG]), lt: new Uint8Array([TAG_REG + 1]) })) {
      yield [untag(k), v] as const
    }
  }

  async *scanDocKeys(): AsyncIterable<string> {
    // A document has a snapshot once it was compacted, chunks before that: collect both.
    const keys = new Set<string>()
    for await (const k of this.db.keys({ gte: new Uint8Array([TAG_DOC]), lt: new Uint8Array([TAG_DOC + 1]) })) keys.add(untag(k))
    for await (const k of this.db.keys({ gte: chunkPrefix(''), lt: new Uint8Array([chunkPrefix('')[0]! + 1]) })) {
      const len = (k[1]! << 8) | k[2]!
      keys.add(new TextDecoder().decode(k.subarray(3, 3 + len)))
    }
    yield* [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  }

  async logOrigins(): Promise<NodeId[]> {
    // A skip scan: one seek per origin, past all of its segments.
    const out: NodeId[] = []
    let from: Uint8Array = new Uint8Array([TAG_LOG])
    const end = new Uint8Array([TAG_LOG + 1])
    for (;;) {
      let next: Uint8Array | undefined
      for await (const k of this.db.keys({ gte: from, lt: end, limit: 1 })) next = k
      if (next === undefined) return out
      out.push(decode(nodeIdEncoding, next.subarray(1, 9)))
      const after = prefixEnd(next.subarray(0, 9))
      if (after === undefined) return out
      from = after
    }
  }

  async write(batch: StoreWrite, opts: { sync: boolean }): Promise<void> {
    // The chained form: each put goes straight to the native batch. The array form normalises
    // every operation in JS first and cost a quarter of a durable PUT's CPU (benchmarks profile).
    const b = this.db.batch()
    try {
      this.fill(b, batch)
    } catch (err) {
      await b.close()
      throw err
    }
    try {
      await b.write({ sync: opts.sync })
    } catch (err) {
      throw diskFull(err) ?? err
    }
  }

  private fill(b: ReturnType<Level<Uint8Array, Uint8Array>['batch']>, batch: StoreWrite): void {
    for (const [key, state] of batch.registers) b.put(tagged(TAG_REG, key), encode(registerStateEncoding, state))
    for (const [key, bytes] of batch.encodedRegisters ?? []) b.put(tagged(TAG_REG, key), bytes)
    for (const d of batch.docs) {
      if (d.kind === 'append') {
        b.put(chunkKey(d.key, d.index), d.bytes)
      } else {
        b.put(tagged(TAG_DOC, d.key), d.bytes)
        for (let i = 0; i < d.dropChunks; i++) b.del(chunkKey(d.key, i))
      }
    }
    for (const run of toSegments(batch.log)) {
      const first = run[0]!
      b.put(logKey(first.origin, first.seq), encode(segmentEncoding, { last: run[run.length - 1]!.seq, ops: run }))
    }
    if (batch.meta !== undefined) b.put(META_KEY, encode(metaEncoding, batch.meta))
  }

}

/**
 * LevelDB reports a full disk as LEVEL_IO_ERROR "…: No space left on device". The commit wrote
 * nothing (the engine fails exactly its requests) and LevelDB takes writes again once space
 * returns (tried on a full tmpfs), so it is a refusal with its own code, not an internal error.
 */
function diskFull(err: unknown): SwarmError | undefined {
  const e = err as { code?: unknown; message?: unknown }
  if (e.code !== 'LEVEL_IO_ERROR' || typeof e.message !== 'string' || !e.message.includes('No space left on device')) return undefined
  return SwarmError.storageFull(e.message)
}

import { join } from 'node:path'
import { Level } from 'level'
import {
  Problems, SwarmError, decode, encode, nodeIdEncoding, registerStateEncoding, vvEncoding,
  type NodeId, type Op, type RegisterState, type Seq, type VersionVector
} from '@swarmkv/core'
import type { StoreWrite, DocRecord, ListOptions, NodeMeta, Store, StoreSnapshot } from './store.js'
import { META_KEY, TAG_CHUNK, TAG_DOC, TAG_MEMBER, TAG_REG, chunkKey, chunkPrefix, prefixEnd, tagged, untag } from './layout.js'
import { EMPTY_META, metaEncoding } from './meta.js'
import { NO_FAILPOINTS, type Failpoints } from './failpoints.js'
import { DEFAULT_LOG_FILE_BYTES, LogFiles } from './log-files.js'
import { migrateLevelLog } from './log-migration.js'

export interface LevelStoreOptions {
  /** LevelDB block cache. Default 32 MiB. */
  readonly cacheSize?: number
  /** LevelDB memtable; larger means fewer, bigger compactions. Default 16 MiB. */
  readonly writeBufferSize?: number
  /** The active log file rolls past this size. Default 16 MiB (DEFAULT_LOG_FILE_BYTES). */
  readonly logFileBytes?: number
  /** Where a torn log tail cut at open is reported. */
  readonly problems?: Problems
  /** Crash points of the store's own steps (the SIGKILL tests). */
  readonly failpoints?: Failpoints
}

const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
const DEFAULT_WRITE_BUFFER_BYTES = 16 * 1024 * 1024
/**
 * The log's folder inside the LevelDB directory: one directory is the whole store, and LevelDB's
 * LOCK file guards both. Not `log`: LevelDB writes its info log as `LOG`, the same name on a
 * case-insensitive filesystem.
 */
export const LOG_DIR = 'oplog'

type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }

/**
 * The durable store: the replication log in append-only files (log-files.ts), everything else
 * (register states, documents, the marker, members) in one LevelDB. A write appends its ops to
 * the log first, then puts the rest in one atomic LevelDB batch (DESIGN §3b).
 */
export class LevelStore implements Store {
  private readonly db: Level<Uint8Array, Uint8Array>
  private log: LogFiles | undefined
  private readonly problems: Problems
  private readonly failpoints: Failpoints

  constructor(readonly path: string, private readonly opts: LevelStoreOptions = {}) {
    this.db = new Level<Uint8Array, Uint8Array>(path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      cacheSize: opts.cacheSize ?? DEFAULT_CACHE_BYTES,
      writeBufferSize: opts.writeBufferSize ?? DEFAULT_WRITE_BUFFER_BYTES
    })
    this.problems = opts.problems ?? new Problems()
    this.failpoints = opts.failpoints ?? NO_FAILPOINTS
  }

  /** The log files: what they hold and what their index takes (for /metrics and tests). */
  get logStats(): LogFiles['stats'] { return this.logFiles().stats }

  getRegisterBytesSync(key: string): Uint8Array | undefined {
    return this.db.getSync(tagged(TAG_REG, key))
  }

  async open(): Promise<void> {
    // LevelDB first: it creates the directory and takes its LOCK, so no second process opens the log.
    await this.db.open()
    try {
      this.log = await LogFiles.open(join(this.path, LOG_DIR), {
        fileBytes: this.opts.logFileBytes ?? DEFAULT_LOG_FILE_BYTES, failpoints: this.failpoints, problems: this.problems
      })
      await migrateLevelLog(this.db, this.log, this.problems)
    } catch (err) {
      await this.log?.close()
      this.log = undefined
      await this.db.close()
      throw err
    }
  }

  async close(): Promise<void> {
    await this.log?.close()
    this.log = undefined
    await this.db.close()
  }

  private logFiles(): LogFiles {
    if (this.log === undefined) throw SwarmError.storeClosed()
    return this.log
  }

  async readMeta(): Promise<NodeMeta> {
    const bytes = await this.db.get(META_KEY)
    return bytes === undefined ? EMPTY_META : decode(metaEncoding, bytes)
  }

  async clearLog(origin: NodeId, from: Seq, to: Seq): Promise<void> {
    // Whole records only, and every record at or below `to` (those below `from` are below the
    // old floor, left by a crash mid-compaction): a record reaching past `to` stays, and readers
    // skip what is below the floor. A file goes once none of its records is needed.
    if (to < from) return
    await this.logFiles().clear(origin, to)
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

  readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> {
    return this.logFiles().read(origin, fromSeq, limit)
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
    return this.logFiles().origins()
  }

  async write(batch: StoreWrite, opts: { sync: boolean }): Promise<void> {
    // The log first, always: LevelDB's part (a checkpoint's states, a commit's document chunks,
    // the marker) is only ever behind what the log holds, never ahead of it (DESIGN §3b, C4).
    const appended = batch.log.length > 0 ? await this.logFiles().append(batch.log, opts.sync) : undefined
    if (appended !== undefined && batch.docs.length > 0) this.failpoints.hit('after-log-before-chunks')
    // A commit of register writes only touches no LevelDB at all.
    if (touchesLevel(batch)) {
      try {
        await this.writeLevel(batch, opts.sync)
      } catch (err) {
        // The write fails as a whole: its ops leave the log again before its requests are failed.
        await appended?.undo()
        throw diskFull(err) ?? err
      }
    }
    // Readable (readLog, peers) only now: an append taken back above was never shown.
    appended?.publish()
  }

  private async writeLevel(batch: StoreWrite, sync: boolean): Promise<void> {
    // The chained form: each put goes straight to the native batch. The array form normalises
    // every operation in JS first and cost a quarter of a durable PUT's CPU (benchmarks profile).
    const b = this.db.batch()
    try {
      this.fill(b, batch)
      if (b.length === 0) { await b.close(); return }
      await b.write({ sync })
    } catch (err) {
      await b.close().catch(noop)
      throw err
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

/** Whether a store write has anything for LevelDB: states (decoded or encoded), documents or the marker. */
function touchesLevel(w: StoreWrite): boolean {
  if (w.meta !== undefined || w.docs.length > 0 || (w.encodedRegisters?.length ?? 0) > 0) return true
  // An iterable that is not an array (the dirty states of a checkpoint-style commit) may hold some: filled to see.
  return !Array.isArray(w.registers) || w.registers.length > 0
}

function noop(): void {}

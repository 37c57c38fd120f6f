import { decode, encode, opEncoding, registerStateEncoding, type NodeId, type Op, type RegisterState, type Seq, type VersionVector } from '@swarmkv/core'
import type { StoreWrite, DocRecord, ListOptions, NodeMeta, Store, StoreSnapshot } from './store.js'
import { compareBytes, utf8Bytes } from './layout.js'
import { EMPTY_META } from './meta.js'

/**
 * An in-memory store for unit tests and deterministic simulation. Values are kept encoded, so
 * callers can never share mutable state with the store, exactly as with LevelDB.
 */
export class MemoryStore implements Store {
  private meta: NodeMeta = EMPTY_META
  private readonly registers = new Map<string, Uint8Array>()
  private readonly docs = new Map<string, { snapshot: Uint8Array | undefined; chunks: Map<number, Uint8Array> }>()
  private readonly log = new Map<NodeId, Map<Seq, Uint8Array>>()
  private isOpen = false

  async open(): Promise<void> { this.isOpen = true }

  /** A copy of everything written so far, open: what a crash at this moment leaves on disk. */
  clone(): MemoryStore {
    const c = new MemoryStore()
    c.meta = this.meta
    for (const [k, v] of this.registers) c.registers.set(k, v)
    for (const [k, d] of this.docs) c.docs.set(k, { snapshot: d.snapshot, chunks: new Map(d.chunks) })
    for (const [o, m] of this.log) c.log.set(o, new Map(m))
    c.members = new Map(this.members)
    c.isOpen = true
    return c
  }
  async close(): Promise<void> { this.isOpen = false }

  private ensureOpen(): void {
    if (!this.isOpen) throw new Error('store is not open')
  }

  private members = new Map<NodeId, VersionVector>()

  async readMeta(): Promise<NodeMeta> { this.ensureOpen(); return this.meta }

  async clearLog(origin: NodeId, from: Seq, to: Seq): Promise<void> {
    this.ensureOpen()
    const m = this.log.get(origin)
    if (m !== undefined) for (let s = from; s <= to; s++) m.delete(s)
  }

  async snapshot(): Promise<StoreSnapshot> {
    this.ensureOpen()
    // Copied now, so later commits do not show through.
    const meta = this.meta
    const registers = this.sortedKeys(this.registers).map((k) => [k, this.registers.get(k)!] as const)
    const docs = this.sortedKeys(this.docs).map((k) => {
      const d = this.docs.get(k)!
      return [k, { snapshot: d.snapshot, chunks: [...d.chunks.entries()].sort(([a], [b]) => a - b).map(([, c]) => c) }] as const
    })
    return {
      meta,
      async *registers() { yield* registers },
      async *docs() { yield* docs },
      close: async () => {}
    }
  }

  async readMembers(): Promise<Map<NodeId, VersionVector>> { this.ensureOpen(); return new Map(this.members) }
  async writeMembers(members: ReadonlyMap<NodeId, VersionVector>): Promise<void> { this.ensureOpen(); this.members = new Map(members) }

  async getRegisters(keys: readonly string[]): Promise<Array<RegisterState | undefined>> {
    this.ensureOpen()
    return keys.map((k) => {
      const v = this.registers.get(k)
      return v === undefined ? undefined : decode(registerStateEncoding, v)
    })
  }

  getRegisterBytesSync(key: string): Uint8Array | undefined {
    this.ensureOpen()
    return this.registers.get(key)
  }

  async getDoc(key: string): Promise<DocRecord | undefined> {
    this.ensureOpen()
    const d = this.docs.get(key)
    if (d === undefined) return undefined
    return { snapshot: d.snapshot, chunks: [...d.chunks.entries()].sort(([a], [b]) => a - b).map(([, c]) => c) }
  }

  private sortedKeys(map: Map<string, unknown>): string[] {
    return [...map.keys()].map((k) => [k, utf8Bytes(k)] as const).sort((a, b) => compareBytes(a[1], b[1])).map(([k]) => k)
  }

  async listRegisters(opts: ListOptions): Promise<Array<[string, RegisterState]>> {
    this.ensureOpen()
    const after = opts.after !== undefined ? utf8Bytes(opts.after) : undefined
    const out: Array<[string, RegisterState]> = []
    for (const k of this.sortedKeys(this.registers)) {
      if (out.length >= opts.limit) break
      if (!k.startsWith(opts.prefix)) continue
      if (after !== undefined && compareBytes(utf8Bytes(k), after) <= 0) continue
      out.push([k, decode(registerStateEncoding, this.registers.get(k)!)])
    }
    return out
  }

  async readLog(origin: NodeId, fromSeq: Seq, limit: number): Promise<Op[]> {
    this.ensureOpen()
    const entries = this.log.get(origin)
    const out: Op[] = []
    if (entries === undefined) return out
    const seqs = [...entries.keys()].filter((s) => s >= fromSeq).sort((a, b) => a - b).slice(0, limit)
    for (const s of seqs) out.push(decode(opEncoding, entries.get(s)!))
    return out
  }

  async *scanRegisters(): AsyncIterable<readonly [string, Uint8Array]> {
    this.ensureOpen()
    for (const k of this.sortedKeys(this.registers)) yield [k, this.registers.get(k)!] as const
  }

  async *scanDocKeys(): AsyncIterable<string> {
    this.ensureOpen()
    yield* this.sortedKeys(this.docs)
  }

  async logOrigins(): Promise<NodeId[]> {
    this.ensureOpen()
    return [...this.log].filter(([, m]) => m.size > 0).map(([o]) => o).sort()
  }

  async write(batch: StoreWrite, _opts: { sync: boolean }): Promise<void> {
    this.ensureOpen()
    for (const [k, s] of batch.registers) this.registers.set(k, encode(registerStateEncoding, s))
    for (const [k, bytes] of batch.encodedRegisters ?? []) this.registers.set(k, bytes)
    for (const d of batch.docs) {
      let rec = this.docs.get(d.key)
      if (rec === undefined) this.docs.set(d.key, (rec = { snapshot: undefined, chunks: new Map() }))
      if (d.kind === 'append') rec.chunks.set(d.index, Uint8Array.from(d.bytes))
      else {
        rec.snapshot = Uint8Array.from(d.bytes)
        for (let i = 0; i < d.dropChunks; i++) rec.chunks.delete(i)
      }
    }
    for (const op of batch.log) {
      let m = this.log.get(op.origin)
      if (m === undefined) this.log.set(op.origin, (m = new Map()))
      m.set(op.seq, encode(opEncoding, op))
    }
    if (batch.meta !== undefined) this.meta = batch.meta
  }
}

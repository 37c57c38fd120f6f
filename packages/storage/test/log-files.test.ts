import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Level } from 'level'
import { HybridClock, Problems, encode, type NodeId, type Op } from '@swarmkv/core'
import { Engine, LevelStore, type Failpoints, type LocalWrite } from '@swarmkv/storage'
import { segmentEncoding } from '../src/log-segment.js'
import { logKey, META_KEY } from '../src/layout.js'
import { metaEncoding } from '../src/meta.js'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const LOG = 'oplog'

function op(origin: NodeId, seq: number, key: string, value = `v${seq}`, context: Record<string, number> = {}): Op {
  const sibling = { origin, seq, hlc: { wall: seq, counter: 0 }, value: new TextEncoder().encode(value), contentType: 'text/plain', deleted: false }
  return { kind: 'reg', origin, seq, hlc: sibling.hlc, key, write: { context, sibling } }
}

const seqs = (ops: readonly Op[]) => ops.map((o) => o.seq)
const put = (key: string, value: string): LocalWrite => ({ key, value: new TextEncoder().encode(value), contentType: 'text/plain', deleted: false })

describe('the log files of LevelStore', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'swarmkv-log-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  const logFiles = async () => (await readdir(join(dir, LOG))).sort()
  const open = async (opts: ConstructorParameters<typeof LevelStore>[1] = {}) => {
    const s = new LevelStore(dir, opts)
    await s.open()
    return s
  }

  it('rolls to a new file at its size, reads across files, and deletes a file once compaction needs none of it', async () => {
    const s = await open({ logFileBytes: 2048 })
    for (let i = 1; i <= 200; i++) await s.write({ registers: [], docs: [], log: [op(A, i, `k${i}`), ...(i % 4 === 0 ? [op(B, i / 4, 'b')] : [])] }, { sync: i % 2 === 0 })
    const files = await logFiles()
    expect(files.length).toBeGreaterThan(5)
    expect(seqs(await s.readLog(A, 1, 1000))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(seqs(await s.readLog(A, 150, 7))).toEqual([150, 151, 152, 153, 154, 155, 156])
    expect(seqs(await s.readLog(B, 49, 10))).toEqual([49, 50])
    expect(await s.logOrigins()).toEqual([A, B])
    // A's ops up to 180 go; B still needs every file it has records in.
    await s.clearLog(A, 1, 180)
    expect(await logFiles()).toEqual(files)
    await s.clearLog(B, 1, 40)
    const left = await logFiles()
    expect(left.length).toBeLessThan(files.length)
    expect(left[left.length - 1]).toBe(files[files.length - 1])
    expect(seqs(await s.readLog(A, 1, 1000))).toEqual(Array.from({ length: 20 }, (_, i) => i + 181))
    await s.clearLog(B, 1, 50)
    expect(await s.logOrigins()).toEqual([A])
    await s.close()
    // The index is rebuilt from the files: a cleared record in a file kept for others comes back
    // (below the floor, which readers skip, as LevelDB's segments stored with later ones did).
    const again = await open({ logFileBytes: 2048 })
    const back = seqs(await again.readLog(A, 1, 1000))
    expect(back.filter((x) => x > 180)).toEqual(Array.from({ length: 20 }, (_, i) => i + 181))
    expect(back.length).toBeLessThan(200)
    await again.write({ registers: [], docs: [], log: [op(A, 201, 'k')] }, { sync: true })
    expect(seqs(await again.readLog(A, 200, 10))).toEqual([200, 201])
    await again.close()
  })

  it('a commit of register writes only writes no LevelDB: one append to the log', async () => {
    const s = await open()
    await s.write({ registers: [], docs: [], log: [op(A, 1, 'k')], meta: { seq: 1, applied: { [A]: 1 }, floor: {} } }, { sync: true })
    const before = await stat(join(dir, LOG, (await logFiles())[0]!))
    const ldbBefore = await dirBytes(dir)
    for (let i = 2; i <= 50; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: true })
    expect((await stat(join(dir, LOG, (await logFiles())[0]!))).size).toBeGreaterThan(before.size)
    // LevelDB's own files (its write-ahead log above all) did not grow.
    expect(await dirBytes(dir)).toBe(ldbBefore)
    await s.close()
  })

  it('cuts a torn tail back to the last whole commit, reports it, and goes on appending', async () => {
    const problems = new Problems()
    const s = await open({ problems })
    for (let i = 1; i <= 10; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: true })
    await s.close()
    const file = join(dir, LOG, (await logFiles())[0]!)
    const whole = (await stat(file)).size
    // A commit with two origins, torn inside its second record: neither record may survive.
    const torn: string[] = []
    const fp: Failpoints = { hit: (n, beforeKill) => { if (n === 'torn-log-append') { beforeKill?.(); torn.push(n); throw new Error('killed') } } }
    const t = await open({ failpoints: fp })
    await expect(t.write({ registers: [], docs: [], log: [op(A, 11, 'k'), op(B, 1, 'b', 'x'.repeat(500))] }, { sync: true })).rejects.toThrow('killed')
    await t.close()
    expect(torn).toHaveLength(1)
    expect((await stat(file)).size).toBeGreaterThan(whole)
    const r = await open({ problems })
    expect(problems.snapshot().get('replay')).toBe(1)
    expect((await stat(file)).size).toBe(whole)
    expect(seqs(await r.readLog(A, 1, 100))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(await r.logOrigins()).toEqual([A])
    await r.write({ registers: [], docs: [], log: [op(A, 11, 'k')] }, { sync: true })
    await r.close()
    // Garbage past the end (a crash of the OS after an unsynced append) goes the same way.
    await appendFile(file, Buffer.from([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]))
    const g = await open({ problems })
    expect(problems.snapshot().get('replay')).toBe(2)
    expect(seqs(await g.readLog(A, 1, 100))).toHaveLength(11)
    await g.close()
  })

  it('refuses to open over a damaged record in an older file, naming it', async () => {
    const s = await open({ logFileBytes: 1024 })
    for (let i = 1; i <= 40; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: false })
    await s.close()
    const first = join(dir, LOG, (await logFiles())[0]!)
    const bytes = await readFile(first)
    bytes[40] = bytes[40]! ^ 0xff
    await writeFile(first, bytes)
    await expect(open({ logFileBytes: 1024 })).rejects.toThrow(/log file .*0000000001\.log is damaged at byte \d+/)
    // Nothing was cut: the operator decides.
    expect((await readFile(first)).equals(bytes)).toBe(true)
  })

  it('a new file torn in its header (a crash right after creating it) opens empty', async () => {
    const s = await open()
    await s.write({ registers: [], docs: [], log: [op(A, 1, 'k')] }, { sync: true })
    await s.close()
    await writeFile(join(dir, LOG, '0000000002.log'), Buffer.from('swk'))
    const r = await open()
    expect(seqs(await r.readLog(A, 1, 10))).toEqual([1])
    await r.write({ registers: [], docs: [], log: [op(A, 2, 'k')] }, { sync: true })
    await r.close()
    expect((await stat(join(dir, LOG, '0000000002.log'))).size).toBeGreaterThan(8)
    const again = await open()
    expect(seqs(await again.readLog(A, 1, 10))).toEqual([1, 2])
    await again.close()
  })

  it('moves a log written by the previous version out of LevelDB, once, and an engine replays it', async () => {
    // The old layout: segments under 'l' + origin + first seq, beside the marker.
    const writeOld = async () => {
      const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
      await db.open()
      const segs = [[op(A, 1, 'x', 'one'), op(A, 2, 'y', 'two')], [op(B, 1, 'z', 'bee')], [op(A, 3, 'x', 'three', { [A]: 1 })]]
      for (const run of segs) await db.put(logKey(run[0]!.origin, run[0]!.seq), encode(segmentEncoding, { last: run[run.length - 1]!.seq, ops: run }))
      await db.put(META_KEY, encode(metaEncoding, { seq: 0, applied: {}, floor: {} }))
      await db.close()
    }
    await writeOld()
    const s = await open()
    expect(seqs(await s.readLog(A, 1, 10))).toEqual([1, 2, 3])
    expect(seqs(await s.readLog(B, 1, 10))).toEqual([1])
    await s.close()
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    const left: Uint8Array[] = []
    for await (const k of db.keys({ gte: new Uint8Array([0x6c]), lt: new Uint8Array([0x6d]) })) left.push(k)
    await db.close()
    expect(left).toEqual([])
    // A crash after the files were written and before LevelDB's entries went: the next open only finishes.
    await writeOld()
    const problems = new Problems()
    const e = new Engine(await open({ problems }), { nodeId: A, clock: new HybridClock({ now: () => 1000 }) })
    await e.open()
    expect(e.recovery.ops).toBe(4)
    expect(problems.snapshot().get('replay')).toBe(0)
    expect(e.applied).toEqual({ [A]: 3, [B]: 1 })
    expect(new TextDecoder().decode(e.get('x')!.siblings[0]!.value)).toBe('three')
    expect(new TextDecoder().decode(e.get('z')!.siblings[0]!.value)).toBe('bee')
    expect(seqs(await e.readLog(A, 1, 10))).toEqual([1, 2, 3])
    await e.write([put('w', 'new')])
    expect(seqs(await e.readLog(A, 1, 10))).toEqual([1, 2, 3, 4])
  })

  it('records left below the floor by a crash mid-compaction stay readable until the next compaction clears them with their files', async () => {
    const s = await open({ logFileBytes: 512 })
    for (let i = 1; i <= 30; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: false })
    // The compaction's checkpoint landed (floor 25); its deletes did not run.
    await s.write({ registers: [], docs: [], log: [], meta: { seq: 30, applied: { [A]: 30 }, floor: { [A]: 25 } } }, { sync: true })
    const files = await logFiles()
    await s.close()
    const r = await open({ logFileBytes: 512 })
    expect(seqs(await r.readLog(A, 1, 100))).toHaveLength(30)
    // The next compaction clears from above the floor, and everything below goes with it.
    await r.clearLog(A, 26, 28)
    expect(Math.min(...seqs(await r.readLog(A, 1, 100)))).toBeGreaterThanOrEqual(27)
    expect(seqs(await r.readLog(A, 29, 100))).toEqual([29, 30])
    expect((await logFiles()).length).toBeLessThan(files.length)
    await r.close()
  })

  it('a write whose LevelDB part fails takes its log append back, so the seqs it held can be given again', async () => {
    const problems = new Problems()
    const s = await open({ problems })
    for (let i = 1; i <= 3; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: true })
    // LevelDB refuses the document chunk (as on a full disk); the failure is injected at its batch.
    const db = (s as unknown as { db: { batch: () => unknown } }).db
    const real = db.batch.bind(db)
    db.batch = () => ({ put() {}, del() {}, length: 1, write: () => Promise.reject(new Error('no space')), close: () => Promise.resolve() })
    const chunk = { key: 'd', kind: 'append' as const, index: 0, bytes: new Uint8Array([1]) }
    await expect(s.write({ registers: [], docs: [chunk], log: [op(A, 4, 'd', 'refused')] }, { sync: true })).rejects.toThrow('no space')
    db.batch = real
    expect(seqs(await s.readLog(A, 1, 10))).toEqual([1, 2, 3])
    await s.write({ registers: [], docs: [chunk], log: [op(A, 4, 'k', 'taken')] }, { sync: true })
    await s.close()
    const r = await open({ problems })
    const back = await r.readLog(A, 1, 10)
    expect(seqs(back)).toEqual([1, 2, 3, 4])
    expect(back[3]!.key).toBe('k')
    expect(problems.snapshot().get('replay')).toBe(0)
    await r.close()
  })

  it('a commit\'s ops are not readable until its LevelDB part landed: a peer is never sent ops the log may take back', async () => {
    const s = await open()
    for (let i = 1; i <= 3; i++) await s.write({ registers: [], docs: [], log: [op(A, i, 'k')] }, { sync: true })
    const db = (s as unknown as { db: { batch: () => unknown } }).db
    const real = db.batch.bind(db)
    let reached!: () => void
    const atBatch = new Promise<void>((r) => { reached = r })
    let finish!: (err?: Error) => void
    db.batch = () => ({
      put() {}, del() {}, length: 1, close: () => Promise.resolve(),
      write: () => { reached(); return new Promise<void>((resolve, reject) => { finish = (err) => (err ? reject(err) : resolve()) }) }
    })
    const chunk = { key: 'd', kind: 'append' as const, index: 0, bytes: new Uint8Array([1]) }
    const refused = s.write({ registers: [], docs: [chunk], log: [op(A, 4, 'd', 'refused')] }, { sync: true })
    await atBatch
    // Appended to the file, LevelDB's part in flight: the log does not show op 4 yet.
    expect(seqs(await s.readLog(A, 1, 10))).toEqual([1, 2, 3])
    finish(new Error('no space'))
    await expect(refused).rejects.toThrow('no space')
    expect(seqs(await s.readLog(A, 1, 10))).toEqual([1, 2, 3])
    // The same seq, another op: readable once its LevelDB part landed.
    const atBatch2 = new Promise<void>((r) => { reached = r })
    const taken = s.write({ registers: [], docs: [chunk], log: [op(A, 4, 'k', 'taken')] }, { sync: true })
    await atBatch2
    expect(seqs(await s.readLog(A, 1, 10))).toEqual([1, 2, 3])
    finish()
    await taken
    db.batch = real
    const back = await s.readLog(A, 1, 10)
    expect(seqs(back)).toEqual([1, 2, 3, 4])
    expect(back[3]!.key).toBe('k')
    await s.close()
  })

  it('a compaction clearing files while a commit rolls to a new one deletes each file once and goes on', async () => {
    // Every append rolls (files of 256 B). A clear of everything deletes the files one by one;
    // the commit beside it rolls meanwhile and finds the file it leaves (cleared too) empty.
    const s = await open({ logFileBytes: 256 })
    let seq = 0
    // Enough files that the clear's deletes outlast the roll (its syncs): 200 of them a round.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 200; i++) await s.write({ registers: [], docs: [], log: [op(A, ++seq, 'k')] }, { sync: false })
      const to = seq
      await Promise.all([s.clearLog(A, 1, to), s.write({ registers: [], docs: [], log: [op(A, ++seq, 'k')] }, { sync: round % 2 === 0 })])
    }
    // Everything but the last commit was cleared, and its files deleted: one record per file here.
    expect(seqs(await s.readLog(A, 1, 1000))).toEqual([seq])
    expect((await logFiles()).length).toBeLessThanOrEqual(2)
    await s.write({ registers: [], docs: [], log: [op(A, ++seq, 'k')] }, { sync: true })
    await s.close()
    const r = await open({ logFileBytes: 256 })
    expect(seqs(await r.readLog(A, seq, 10))).toEqual([seq])
    await r.close()
  })

  it('truncating the last file anywhere loses only whole commits from its end', async () => {
    const s = await open()
    const sizes: number[] = []
    const file = async () => join(dir, LOG, (await logFiles())[0]!)
    for (let i = 1; i <= 12; i++) {
      await s.write({ registers: [], docs: [], log: [op(A, 2 * i - 1, 'k'), op(B, i, 'b'), op(A, 2 * i, 'j')] }, { sync: true })
      sizes.push((await stat(await file())).size)
    }
    await s.close()
    const full = await readFile(await file())
    for (let cut = 9; cut < full.length; cut += 37) {
      await writeFile(await file(), full.subarray(0, cut))
      const r = await open()
      const commits = sizes.filter((n) => n <= cut).length
      expect(seqs(await r.readLog(A, 1, 100))).toEqual(Array.from({ length: 2 * commits }, (_, i) => i + 1))
      expect(seqs(await r.readLog(B, 1, 100))).toEqual(Array.from({ length: commits }, (_, i) => i + 1))
      await r.close()
    }
  })
})

/** Bytes of the LevelDB directory's own files (not the log folder). */
async function dirBytes(dir: string): Promise<number> {
  let n = 0
  for (const f of await readdir(dir, { withFileTypes: true })) if (f.isFile()) n += (await stat(join(dir, f.name))).size
  return n
}

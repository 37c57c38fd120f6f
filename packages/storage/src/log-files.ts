import * as fs from 'node:fs'
import { mkdir, open as openFile, readFile, readdir, truncate, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { SwarmError, type NodeId, type Op, type Problems } from '@swarmkv/core'
import type { Failpoints } from './failpoints.js'
import { toSegments } from './log-segment.js'
import { FILE_MAGIC, encodeRecords, parseRecord, recordOps, type RecordInfo } from './log-record.js'
import { OriginIndex, type RecordPlace } from './log-index.js'

/** The active log file rolls to a new one once it holds this many bytes. */
export const DEFAULT_LOG_FILE_BYTES = 16 * 1024 * 1024
/** One read of readLog covers consecutive records of a file up to this many bytes. */
const READ_SPAN_BYTES = 1024 * 1024
const NAME = /^(\d{10})\.log$/

export interface LogFilesOptions {
  readonly fileBytes: number
  readonly failpoints: Failpoints
  readonly problems: Problems
}

/** One append that landed. */
export interface Appended {
  /**
   * Makes its records readable (readLog, replay is from the files): once the rest of the store
   * write landed. Until then a peer catching up from the log cannot be sent ops that `undo` may
   * still take back and whose seqs would then name other ops.
   */
  publish(): void
  /** Takes it back (only the last append can be, and only before it is published). */
  undo(): Promise<void>
}

interface LogFile {
  readonly n: number
  readonly path: string
  readonly fd: number
  /** Bytes of whole records (and the magic): where the next append goes. */
  size: number
  /** Index entries pointing into it: at 0 (and not active) the file is deleted. */
  live: number
  /** Reads in progress: the descriptor is closed only once they are done. */
  pins: number
  gone: boolean
}

/**
 * The replication log in append-only files of `dir` (DESIGN §3b): numbered files of records
 * (log-record.ts), one append per commit, an in-memory index per origin (log-index.ts) built
 * by reading the files on open. A torn tail of the last file (a crash in an append) is cut off
 * at the last whole commit; a damaged record anywhere else stops the open.
 */
export class LogFiles {
  private readonly files = new Map<number, LogFile>()
  private readonly index = new Map<NodeId, OriginIndex>()
  private active!: LogFile
  /** The active file opened with O_DSYNC: a synced append is one write, data on disk when it returns. */
  private syncFd = -1
  /** Appends run one at a time, in order: each goes where the last ended. */
  private tail: Promise<void> = Promise.resolve()
  /** An append failed other than on a full disk: the file's state is unknown, no more appends. */
  private broken: unknown
  /** The last append, while it can be taken back. */
  private lastAppend: Appended | undefined

  private constructor(private readonly dir: string, private readonly opts: LogFilesOptions) {}

  static async open(dir: string, opts: LogFilesOptions): Promise<LogFiles> {
    const log = new LogFiles(dir, opts)
    try {
      await log.load()
    } catch (err) {
      // A damaged file stops the open: the files already opened are closed, not leaked.
      for (const f of log.files.values()) if (f.fd >= 0) await closeFd(f.fd).catch(noop)
      throw err
    }
    return log
  }

  /** Origins with ops in the log, sorted. */
  origins(): NodeId[] {
    return [...this.index.keys()].sort()
  }

  /** The last seq of `origin` the log holds, 0 when none. */
  lastSeq(origin: NodeId): number {
    return this.index.get(origin)?.lastSeq ?? 0
  }

  get stats(): { files: number; records: number; indexBytes: number } {
    let records = 0
    let indexBytes = 0
    for (const i of this.index.values()) { records += i.size; indexBytes += i.bytes }
    return { files: this.files.size, records, indexBytes }
  }

  /** Appends the ops of one commit: one record per origin run, in one write. */
  append(ops: readonly Op[], sync: boolean): Promise<Appended> {
    return this.appendEncoded(() => encodeRecords(toSegments(ops)), sync)
  }

  /** Appends records already encoded (their offsets relative to `bytes`), as one write. */
  appendEncoded(encode: () => { bytes: Buffer; records: readonly RecordInfo[] }, sync: boolean): Promise<Appended> {
    return this.serial(() => this.appendNow(encode(), sync))
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step)
    this.tail = run.then(noop, noop)
    return run
  }

  /** Ops of `origin` with seq >= `from`, in order, at most `limit`; ops below may come too, skipped. */
  async read(origin: NodeId, from: number, limit: number): Promise<Op[]> {
    const idx = this.index.get(origin)
    const out: Op[] = []
    if (idx === undefined || limit <= 0) return out
    // The plan and the pins are taken before any await: a compaction may drop these records meanwhile.
    const plan: RecordPlace[] = []
    let need = limit
    for (let i = idx.find(from); i < idx.end && need > 0; i++) {
      const r = idx.at(i)
      plan.push(r)
      need -= r.last - Math.max(r.first, from) + 1
    }
    const pinned = new Map(plan.map((p) => [p.file, this.files.get(p.file)!]))
    for (const f of pinned.values()) f.pins++
    try {
      for (let i = 0; i < plan.length;) {
        const f = pinned.get(plan[i]!.file)!
        const start = plan[i]!.offset
        let end = start + plan[i]!.length
        let j = i + 1
        for (; j < plan.length && plan[j]!.file === f.n && plan[j]!.offset + plan[j]!.length - start <= READ_SPAN_BYTES; j++) end = plan[j]!.offset + plan[j]!.length
        const buf = Buffer.allocUnsafe(end - start)
        await readAll(f.fd, buf, start)
        for (; i < j; i++) {
          const at = plan[i]!.offset - start
          const r = parseRecord(buf, at)
          if ('bad' in r) throw damaged(f.path, plan[i]!.offset, r.bad)
          for (const op of recordOps(buf, at, r.length)) {
            if (op.seq < from) continue
            out.push(op)
            if (out.length >= limit) return out
          }
        }
      }
      return out
    } finally {
      for (const f of pinned.values()) if (--f.pins === 0 && f.gone) fs.close(f.fd, noop)
    }
  }

  /** Drops the records of `origin` whose ops are all at or below `to`; deletes files left with none. */
  async clear(origin: NodeId, to: number): Promise<void> {
    const idx = this.index.get(origin)
    if (idx === undefined) return
    const touched = new Set<LogFile>()
    for (const n of idx.dropThrough(to)) {
      const f = this.files.get(n)!
      f.live--
      touched.add(f)
    }
    if (idx.size === 0) this.index.delete(origin)
    for (const f of touched) if (f.live === 0 && f !== this.active) await this.drop(f)
  }

  async close(): Promise<void> {
    await this.tail
    // A file a read still holds is closed by that read when it ends.
    for (const f of this.files.values()) {
      f.gone = true
      if (f.pins === 0) await closeFd(f.fd)
    }
    if (this.syncFd >= 0) await closeFd(this.syncFd)
    this.files.clear()
  }

  private async appendNow(enc: { bytes: Buffer; records: readonly RecordInfo[] }, sync: boolean): Promise<Appended> {
    if (this.broken !== undefined) throw new Error('the log hit an I/O error earlier and takes no more writes: restart the node', { cause: this.broken })
    const { bytes, records } = enc
    let f = this.active
    let at = f.size
    try {
      if (f.size >= this.opts.fileBytes) {
        await this.roll()
        f = this.active
        at = f.size
      }
      // A crash test's torn append: half the bytes on disk, then SIGKILL.
      this.opts.failpoints.hit('torn-log-append', () => fs.writeSync(f.fd, bytes, 0, bytes.length >>> 1, at))
      await writeAll(sync ? this.syncFd : f.fd, bytes, at)
    } catch (err) {
      // A full disk wrote part or nothing; the next append writes over it from the same offset.
      if ((err as { code?: unknown }).code === 'ENOSPC') throw SwarmError.storageFull(`log file ${f.path}: ${(err as Error).message}`)
      this.broken = err
      throw err
    }
    f.size = at + bytes.length
    // Counted live now (a roll must not drop the file), indexed on publish.
    f.live += records.length
    let published = false
    const appended: Appended = {
      publish: () => {
        if (published) return
        published = true
        for (const r of records) {
          let idx = this.index.get(r.origin)
          if (idx === undefined) this.index.set(r.origin, (idx = new OriginIndex()))
          idx.push(r.first, r.last, { file: f.n, offset: at + r.offset, length: r.length })
        }
      },
      undo: () => published ? Promise.reject(new Error('a published append cannot be taken back')) : this.serial(() => this.undo(appended, f, at, records, sync))
    }
    this.lastAppend = appended
    return appended
  }

  /**
   * Takes the last append back: the store write it was part of failed after it (LevelDB refused
   * the rest, a full disk), so its requests fail and their seqs are given again; the log must
   * not keep ops nobody will be told were stored. A crash before this ends leaves them in the
   * log, unacknowledged, as a crash right after the append does.
   */
  private async undo(which: Appended, f: LogFile, at: number, records: readonly RecordInfo[], sync: boolean): Promise<void> {
    if (this.lastAppend !== which || this.active !== f) {
      this.broken = new Error('an append to take back is not the last one')
      throw this.broken
    }
    this.lastAppend = undefined
    // Never published: nothing to take out of the index.
    f.live -= records.length
    f.size = at
    try {
      await truncate(f.path, at)
      if (sync) await new Promise<void>((resolve, reject) => fs.fdatasync(f.fd, (err) => (err ? reject(err) : resolve())))
    } catch (err) {
      this.broken = err
      throw err
    }
  }

  /** A new active file, durable (its magic synced, and its name, by a sync of the directory) before it takes a record. */
  private async roll(): Promise<void> {
    const old = this.active
    // Bytes a failed append left past the last whole record go: only the last file may have a torn
    // tail. The cut is synced: after a power loss the old file is no longer the last one, and an
    // older file ending mid-record refuses the open.
    await truncate(old.path, old.size)
    await new Promise<void>((resolve, reject) => fs.fdatasync(old.fd, (err) => (err ? reject(err) : resolve())))
    this.active = await this.create(old.n + 1)
    if (old.live === 0) await this.drop(old)
  }

  private async create(n: number): Promise<LogFile> {
    const path = join(this.dir, nameOf(n))
    const { O_RDWR, O_CREAT, O_EXCL, O_WRONLY, O_DSYNC } = fs.constants
    const fd = await openFd(path, O_RDWR | O_CREAT | O_EXCL)
    try {
      await writeAll(fd, FILE_MAGIC, 0)
      await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())))
      await syncDir(this.dir)
    } catch (err) {
      // Not a log file yet (a full disk): gone again, so the next roll can create it.
      await closeFd(fd).catch(noop)
      await unlink(path).catch(noop)
      throw err
    }
    const file: LogFile = { n, path, fd, size: FILE_MAGIC.length, live: 0, pins: 0, gone: false }
    this.files.set(n, file)
    if (this.syncFd >= 0) await closeFd(this.syncFd)
    this.syncFd = await openFd(path, O_WRONLY | O_DSYNC)
    return file
  }

  private async drop(f: LogFile): Promise<void> {
    // A roll and a compaction's clear may both find a file empty: its descriptor is closed once
    // (a second close could close a descriptor the number was given to since).
    if (f.gone) return
    this.files.delete(f.n)
    f.gone = true
    if (f.pins === 0) await closeFd(f.fd)
    await unlink(f.path)
  }

  private async load(): Promise<void> {
    // The folder is synced into its parent, and its own entries once loaded, on every open: a
    // file's sync does not make its name durable, and a crash may have come between a create and
    // the directory's sync (or a mkdir and its parent's).
    await mkdir(this.dir, { recursive: true })
    await syncDir(dirname(this.dir))
    const names = (await readdir(this.dir)).filter((x) => NAME.test(x)).sort()
    for (const [i, name] of names.entries()) await this.loadFile(name, i === names.length - 1)
    const last = names.length === 0 ? undefined : this.files.get(Number(NAME.exec(names[names.length - 1]!)![1]))
    // A file without records (they were all cut or overlapped) is not kept.
    for (const f of [...this.files.values()]) if (f.live === 0 && f !== last) await this.drop(f)
    if (last === undefined) {
      this.active = await this.create(1)
    } else {
      this.active = last
      this.syncFd = await openFd(last.path, fs.constants.O_WRONLY | fs.constants.O_DSYNC)
      await syncDir(this.dir)
    }
  }

  private async loadFile(name: string, isLast: boolean): Promise<void> {
    const n = Number(NAME.exec(name)![1])
    const path = join(this.dir, name)
    const buf = await readFile(path)
    let good = FILE_MAGIC.length
    let why: string | undefined
    let cut = false
    if (buf.length < FILE_MAGIC.length || !buf.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
      // Created, then a crash before its magic was synced: only the last file, and only a prefix of the magic.
      if (!isLast || !FILE_MAGIC.subarray(0, buf.length).equals(buf.subarray(0, FILE_MAGIC.length))) throw damaged(path, 0, 'not a log file (its first bytes are not the magic)')
      await truncate(path, 0)
      const h = await openFile(path, 'r+')
      await h.write(FILE_MAGIC, 0, FILE_MAGIC.length, 0)
      await h.datasync()
      await h.close()
      why = 'a file header cut short'
    }
    const file: LogFile = { n, path, fd: -1, size: 0, live: 0, pins: 0, gone: false }
    // Records since the last one that ends an append: indexed only once that one is read.
    let pending: RecordInfo[] = []
    for (let off = FILE_MAGIC.length; why === undefined && off < buf.length;) {
      const r = parseRecord(buf, off)
      if ('bad' in r) { why = r.bad; break }
      pending.push(r)
      off += r.length
      if (!r.end) continue
      for (const p of pending) this.indexAtOpen(file, p)
      pending = []
      good = off
    }
    if (why === undefined && pending.length > 0) why = 'an append cut short between its records'
    if (why !== undefined && buf.length > good) {
      if (!isLast) throw damaged(path, good, why)
      await truncate(path, good)
      cut = true
      this.opts.problems.report('replay', new Error(`log file ${path}: ${why} at byte ${good}; cut ${buf.length - good} bytes`),
        'the log ended in a torn append (the node stopped while writing it): cut back to the last whole commit. A torn append was never acknowledged (a synced append is acknowledged once whole); damage inside the file, not at its end, would cut acknowledged commits too (DESIGN §3b)')
    }
    file.size = good
    ;(file as { fd: number }).fd = await openFd(path, isLast ? fs.constants.O_RDWR : fs.constants.O_RDONLY)
    // The cut is synced, so a later roll does not leave an older file ending mid-record.
    if (cut) await new Promise<void>((resolve, reject) => fs.fdatasync(file.fd, (err) => (err ? reject(err) : resolve())))
    this.files.set(n, file)
  }

  /**
   * Records below the floor a crash mid-compaction left are indexed too, as LevelDB kept them:
   * readers skip them, and the next compaction's clear drops them with the rest.
   */
  private indexAtOpen(file: LogFile, r: RecordInfo): void {
    let idx = this.index.get(r.origin)
    if (idx === undefined) this.index.set(r.origin, (idx = new OriginIndex()))
    if (r.first <= idx.lastSeq) {
      this.opts.problems.report('replay', new Error(`log file ${file.path}: a record of ${r.origin} from ${r.first} overlaps the log up to ${idx.lastSeq}; skipped`))
      return
    }
    idx.push(r.first, r.last, { file: file.n, offset: r.offset, length: r.length })
    file.live++
  }
}

function nameOf(n: number): string {
  return `${String(n).padStart(10, '0')}.log`
}

function damaged(path: string, at: number, why: string): Error {
  return new Error(`log file ${path} is damaged at byte ${at} (${why}). The log holds the writes not yet checkpointed: ` +
    'restore the data dir from a backup, or start the node with an empty one and let its peers fill it (docs/OPERATIONS.md §6)')
}

function noop(): void {}

function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))))
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())))
}

async function syncDir(dir: string): Promise<void> {
  const h = await openFile(dir, 'r')
  try { await h.sync() } finally { await h.close() }
}

function writeAll(fd: number, buf: Buffer, at: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.write(fd, buf, off, buf.length - off, at + off, (err, n) => {
        if (err) reject(err)
        else if (off + n < buf.length) step(off + n)
        else resolve()
      })
    }
    step(0)
  })
}

function readAll(fd: number, buf: Buffer, at: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.read(fd, buf, off, buf.length - off, at + off, (err, n) => {
        if (err) reject(err)
        else if (n === 0) reject(new Error(`log read past the end of its file at byte ${at + off}`))
        else if (off + n < buf.length) step(off + n)
        else resolve()
      })
    }
    step(0)
  })
}

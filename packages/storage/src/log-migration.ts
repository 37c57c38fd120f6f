import type { Level } from 'level'
import { nodeIdEncoding, decode, type NodeId, type Problems } from '@swarmkv/core'
import { TAG_LOG } from './layout.js'
import { segmentLast } from './log-segment.js'
import { encodeRawRecord, type RecordInfo } from './log-record.js'
import type { LogFiles } from './log-files.js'

/** Bytes of migrated records per append. */
const MIGRATE_APPEND_BYTES = 1024 * 1024

/**
 * A data dir written before the log moved to its own files holds its log in LevelDB, under tag
 * 'l' (origin and first seq in the key, the segment as the value). Open moves those entries
 * into the log files, synced, then deletes them from LevelDB. A crash in between leaves them in
 * both: an entry the files already hold (its first seq at or below what the files hold of its
 * origin) is not appended again, so a second run only finishes the first. Returns how many
 * entries moved.
 */
export async function migrateLevelLog(db: Level<Uint8Array, Uint8Array>, log: LogFiles, problems: Problems): Promise<number> {
  const range = { gte: new Uint8Array([TAG_LOG]), lt: new Uint8Array([TAG_LOG + 1]) }
  let parts: Buffer[] = []
  let records: RecordInfo[] = []
  let bytes = 0
  let moved = 0
  let seen = 0
  const flush = async (): Promise<void> => {
    if (parts.length === 0) return
    const chunk = { bytes: Buffer.concat(parts), records }
    parts = []
    records = []
    bytes = 0
    ;(await log.appendEncoded(() => chunk, true)).publish()
  }
  const held = new Map<NodeId, number>()
  for await (const [k, v] of db.iterator(range)) {
    seen++
    const origin = decode(nodeIdEncoding, k.subarray(1, 9))
    const view = new DataView(k.buffer, k.byteOffset, k.byteLength)
    const first = view.getUint32(9) * 2 ** 32 + view.getUint32(13)
    const last = segmentLast(v)
    if (!held.has(origin)) held.set(origin, log.lastSeq(origin))
    if (first <= held.get(origin)!) continue
    held.set(origin, last)
    // Each entry was a whole commit's segment of its origin for LevelDB: each is its own append-end.
    const rec = encodeRawRecord(origin, first, v, true)
    records.push({ origin, first, last, offset: bytes, length: rec.length, end: true })
    parts.push(rec)
    bytes += rec.length
    moved++
    if (bytes >= MIGRATE_APPEND_BYTES) await flush()
  }
  await flush()
  if (seen === 0) return 0
  await db.clear(range)
  problems.log.info({ entries: seen, moved }, 'moved the replication log out of LevelDB into its own files (docs/DESIGN.md §3b)')
  return moved
}

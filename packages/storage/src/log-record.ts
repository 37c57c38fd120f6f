import { crc32 } from 'node:zlib'
import * as c from 'compact-encoding'
import { nodeIdEncoding, type NodeId, type Op } from '@swarmkv/core'
import { segmentEncoding, segmentLast } from './log-segment.js'

/**
 * One record of a log file: the ops of one origin that one commit wrote (a log segment).
 *
 *   u32 LE  body length
 *   u32 LE  CRC-32 of the body
 *   body:   flags (1 byte) | origin (8 bytes) | first seq (u64 BE) | segment (log-segment.ts)
 *
 * The body is what the LevelDB entry of a segment was (key: origin and first seq; value: the
 * segment), so a migrated entry is copied, not decoded. The flag END marks the last record of
 * one append: the records of a commit are written by one write, and a torn tail is cut back to
 * the last END, so a commit is in the log whole or not at all (DESIGN §3b, C3).
 */
export const RECORD_HEADER_BYTES = 8
const BODY_PREFIX_BYTES = 1 + 8 + 8
export const FLAG_END = 1

/** Eight bytes at the start of every log file: a name and the format version. */
export const FILE_MAGIC = Buffer.from('swkvlog\u0001', 'latin1')

/** Where a record lies and what it holds, as the index keeps it. */
export interface RecordInfo {
  readonly origin: NodeId
  readonly first: number
  readonly last: number
  /** Offset of the record (its header) from the start of the buffer it was read from or written to. */
  readonly offset: number
  /** Header and body. */
  readonly length: number
  readonly end: boolean
}

/** The records of one append, encoded into one buffer, and where each lies in it. */
export function encodeRecords(runs: readonly (readonly Op[])[]): { bytes: Buffer; records: RecordInfo[] } {
  const sizes = runs.map((run) => {
    const st = c.state()
    segmentEncoding.preencode(st, { last: run[run.length - 1]!.seq, ops: run })
    return st.end
  })
  let total = 0
  for (const s of sizes) total += RECORD_HEADER_BYTES + BODY_PREFIX_BYTES + s
  const bytes = Buffer.allocUnsafe(total)
  const records: RecordInfo[] = []
  let o = 0
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!
    const first = run[0]!.seq
    const last = run[run.length - 1]!.seq
    const end = i === runs.length - 1
    const bodyLength = BODY_PREFIX_BYTES + sizes[i]!
    const body = o + RECORD_HEADER_BYTES
    writePrefix(bytes, body, end, run[0]!.origin, first)
    segmentEncoding.encode(c.state(body + BODY_PREFIX_BYTES, body + bodyLength, bytes), { last, ops: run })
    seal(bytes, o, bodyLength)
    records.push({ origin: run[0]!.origin, first, last, offset: o, length: RECORD_HEADER_BYTES + bodyLength, end })
    o += RECORD_HEADER_BYTES + bodyLength
  }
  return { bytes, records }
}

/** A record around segment bytes that are already encoded (a migrated LevelDB entry). */
export function encodeRawRecord(origin: NodeId, first: number, segment: Uint8Array, end: boolean): Buffer {
  const bodyLength = BODY_PREFIX_BYTES + segment.byteLength
  const bytes = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyLength)
  writePrefix(bytes, RECORD_HEADER_BYTES, end, origin, first)
  bytes.set(segment, RECORD_HEADER_BYTES + BODY_PREFIX_BYTES)
  seal(bytes, 0, bodyLength)
  return bytes
}

function writePrefix(buf: Buffer, at: number, end: boolean, origin: NodeId, first: number): void {
  buf[at] = end ? FLAG_END : 0
  nodeIdEncoding.encode(c.state(at + 1, at + 9, buf), origin)
  buf.writeUInt32BE(Math.floor(first / 2 ** 32), at + 9)
  buf.writeUInt32BE(first >>> 0, at + 13)
}

function seal(buf: Buffer, at: number, bodyLength: number): void {
  const body = at + RECORD_HEADER_BYTES
  buf.writeUInt32LE(bodyLength, at)
  buf.writeUInt32LE(crc32(buf.subarray(body, body + bodyLength)), at + 4)
}

/**
 * The record at `offset` in `buf`, checked: undefined when the bytes there are not a whole
 * record with its CRC (a torn or damaged one), with the reason.
 */
export function parseRecord(buf: Buffer, offset: number): RecordInfo | { readonly bad: string } {
  if (buf.length - offset < RECORD_HEADER_BYTES) return { bad: 'a record header cut short' }
  const bodyLength = buf.readUInt32LE(offset)
  const body = offset + RECORD_HEADER_BYTES
  if (bodyLength <= BODY_PREFIX_BYTES || body + bodyLength > buf.length) return { bad: `a record of ${bodyLength} bytes runs past the end` }
  if (crc32(buf.subarray(body, body + bodyLength)) !== buf.readUInt32LE(offset + 4)) return { bad: 'a record whose CRC does not match' }
  const flags = buf[body]!
  const origin = nodeIdEncoding.decode(c.state(body + 1, body + 9, buf))
  const first = buf.readUInt32BE(body + 9) * 2 ** 32 + buf.readUInt32BE(body + 13)
  const last = segmentLast(buf.subarray(body + BODY_PREFIX_BYTES, body + bodyLength))
  return { origin, first, last, offset, length: RECORD_HEADER_BYTES + bodyLength, end: (flags & FLAG_END) !== 0 }
}

/** The ops of a checked record (parseRecord) at `offset` of `buf`. */
export function recordOps(buf: Buffer, offset: number, length: number): readonly Op[] {
  const start = offset + RECORD_HEADER_BYTES + BODY_PREFIX_BYTES
  return segmentEncoding.decode(c.state(start, offset + length, buf)).ops
}

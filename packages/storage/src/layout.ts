import type { NodeId, Seq } from '@swarmkv/core'

/**
 * LevelDB key layout (one byte tag, then the rest):
 *   's' + utf8(key)                     -> register state
 *   'd' + utf8(key)                     -> Automerge document snapshot
 *   'e' + len16 + utf8(key) + n (4 BE)  -> document chunk n (raw change bytes since the snapshot)
 *   'm'                                 -> node meta (seq, applied, floor)
 *   'p' + origin (8 bytes)              -> a cluster member's last known applied vector
 *   'l' + origin (8 bytes) + seq (8 BE) -> a log segment, in a data dir written before the log
 *                                          moved to its own files (<db>/oplog/, log-files.ts):
 *                                          read once, on open, to move it there (log-migration.ts)
 * Tags sort apart, so each kind is one contiguous range.
 */
export const TAG_REG = 0x73
export const TAG_DOC = 0x64
export const TAG_LOG = 0x6c
export const TAG_CHUNK = 0x65
export const TAG_MEMBER = 0x70
export const META_KEY = new Uint8Array([0x6d])

const utf8 = new TextEncoder()
const utf8d = new TextDecoder('utf-8', { fatal: true })

export function tagged(tag: number, key: string): Uint8Array {
  const body = utf8.encode(key)
  const out = new Uint8Array(body.length + 1)
  out[0] = tag
  out.set(body, 1)
  return out
}

export function untag(bytes: Uint8Array): string {
  return utf8d.decode(bytes.subarray(1))
}

/** The prefix of every chunk of one document; the key's length keeps documents apart. */
export function chunkPrefix(key: string): Uint8Array {
  const body = utf8.encode(key)
  const out = new Uint8Array(body.length + 3)
  out[0] = TAG_CHUNK
  out[1] = body.length >>> 8
  out[2] = body.length & 0xff
  out.set(body, 3)
  return out
}

export function chunkKey(key: string, index: number): Uint8Array {
  const p = chunkPrefix(key)
  const out = new Uint8Array(p.length + 4)
  out.set(p)
  new DataView(out.buffer).setUint32(p.length, index)
  return out
}

export function logKey(origin: NodeId, seq: Seq): Uint8Array {
  const out = new Uint8Array(17)
  out[0] = TAG_LOG
  for (let i = 0; i < 8; i++) out[1 + i] = parseInt(origin.slice(i * 2, i * 2 + 2), 16)
  const view = new DataView(out.buffer)
  view.setUint32(9, Math.floor(seq / 2 ** 32))
  view.setUint32(13, seq >>> 0)
  return out
}

/** The smallest byte string greater than every string starting with `prefix`, or undefined. */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const out = Uint8Array.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1
      return out.subarray(0, i + 1)
    }
  }
  return undefined
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s)
}

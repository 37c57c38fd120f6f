import * as c from 'compact-encoding'
import type { NodeId } from './ids.js'
import { isSeq } from './ids.js'
import type { Hlc } from './hlc.js'
import type { VersionVector } from './version-vector.js'
import { vvEntries } from './version-vector.js'
import type { RegisterState, Sibling } from './register.js'
import type { Op } from './op.js'

/**
 * Binary encodings shared by the store and the wire. Decoders validate everything they read and
 * throw CodecError (never a TypeError/RangeError), so a bad message is an ordinary, counted error.
 */
export class CodecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CodecError'
  }
}

export type Encoding<T> = c.Encoder<T>
type State = Parameters<c.Encoder['encode']>[0]

const MAX_CONTENT_TYPE = 256
const MAX_VV_ENTRIES = 4096
const MAX_SIBLINGS = 4096

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new CodecError(`malformed ${what}`)
}

function safeUint(state: State): number {
  const n = c.uint.decode(state)
  check(Number.isSafeInteger(n), 'integer')
  return n
}

/** Hex digit values by char code (node ids are validated lowercase hex before they get here). */
const HEX = new Uint8Array(128)
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i
/** Each byte's two hex digits. */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

export const nodeIdEncoding: Encoding<NodeId> = {
  preencode(state) { state.end += 8 },
  encode(state, id) {
    const buf = state.buffer!
    for (let i = 0; i < 8; i++) buf[state.start + i] = (HEX[id.charCodeAt(2 * i)]! << 4) | HEX[id.charCodeAt(2 * i + 1)]!
    state.start += 8
  },
  decode(state) {
    check(state.end - state.start >= 8, 'node id')
    const buf = state.buffer!
    let out = ''
    for (let i = state.start; i < state.start + 8; i++) out += HEX_BYTE[buf[i]!]!
    state.start += 8
    return out as NodeId
  }
}

export const seqEncoding: Encoding<number> = {
  preencode(state, n) { c.uint.preencode(state, n) },
  encode(state, n) { c.uint.encode(state, n) },
  decode(state) {
    const n = safeUint(state)
    check(isSeq(n), 'seq')
    return n
  }
}

export const hlcEncoding: Encoding<Hlc> = {
  preencode(state, h) { c.uint.preencode(state, h.wall); c.uint.preencode(state, h.counter) },
  encode(state, h) { c.uint.encode(state, h.wall); c.uint.encode(state, h.counter) },
  decode(state) { return { wall: safeUint(state), counter: safeUint(state) } }
}

export const vvEncoding: Encoding<VersionVector> = {
  preencode(state, v) {
    // The size does not depend on the order: no sorted copy (this runs twice per write).
    let n = 0
    for (const k in v) {
      const s = v[k as NodeId]!
      if (!(s > 0)) continue
      n++
      state.end += 8
      c.uint.preencode(state, s)
    }
    c.uint.preencode(state, n)
  },
  encode(state, v) {
    const e = vvEntries(v)
    c.uint.encode(state, e.length)
    for (const [k, s] of e) { nodeIdEncoding.encode(state, k); c.uint.encode(state, s) }
  },
  decode(state) {
    const n = safeUint(state)
    check(n <= MAX_VV_ENTRIES, 'version vector length')
    const out: Record<string, number> = {}
    for (let i = 0; i < n; i++) {
      const k = nodeIdEncoding.decode(state)
      check(!(k in out), 'version vector (duplicate origin)')
      out[k] = seqEncoding.decode(state)
    }
    return out
  }
}

const boundedString = (max: number, what: string): Encoding<string> => ({
  preencode(state, s) { c.string.preencode(state, s) },
  encode(state, s) { c.string.encode(state, s) },
  decode(state) {
    const s = c.string.decode(state)
    check(s.length <= max, what)
    return s
  }
})

/**
 * Bytes decoded into a copy of their own: a view would keep the whole buffer it came from alive
 * (a network frame of many ops, a socket read) for as long as the value sits in a cache.
 */
function ownBytes(state: State): Uint8Array {
  return c.uint8array.decode(state).slice()
}

const contentTypeEncoding = boundedString(MAX_CONTENT_TYPE, 'content type')
const keyEncoding = boundedString(64 * 1024, 'key')

const FLAG_DELETED = 1

export const siblingEncoding: Encoding<Sibling> = {
  preencode(state, s) {
    state.end += 8
    c.uint.preencode(state, s.seq)
    hlcEncoding.preencode(state, s.hlc)
    c.uint.preencode(state, s.deleted ? FLAG_DELETED : 0)
    contentTypeEncoding.preencode(state, s.contentType)
    c.uint8array.preencode(state, s.value)
  },
  encode(state, s) {
    nodeIdEncoding.encode(state, s.origin)
    c.uint.encode(state, s.seq)
    hlcEncoding.encode(state, s.hlc)
    c.uint.encode(state, s.deleted ? FLAG_DELETED : 0)
    contentTypeEncoding.encode(state, s.contentType)
    c.uint8array.encode(state, s.value)
  },
  decode(state) {
    const origin = nodeIdEncoding.decode(state)
    const seq = seqEncoding.decode(state)
    const hlc = hlcEncoding.decode(state)
    const flags = safeUint(state)
    check((flags & ~FLAG_DELETED) === 0, 'sibling flags')
    const contentType = contentTypeEncoding.decode(state)
    const value = ownBytes(state)
    return { origin, seq, hlc, deleted: (flags & FLAG_DELETED) !== 0, contentType, value }
  }
}

export const registerStateEncoding: Encoding<RegisterState> = {
  preencode(state, r) {
    c.uint.preencode(state, r.siblings.length)
    for (const s of r.siblings) siblingEncoding.preencode(state, s)
    vvEncoding.preencode(state, r.context)
  },
  encode(state, r) {
    c.uint.encode(state, r.siblings.length)
    for (const s of r.siblings) siblingEncoding.encode(state, s)
    vvEncoding.encode(state, r.context)
  },
  decode(state) {
    const n = safeUint(state)
    check(n <= MAX_SIBLINGS, 'sibling count')
    const siblings: Sibling[] = []
    for (let i = 0; i < n; i++) siblings.push(siblingEncoding.decode(state))
    return { siblings, context: vvEncoding.decode(state) }
  }
}

const OP_REG = 1
const OP_DOC = 2
const MAX_CHANGES = 4096

export const opEncoding: Encoding<Op> = {
  preencode(state, op) {
    c.uint.preencode(state, OP_REG)
    c.uint.preencode(state, op.seq)
    state.end += 8
    hlcEncoding.preencode(state, op.hlc)
    keyEncoding.preencode(state, op.key)
    if (op.kind === 'reg') {
      vvEncoding.preencode(state, op.write.context)
      c.uint.preencode(state, op.write.sibling.deleted ? FLAG_DELETED : 0)
      contentTypeEncoding.preencode(state, op.write.sibling.contentType)
      c.uint8array.preencode(state, op.write.sibling.value)
    } else {
      c.uint.preencode(state, op.changes.length)
      for (const ch of op.changes) c.uint8array.preencode(state, ch)
    }
  },
  encode(state, op) {
    c.uint.encode(state, op.kind === 'reg' ? OP_REG : OP_DOC)
    nodeIdEncoding.encode(state, op.origin)
    c.uint.encode(state, op.seq)
    hlcEncoding.encode(state, op.hlc)
    keyEncoding.encode(state, op.key)
    if (op.kind === 'reg') {
      vvEncoding.encode(state, op.write.context)
      c.uint.encode(state, op.write.sibling.deleted ? FLAG_DELETED : 0)
      contentTypeEncoding.encode(state, op.write.sibling.contentType)
      c.uint8array.encode(state, op.write.sibling.value)
    } else {
      c.uint.encode(state, op.changes.length)
      for (const ch of op.changes) c.uint8array.encode(state, ch)
    }
  },
  decode(state) {
    const tag = safeUint(state)
    check(tag === OP_REG || tag === OP_DOC, 'op kind')
    const origin = nodeIdEncoding.decode(state)
    const seq = seqEncoding.decode(state)
    const hlc = hlcEncoding.decode(state)
    const key = keyEncoding.decode(state)
    if (tag === OP_REG) {
      const context = vvEncoding.decode(state)
      const flags = safeUint(state)
      check((flags & ~FLAG_DELETED) === 0, 'op flags')
      const contentType = contentTypeEncoding.decode(state)
      const value = ownBytes(state)
      const deleted = (flags & FLAG_DELETED) !== 0
      return { kind: 'reg', origin, seq, hlc, key, write: { context, sibling: { origin, seq, hlc, deleted, contentType, value } } }
    }
    const n = safeUint(state)
    check(n <= MAX_CHANGES, 'change count')
    const changes: Uint8Array[] = []
    for (let i = 0; i < n; i++) changes.push(ownBytes(state))
    return { kind: 'doc', origin, seq, hlc, key, changes }
  }
}

export function encode<T>(enc: Encoding<T>, value: T): Uint8Array {
  const state = c.state()
  enc.preencode(state, value)
  state.buffer = new Uint8Array(state.end)
  enc.encode(state, value)
  return state.buffer
}

/** Decodes a whole buffer; trailing bytes or any failure is a CodecError. */
export function decode<T>(enc: Encoding<T>, bytes: Uint8Array): T {
  const state = c.state(0, bytes.byteLength, bytes)
  let out: T
  try {
    out = enc.decode(state)
  } catch (e) {
    if (e instanceof CodecError) throw e
    throw new CodecError(e instanceof Error ? e.message : 'undecodable')
  }
  check(state.start === state.end, 'message (trailing bytes)')
  return out
}

/** Wraps an encoding so every decode failure surfaces as a CodecError. */
export function strict<T>(enc: Encoding<T>): Encoding<T> {
  return {
    preencode: enc.preencode.bind(enc),
    encode: enc.encode.bind(enc),
    decode(state) {
      try {
        return enc.decode(state)
      } catch (e) {
        if (e instanceof CodecError) throw e
        throw new CodecError(e instanceof Error ? e.message : 'undecodable')
      }
    }
  }
}

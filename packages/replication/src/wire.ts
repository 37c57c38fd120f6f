import * as c from 'compact-encoding'
import {
  CodecError, nodeIdEncoding, opEncoding, registerStateEncoding, strict, vvEncoding,
  type Encoding, type NodeId, type Op, type RegisterState, type VersionVector
} from '@swarmkv/core'

/**
 * The replication wire format, all in this file. One protomux channel per connection; messages
 * are identified by their position in MESSAGES. The handshake negotiates a protocol version:
 * each side offers VERSIONS and both pick the highest version they share.
 * Golden encodings: test/fixtures/wire-v1.json, and wire-v2.json for what v2 added.
 * v2 (compatible: the hello is v1's, so a v1 peer still negotiates v1) adds the mode message,
 * which v1 peers are never sent: after the hello and on every change, each side tells its role
 * and whether it refuses writes (read-only), so replicas redirect writes only to writable masters.
 */
export const PROTOCOL = 'swarmkv/replication'
export const VERSIONS: readonly number[] = [1, 2]
/** From this version on, a session sends a mode message (role and read-only) after the hello and on every change. */
export const MODE_VERSION = 2

/** A message larger than this closes the connection. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024
/** Ops in one message, at most. */
export const MAX_OPS_PER_MESSAGE = 4096
const MAX_TEXT = 2048

export type WireRole = 'master' | 'replica'

export interface AuthMessage { readonly proof: Uint8Array }

export interface HelloMessage {
  readonly versions: readonly number[]
  readonly nodeId: NodeId
  readonly role: WireRole
  readonly region: string
  readonly httpUrl: string
  readonly applied: VersionVector
}

export interface OpsMessage { readonly ops: readonly Op[] }
export interface AckMessage { readonly applied: VersionVector }
export interface RoleMessage { readonly role: WireRole }
/** v2: the sender's role and read-only switch, after the hello and whenever either changes. */
export interface ModeMessage { readonly role: WireRole; readonly readOnly: boolean }

/** A state transfer starts: the states that follow cover `applied`. */
export interface StateBeginMessage { readonly applied: VersionVector }
/** Key states of a state transfer: register states and saved documents (snapshot + chunks). */
export interface StateChunkMessage {
  readonly registers: ReadonlyArray<readonly [string, RegisterState]>
  readonly docs: ReadonlyArray<readonly [string, { readonly snapshot: Uint8Array | undefined; readonly chunks: readonly Uint8Array[] }]>
}
export interface StateEndMessage { readonly applied: VersionVector }

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new CodecError(`malformed ${what}`)
}

/** Refuses oversized messages before decoding anything. */
function bounded<T>(enc: Encoding<T>): Encoding<T> {
  return strict({
    preencode: enc.preencode.bind(enc),
    encode: enc.encode.bind(enc),
    decode(state) {
      check(state.end - state.start <= MAX_MESSAGE_BYTES, 'message (too large)')
      const v = enc.decode(state)
      check(state.start === state.end, 'message (trailing bytes)')
      return v
    }
  })
}

const text: Encoding<string> = {
  preencode: (s, v) => c.string.preencode(s, v),
  encode: (s, v) => c.string.encode(s, v),
  decode(s) {
    const v = c.string.decode(s)
    check(v.length <= MAX_TEXT, 'text field')
    return v
  }
}

const ROLES: readonly WireRole[] = ['master', 'replica']
const roleEncoding: Encoding<WireRole> = {
  preencode: (s, r) => c.uint.preencode(s, ROLES.indexOf(r)),
  encode: (s, r) => c.uint.encode(s, ROLES.indexOf(r)),
  decode(s) {
    const r = ROLES[c.uint.decode(s)]
    check(r !== undefined, 'role')
    return r
  }
}

export const authEncoding = bounded<AuthMessage>({
  preencode: (s) => c.fixed32.preencode(s, new Uint8Array(32)),
  encode: (s, m) => c.fixed32.encode(s, m.proof),
  decode: (s) => ({ proof: c.fixed32.decode(s) })
})

export const helloEncoding = bounded<HelloMessage>({
  preencode(s, m) {
    c.uint.preencode(s, m.versions.length)
    for (const v of m.versions) c.uint.preencode(s, v)
    nodeIdEncoding.preencode(s, m.nodeId)
    roleEncoding.preencode(s, m.role)
    text.preencode(s, m.region)
    text.preencode(s, m.httpUrl)
    vvEncoding.preencode(s, m.applied)
  },
  encode(s, m) {
    c.uint.encode(s, m.versions.length)
    for (const v of m.versions) c.uint.encode(s, v)
    nodeIdEncoding.encode(s, m.nodeId)
    roleEncoding.encode(s, m.role)
    text.encode(s, m.region)
    text.encode(s, m.httpUrl)
    vvEncoding.encode(s, m.applied)
  },
  decode(s) {
    const n = c.uint.decode(s)
    check(n >= 1 && n <= 64, 'version list')
    const versions: number[] = []
    for (let i = 0; i < n; i++) versions.push(c.uint.decode(s))
    return { versions, nodeId: nodeIdEncoding.decode(s), role: roleEncoding.decode(s), region: text.decode(s), httpUrl: text.decode(s), applied: vvEncoding.decode(s) }
  }
})

export const opsEncoding = bounded<OpsMessage>({
  preencode(s, m) {
    c.uint.preencode(s, m.ops.length)
    for (const op of m.ops) opEncoding.preencode(s, op)
  },
  encode(s, m) {
    c.uint.encode(s, m.ops.length)
    for (const op of m.ops) opEncoding.encode(s, op)
  },
  decode(s) {
    const n = c.uint.decode(s)
    check(n >= 1 && n <= MAX_OPS_PER_MESSAGE, 'op count')
    const ops: Op[] = []
    for (let i = 0; i < n; i++) ops.push(opEncoding.decode(s))
    return { ops }
  }
})

export const ackEncoding = bounded<AckMessage>({
  preencode: (s, m) => vvEncoding.preencode(s, m.applied),
  encode: (s, m) => vvEncoding.encode(s, m.applied),
  decode: (s) => ({ applied: vvEncoding.decode(s) })
})

export const roleMessageEncoding = bounded<RoleMessage>({
  preencode: (s, m) => roleEncoding.preencode(s, m.role),
  encode: (s, m) => roleEncoding.encode(s, m.role),
  decode: (s) => ({ role: roleEncoding.decode(s) })
})

export const modeMessageEncoding = bounded<ModeMessage>({
  preencode: (s, m) => { roleEncoding.preencode(s, m.role); c.bool.preencode(s, m.readOnly) },
  encode: (s, m) => { roleEncoding.encode(s, m.role); c.bool.encode(s, m.readOnly) },
  decode(s) {
    const role = roleEncoding.decode(s)
    const flag = c.uint8.decode(s)
    check(flag <= 1, 'read-only flag')
    return { role, readOnly: flag === 1 }
  }
})

const MAX_KEYS_PER_CHUNK = 65_536

export const stateBeginEncoding = bounded<StateBeginMessage>({
  preencode: (s, m) => vvEncoding.preencode(s, m.applied),
  encode: (s, m) => vvEncoding.encode(s, m.applied),
  decode: (s) => ({ applied: vvEncoding.decode(s) })
})

export const stateEndEncoding = stateBeginEncoding as Encoding<StateEndMessage>

export const stateChunkEncoding = bounded<StateChunkMessage>({
  preencode(s, m) {
    c.uint.preencode(s, m.registers.length)
    for (const [k, st] of m.registers) { c.string.preencode(s, k); registerStateEncoding.preencode(s, st) }
    c.uint.preencode(s, m.docs.length)
    for (const [k, d] of m.docs) {
      c.string.preencode(s, k)
      c.uint8array.preencode(s, d.snapshot ?? new Uint8Array(0))
      c.uint.preencode(s, d.chunks.length)
      for (const ch of d.chunks) c.uint8array.preencode(s, ch)
    }
  },
  encode(s, m) {
    c.uint.encode(s, m.registers.length)
    for (const [k, st] of m.registers) { c.string.encode(s, k); registerStateEncoding.encode(s, st) }
    c.uint.encode(s, m.docs.length)
    for (const [k, d] of m.docs) {
      c.string.encode(s, k)
      c.uint8array.encode(s, d.snapshot ?? new Uint8Array(0))
      c.uint.encode(s, d.chunks.length)
      for (const ch of d.chunks) c.uint8array.encode(s, ch)
    }
  },
  decode(s) {
    const nr = c.uint.decode(s)
    check(nr <= MAX_KEYS_PER_CHUNK, 'state chunk')
    const registers: Array<readonly [string, RegisterState]> = []
    for (let i = 0; i < nr; i++) registers.push([c.string.decode(s), registerStateEncoding.decode(s)])
    const nd = c.uint.decode(s)
    check(nd <= MAX_KEYS_PER_CHUNK, 'state chunk')
    const docs: Array<readonly [string, { snapshot: Uint8Array | undefined; chunks: Uint8Array[] }]> = []
    for (let i = 0; i < nd; i++) {
      const key = c.string.decode(s)
      const snap = c.uint8array.decode(s)
      const n = c.uint.decode(s)
      check(n <= MAX_KEYS_PER_CHUNK, 'document chunks')
      const chunks: Uint8Array[] = []
      for (let j = 0; j < n; j++) chunks.push(c.uint8array.decode(s))
      docs.push([key, { snapshot: snap.byteLength === 0 ? undefined : snap, chunks }])
    }
    return { registers, docs }
  }
})

/** The highest version both sides offer, or undefined. */
export function chooseVersion(ours: readonly number[], theirs: readonly number[]): number | undefined {
  const common = ours.filter((v) => theirs.includes(v))
  return common.length === 0 ? undefined : Math.max(...common)
}

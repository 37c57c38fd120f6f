/** A node's id: 16 lowercase hex characters, the first 8 bytes of its Hyperswarm public key. */
export type NodeId = string & { readonly __brand: 'NodeId' }
/** A user key: a non-empty UTF-8 string. */
export type Key = string & { readonly __brand: 'Key' }
/** A per-origin sequence number, starting at 1. */
export type Seq = number

/** The identity of one write: the origin that made it and its sequence there. */
export interface Dot {
  readonly origin: NodeId
  readonly seq: Seq
}

const NODE_ID_RE = /^[0-9a-f]{16}$/

export function isNodeId(s: string): s is NodeId {
  return NODE_ID_RE.test(s)
}

export function asNodeId(s: string): NodeId {
  if (!isNodeId(s)) throw new TypeError(`not a node id: ${s}`)
  return s
}

export function nodeIdFromPublicKey(publicKey: Uint8Array): NodeId {
  let out = ''
  for (let i = 0; i < 8; i++) out += (publicKey[i] ?? 0).toString(16).padStart(2, '0')
  return out as NodeId
}

export function isSeq(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1
}

/** `origin:seq`, the text form used by write tokens. */
export function formatDot(d: Dot): string {
  return `${d.origin}:${d.seq}`
}

/** Parses `origin:seq`; returns undefined when malformed. */
export function parseDot(s: string): Dot | undefined {
  const i = s.indexOf(':')
  if (i < 0) return undefined
  const origin = s.slice(0, i)
  const seqText = s.slice(i + 1)
  if (!isNodeId(origin) || !/^[1-9][0-9]{0,15}$/.test(seqText)) return undefined
  const seq = Number(seqText)
  if (!isSeq(seq)) return undefined
  return { origin, seq }
}

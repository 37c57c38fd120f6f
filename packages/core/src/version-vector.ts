import type { Dot, NodeId, Seq } from './ids.js'
import { isNodeId, isSeq } from './ids.js'

/**
 * A version vector: for each origin, the highest seq covered. Absent entries are 0.
 * Treated as immutable: every function returns a new vector.
 */
export type VersionVector = Readonly<Record<NodeId, Seq>>

export const EMPTY_VV: VersionVector = Object.freeze({})

export type Ordering = 'equal' | 'before' | 'after' | 'concurrent'

export function vvGet(v: VersionVector, origin: NodeId): Seq {
  return v[origin] ?? 0
}

export function covers(v: VersionVector, dot: Dot): boolean {
  return vvGet(v, dot.origin) >= dot.seq
}

export function vvMerge(a: VersionVector, b: VersionVector): VersionVector {
  const out: Record<string, Seq> = { ...a }
  for (const [k, s] of Object.entries(b)) if (s > (out[k] ?? 0)) out[k] = s
  return out
}

export function vvWith(v: VersionVector, dot: Dot): VersionVector {
  if (vvGet(v, dot.origin) >= dot.seq) return v
  return { ...v, [dot.origin]: dot.seq }
}

/** True when `a` covers every entry of `b`. */
export function vvDominates(a: VersionVector, b: VersionVector): boolean {
  for (const [k, s] of Object.entries(b)) if ((a[k as NodeId] ?? 0) < s) return false
  return true
}

export function vvCompare(a: VersionVector, b: VersionVector): Ordering {
  const ab = vvDominates(a, b)
  const ba = vvDominates(b, a)
  if (ab && ba) return 'equal'
  if (ab) return 'after'
  if (ba) return 'before'
  return 'concurrent'
}

/** Entries in origin order, zeros dropped: the canonical form used for encoding and hashing. */
export function vvEntries(v: VersionVector): Array<[NodeId, Seq]> {
  // On every write path (encoding, ETags, headers) and vectors are short: an insertion sort over
  // a plain loop, without the intermediate arrays of entries/filter/sort.
  const out: Array<[NodeId, Seq]> = []
  for (const k in v) {
    const s = v[k as NodeId]!
    if (!(s > 0)) continue
    let i = out.length
    while (i > 0 && out[i - 1]![0] > k) i--
    out.splice(i, 0, [k as NodeId, s])
  }
  return out
}

export function vvFromEntries(entries: Iterable<readonly [NodeId, Seq]>): VersionVector {
  const out: Record<string, Seq> = {}
  for (const [k, s] of entries) if (s > (out[k] ?? 0)) out[k] = s
  return out
}

/** Sum over origins of how far `ahead` is ahead of `behind`: a lag in ops. */
export function vvLag(ahead: VersionVector, behind: VersionVector): number {
  let n = 0
  for (const [k, s] of Object.entries(ahead)) n += Math.max(0, s - (behind[k as NodeId] ?? 0))
  return n
}

/** The text form `origin:seq,origin:seq` used by the X-Context header. Empty vector: empty string. */
export function formatVV(v: VersionVector): string {
  let text = ''
  for (const [k, s] of vvEntries(v)) text += text === '' ? `${k}:${s}` : `,${k}:${s}`
  return text
}

/** Parses the text form; undefined when malformed. */
export function parseVV(text: string): VersionVector | undefined {
  const t = text.trim()
  if (t === '') return EMPTY_VV
  const out: Record<string, Seq> = {}
  for (const part of t.split(',')) {
    const [k, s, extra] = part.trim().split(':')
    if (k === undefined || s === undefined || extra !== undefined) return undefined
    if (!isNodeId(k) || !/^[0-9]{1,16}$/.test(s)) return undefined
    const n = Number(s)
    if (!isSeq(n) || k in out) return undefined
    out[k] = n
  }
  return out
}

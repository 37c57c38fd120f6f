import type { Dot, NodeId, Seq } from './ids.js'
import type { Hlc } from './hlc.js'
import { compareHlc } from './hlc.js'
import type { VersionVector } from './version-vector.js'
import { EMPTY_VV, covers, vvDominates, vvMerge, vvWith } from './version-vector.js'

/** One concurrent value of a key. A tombstone is a sibling with `deleted` set and an empty value. */
export interface Sibling {
  readonly origin: NodeId
  readonly seq: Seq
  readonly hlc: Hlc
  readonly value: Uint8Array
  readonly contentType: string
  readonly deleted: boolean
}

/**
 * A multi-value register with a dotted causal context.
 * Invariants: every sibling's dot is covered by `context`; no sibling covers another (they are
 * mutually concurrent); siblings are sorted by (origin, seq), so equal states encode to equal bytes.
 */
export interface RegisterState {
  readonly siblings: readonly Sibling[]
  readonly context: VersionVector
}

export const EMPTY_REGISTER: RegisterState = Object.freeze({ siblings: Object.freeze([]), context: EMPTY_VV })

/**
 * A register write as it travels: the new sibling plus the causal context it supersedes.
 * The write's own dot is not part of `context`: a write made with a stale context must not claim
 * earlier writes of its own origin that it never saw.
 */
export interface RegisterWrite {
  readonly sibling: Sibling
  /** What the writer had seen of this key: siblings it covers are superseded. */
  readonly context: VersionVector
}

export function dotOf(s: Sibling): Dot {
  return { origin: s.origin, seq: s.seq }
}

function compareDot(a: Sibling, b: Sibling): number {
  return a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.seq - b.seq
}

/**
 * The join of two register states: a sibling survives unless the other side's context covers it
 * without holding it (meaning the other side saw it and superseded it). Contexts are unioned.
 * Commutative, associative and idempotent.
 */
export function merge(a: RegisterState, b: RegisterState): RegisterState {
  const out: Sibling[] = []
  let i = 0
  let j = 0
  const as = a.siblings
  const bs = b.siblings
  while (i < as.length || j < bs.length) {
    const x = as[i]
    const y = bs[j]
    const c = x === undefined ? 1 : y === undefined ? -1 : compareDot(x, y)
    if (c === 0 && x !== undefined) {
      out.push(x)
      i++
      j++
    } else if (c < 0 && x !== undefined) {
      if (!covers(b.context, dotOf(x))) out.push(x)
      i++
    } else if (y !== undefined) {
      if (!covers(a.context, dotOf(y))) out.push(y)
      j++
    }
  }
  return { siblings: out, context: vvMerge(a.context, b.context) }
}

/**
 * Applies one write: the join of the state with the write as a one-sibling state (its context
 * plus its own dot). Requires per-origin seq order (replication guarantees it): then a stored
 * context entry `o:s` means every write of `o` to this key up to `s` was seen, which is what lets
 * a plain version vector stand for the key's causal history. Across origins writes may arrive out
 * of causal order: a write already covered (a later write that saw it came first) adds no sibling,
 * but its context still supersedes what it saw, exactly as on a node that got it in order.
 */
export function applyWrite(state: RegisterState, w: RegisterWrite): RegisterState {
  const dot = dotOf(w.sibling)
  const seen = covers(state.context, dot)
  const kept = state.siblings.filter((s) => !covers(w.context, dotOf(s)) || (s.origin === dot.origin && s.seq === dot.seq))
  if (!seen) {
    let i = kept.length
    while (i > 0 && compareDot(kept[i - 1]!, w.sibling) > 0) i--
    kept.splice(i, 0, w.sibling)
  } else if (kept.length === state.siblings.length && vvDominates(state.context, w.context)) {
    return state
  }
  return { siblings: kept, context: vvWith(vvMerge(state.context, w.context), dot) }
}

/** Positive when `a` ranks above `b`: greater (hlc, origin) wins; seq breaks the remaining tie. */
function compareRank(a: Sibling, b: Sibling): number {
  return compareHlc(a.hlc, b.hlc) || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.seq - b.seq)
}

/** Siblings ordered best first. */
export function rankSiblings(state: RegisterState): Sibling[] {
  return [...state.siblings].sort((a, b) => compareRank(b, a))
}

/**
 * The value served by default: the best-ranked live sibling. A concurrent delete never hides a
 * live value (add-wins); a key whose siblings are all tombstones has no winner and reads 404.
 */
export function winner(state: RegisterState): Sibling | undefined {
  let best: Sibling | undefined
  for (const s of state.siblings) {
    if (s.deleted) continue
    if (best === undefined || compareRank(s, best) > 0) best = s
  }
  return best
}

export function isLive(state: RegisterState): boolean {
  return state.siblings.some((s) => !s.deleted)
}
